/**
 * Dataset reading in bounded memory: for each size in PROBESCOPE_BENCH_DATASET_MB (comma-separated megabytes, default
 * "256,1024"; "102,1024" compares a 1 GiB file with one 10× smaller) generates a CSV, a Parquet file (SNAPPY pages,
 * the pyarrow default) and a folder of 8 Parquet shards (as HF datasets writes a split) in a temp folder, then
 * measures, each in a fresh child process, its peak RSS (process.resourceUsage().maxRSS) and seconds for:
 * - `panel`: what the dataset panel does: inspectDataset (streamed summary), a page near the end and a search through
 *   datasetRows (streamed above 64 MiB). This must not grow with the file. The page near the end is timed twice, after
 *   the panel's first pass (row count, index) that both share: read
 *   from the file's start (the sparse row index disabled) and through the index (streamedRows.ts); for the shard
 *   folder also how many shards each read opened (shardFolderStats: the index opens only the last one).
 * - `train`: what training does before the model runs: planSplits (readTrainingRows: streamed above 64 MiB, keeping
 *   per row a label, a text key and the row index), then one streamed pass over the texts (hashTextSource, the first
 *   thing extraction does; its tokenizing passes read the texts the same way). Bounded by rows, not bytes.
 * - `eval` (not in the default modes): what `eval`, `compare` and a layer sweep read before the model runs:
 *   readTrainingRows (streamed above 64 MiB), every label checked against the classes, the file rows (sourceRows:
 *   eval's `rows`), then one streamed pass over the texts (hashTextSource). `activations --data` on a labelled file
 *   reads the same way.
 * - `texts` (not in the default modes): `activations --data` without a label column: readExtractionTexts (a counting
 *   pass above 64 MiB) and one streamed pass over the texts.
 * - `memory` (not in the default modes): readDataset, the whole-table read (every text held), for comparison.
 * After all sizes, the peak RSS of each mode at the largest size is printed as a ratio to the smallest size.
 * Texts are drawn from 50,000 random words; 10 % of rows repeat a recent text (PROBESCOPE_BENCH_DATASET_REPEATS). The
 * temp folder is removed afterwards.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchRow } from './index';

const SIZES_MB = (process.env.PROBESCOPE_BENCH_DATASET_MB ?? '256,1024').split(',').map(Number);
/** PROBESCOPE_BENCH_DATASET_KINDS (default "csv,parquet,shards": shards = a folder of 8 Parquet shards) and _MODES (default "panel,train") pick a subset. */
const KINDS = (process.env.PROBESCOPE_BENCH_DATASET_KINDS ?? 'csv,parquet,shards').split(',');
const MODES = (process.env.PROBESCOPE_BENCH_DATASET_MODES ?? 'panel,train').split(',') as Mode[];
const ROWS_PER_BATCH = 50_000;
const MODE_NAMES: Record<Mode, string> = {
  panel: 'inspect + page + search',
  train: 'training load (split plan + one text pass)',
  eval: 'eval load (rows + labels checked + file rows + one text pass)',
  texts: 'unlabelled extraction texts (count + one text pass)',
  memory: 'readDataset (all texts held)',
};

/**
 * Share of rows that repeat an earlier text (PROBESCOPE_BENCH_DATASET_REPEATS, default 0.1): real exports repeat texts
 * (templates, re-scraped pages), and repeats take the grouped split's path (groupedSplit.ts), not the plain one.
 */
const REPEATS = Number(process.env.PROBESCOPE_BENCH_DATASET_REPEATS ?? '0.1');

/**
 * Deterministic pseudo-random rows: 60–400 characters drawn from 50,000 random words, a 0/1 label; a share REPEATS of
 * the rows repeat one of the last 1,000 texts.
 */
function* batches(seed = 12345): Generator<{ texts: string[]; labels: number[] }> {
  let s = seed;
  const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8;
  const words = Array.from({ length: 50_000 }, () =>
    String.fromCharCode(...Array.from({ length: 3 + (next() % 8) }, () => 97 + (next() % 26))),
  );
  const recent: string[] = [];
  for (;;) {
    const texts: string[] = [];
    const labels: number[] = [];
    for (let i = 0; i < ROWS_PER_BATCH; i++) {
      const len = 60 + (next() % 340);
      const parts: string[] = [];
      for (let n = 0; n < len; n += parts[parts.length - 1].length + 1) parts.push(words[next() % words.length]);
      const repeat = recent.length > 0 && next() / 2 ** 24 < REPEATS;
      const text = repeat ? recent[next() % recent.length] : parts.join(' ');
      if (recent.length < 1000) recent.push(text);
      else recent[next() % 1000] = text;
      texts.push(text);
      labels.push(next() & 1);
    }
    yield { texts, labels };
  }
}

async function writeCsv(path: string, bytes: number): Promise<number> {
  const out = createWriteStream(path);
  out.write('text,label\n');
  let written = 0;
  let rows = 0;
  for (const { texts, labels } of batches()) {
    const chunk = texts.map((t, i) => `${t},${labels[i]}\n`).join('');
    written += chunk.length;
    rows += texts.length;
    if (!out.write(chunk)) await once(out, 'drain');
    if (written >= bytes) break;
  }
  out.end();
  await once(out, 'finish');
  return rows;
}

async function writeParquet(path: string, bytes: number, seed?: number): Promise<number> {
  const { ParquetWriter, fileWriter, schemaFromColumnData } = await import('hyparquet-writer');
  let writer: InstanceType<typeof ParquetWriter> | undefined;
  let rows = 0;
  for (const { texts, labels } of batches(seed)) {
    const columnData = [
      { name: 'text', data: texts, type: 'STRING' as const },
      { name: 'label', data: labels, type: 'INT32' as const },
    ];
    writer ??= new ParquetWriter({ writer: fileWriter(path), schema: schemaFromColumnData({ columnData }) });
    writer.write({ columnData: columnData.map(({ name, data }) => ({ name, data })), rowGroupSize: ROWS_PER_BATCH });
    rows += texts.length;
    if (statSync(path).size >= bytes) break; // the file writer flushes every MB, so this is the file's size
  }
  writer!.finish();
  return rows;
}

/** A folder of SHARDS Parquet shards (`0.parquet` … `7.parquet`, each bytes / SHARDS, different rows), as HF datasets write. */
const SHARDS = 8;
async function writeShards(dir: string, bytes: number): Promise<number> {
  mkdirSync(dir, { recursive: true });
  let rows = 0;
  for (let k = 0; k < SHARDS; k++) rows += await writeParquet(join(dir, `${k}.parquet`), bytes / SHARDS, 1000 + k);
  return rows;
}

/** Bytes of a file, or of the files of a folder. */
function sizeOf(path: string): number {
  const st = statSync(path);
  return st.isDirectory() ? readdirSync(path).reduce((a, n) => a + statSync(join(path, n)).size, 0) : st.size;
}

type Mode = 'panel' | 'train' | 'eval' | 'texts' | 'memory';

/** Reads `file` in a fresh process (`mode`, see the file comment); its own peak RSS, not this process's. */
interface ChildResult {
  rows: number;
  seconds: number;
  peakMB: number;
  /** panel: seconds of a page 20 rows before the end, read from the start and through the sparse row index. */
  deepPage: { fromStart?: number; indexed?: number; shardsFromStart?: number; shardsIndexed?: number };
}

function readInChild(file: string, mode: Mode): ChildResult {
  const data = JSON.stringify(join(__dirname, '../src/core/data'));
  const f = JSON.stringify(file);
  const probes = JSON.stringify(join(__dirname, '../src/core/probes/trainingSplits'));
  const cacheKey = JSON.stringify(join(__dirname, '../src/core/activations/cacheKey'));
  const chat = JSON.stringify(join(__dirname, '../src/core/chat/chatDataset'));
  const extraction = JSON.stringify(join(__dirname, '../src/core/data/extractionTexts'));
  const work =
    mode === 'memory'
      ? `readDataset(${f}).then((ds) => ds.texts.length)`
      : mode === 'eval'
        ? `require(${chat}).readTrainingRows(${f}, {}, undefined).then(async (read) => {
             const classes = new Set(['0', '1']);
             for (const l of read.labels.names) if (!classes.has(l)) throw new Error('label ' + l);
             const rows = read.sourceRows();
             read.ownGroups?.();
             await require(${cacheKey}).hashTextSource(read.texts);
             if (rows.length !== read.texts.count) throw new Error('rows');
             return read.texts.count;
           })`
        : mode === 'texts'
          ? `require(${extraction}).readExtractionTexts(${f}, {}).then(async (r) => {
               await require(${cacheKey}).hashTextSource(r.texts);
               return r.texts.count;
             })`
          : mode === 'train'
            ? `require(${probes}).planSplits({ dataPath: ${f}, modelDir: '', layer: 1, probe: 'mean', outDir: '' }, 'fast', 1)
             .then(async (plan) => { await require(${cacheKey}).hashTextSource(plan.texts); return plan.texts.count; })`
            : `inspectDataset({ path: ${f} }).then(async (s) => {
           const deep = { path: ${f}, textField: s.textField, labelField: s.labelField, offset: s.rows - 20, limit: 10 };
           const { rowIndexConfig } = require(${JSON.stringify(join(__dirname, '../src/core/data/streamedRows'))});
           const { shardFolderStats } = require(${JSON.stringify(join(__dirname, '../src/core/data/shardFolder'))});
           await datasetRows({ ...deep, offset: 0, limit: 1 }); // the first pass (row count, index): not timed below
           rowIndexConfig.enabled = false;
           let t = performance.now();
           let shards = shardFolderStats.dataReads;
           const fromStart = await datasetRows(deep);
           deepPage.fromStart = (performance.now() - t) / 1000;
           deepPage.shardsFromStart = shardFolderStats.dataReads - shards;
           rowIndexConfig.enabled = true;
           t = performance.now();
           shards = shardFolderStats.dataReads;
           const page = await datasetRows(deep);
           deepPage.indexed = (performance.now() - t) / 1000;
           deepPage.shardsIndexed = shardFolderStats.dataReads - shards;
           if (page.rows.length !== 10 || JSON.stringify(page) !== JSON.stringify(fromStart)) throw new Error('page');
           const hits = await datasetRows({ path: ${f}, textField: s.textField, labelField: s.labelField, offset: 0, limit: 10, search: 'zz' });
           if (!(hits.total > 0)) throw new Error('search');
           return s.rows;
         })`;
  const script = `
    const { readDataset, inspectDataset, datasetRows } = require(${data});
    const t0 = performance.now();
    const deepPage = {};
    ${work}.then((rows) => {
      const seconds = (performance.now() - t0) / 1000;
      console.log(JSON.stringify({ rows, seconds, peakMB: process.resourceUsage().maxRSS / 1024, deepPage }));
    }, (e) => { console.error(e); process.exit(1); });`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as ChildResult;
}

export async function run(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'probescope-bench-data-'));
  const rows: BenchRow[] = [];
  const peaks: { kind: string; mode: Mode; size: number; peakMB: number }[] = [];
  try {
    for (const mb of SIZES_MB)
      for (const kind of KINDS) {
        const write = kind === 'csv' ? writeCsv : kind === 'shards' ? writeShards : writeParquet;
        const file = join(dir, kind === 'shards' ? 'big-shards' : `big.${kind}`);
        const t0 = performance.now();
        const n = await write(file, mb * 2 ** 20);
        const size = sizeOf(file) / 2 ** 20;
        console.log(
          `datasetRead ${kind}: wrote ${size.toFixed(0)} MiB, ${n.toLocaleString('en-US')} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
        );
        for (const mode of MODES) {
          const r = readInChild(file, mode);
          peaks.push({ kind, mode, size, peakMB: r.peakMB });
          const { fromStart, indexed, shardsFromStart, shardsIndexed } = r.deepPage;
          if (fromStart !== undefined && indexed !== undefined) {
            const shardsRead =
              kind === 'shards' ? `; shards read: ${shardsFromStart} from the start, ${shardsIndexed} indexed` : '';
            const line = `${fromStart.toFixed(2)} s from the start, ${indexed.toFixed(2)} s through the row index (${(fromStart / indexed).toFixed(1)}× faster)${shardsRead}`;
            console.log(`datasetRead ${kind} deep page (20 rows before the end): ${line}`);
            rows.push({ metric: `deep page of a ${size.toFixed(0)} MiB ${kind}`, value: line });
          }
          console.log(
            `datasetRead ${kind} ${mode}: ${r.rows.toLocaleString('en-US')} rows in ${r.seconds.toFixed(1)} s, peak RSS ${r.peakMB.toFixed(0)} MiB (${(r.peakMB / size).toFixed(2)}× the file)`,
          );
          rows.push({
            metric: `${MODE_NAMES[mode]}, ${size.toFixed(0)} MiB ${kind}: peak RSS`,
            value: `${r.peakMB.toFixed(0)} MiB = ${(r.peakMB / size).toFixed(2)}× file, ${r.seconds.toFixed(1)} s`,
          });
        }
        rmSync(file, { recursive: true, force: true });
      }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // Growth with the file: peak RSS at the largest size over the smallest, per kind and mode (same run).
  for (const kind of KINDS)
    for (const mode of MODES) {
      const of = peaks.filter((p) => p.kind === kind && p.mode === mode).sort((a, b) => a.size - b.size);
      if (of.length < 2) continue;
      const [lo, hi] = [of[0], of[of.length - 1]];
      const line = `${(hi.peakMB / lo.peakMB).toFixed(2)}× peak RSS for ${(hi.size / lo.size).toFixed(1)}× the file (${lo.peakMB.toFixed(0)} → ${hi.peakMB.toFixed(0)} MiB)`;
      console.log(`datasetRead ${kind} ${mode}: ${line}`);
      rows.push({
        metric: `${MODE_NAMES[mode]}, ${kind}: ${hi.size.toFixed(0)} vs ${lo.size.toFixed(0)} MiB`,
        value: line,
      });
    }
  return rows;
}
