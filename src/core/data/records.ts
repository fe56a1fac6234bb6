/**
 * Raw table loading for JSON Lines / JSON, CSV / TSV and Parquet (readers in jsonReader, csvReader, parquetReader).
 * Parsed tables are memoised per path + read options + mtime + size, so paging and search in the dataset panel never
 * re-parse a large file.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { DatasetReadParams } from '../../protocol/types';
import { ProbescopeError } from '../errors';
import {
  ScanStopped,
  type BuildOptions,
  type DatasetFormat,
  type RawTable,
  type RowBatch,
  type TableSink,
} from './columnTable';
import { contentSize, refuseCompressed, uncompressedName } from './compression';
import { readCsv } from './csvReader';
import { readJson } from './jsonReader';
import { readParquet } from './parquetReader';
import { openDecodedText } from './textDecoding';
import { concatTables } from './tableConcat';

export type { DatasetFormat, RawRow, RawTable, RowBatch, TableSink } from './columnTable';

/** How to read a text dataset (encoding, delimiter, quote); declared once in the protocol. */
export type DatasetReadOptions = DatasetReadParams;

const cache = new Map<string, { stamp: string; table: Promise<RawTable> }>();
const MAX_CACHED = 8;

/** Formats researchers keep tables in that the readers do not take, and how to convert each. */
const CONVERT: Record<string, string> = {
  '.xlsx':
    'an Excel workbook is not read; save the sheet as "CSV UTF-8 (Comma delimited)" in Excel (or pandas: pd.read_excel(f).to_csv("data.csv", index=False))',
  '.xls':
    'an Excel workbook is not read; save the sheet as "CSV UTF-8 (Comma delimited)" in Excel (or pandas: pd.read_excel(f).to_csv("data.csv", index=False))',
  '.ods': 'a spreadsheet is not read; save the sheet as CSV (UTF-8)',
  '.arrow':
    'an Arrow file (what datasets.save_to_disk writes) is not read; write Parquet (datasets: ds.to_parquet("data.parquet"); pyarrow: pq.write_table(table, "data.parquet"))',
  '.feather': 'a Feather file is not read; write Parquet (pandas: pd.read_feather(f).to_parquet("data.parquet"))',
  '.pkl': 'a pickle is not read; write Parquet or JSON Lines (pandas: df.to_parquet("data.parquet"))',
  '.pickle': 'a pickle is not read; write Parquet or JSON Lines (pandas: df.to_parquet("data.parquet"))',
};

export function formatOf(file: string): DatasetFormat {
  refuseCompressed(file);
  const name = uncompressedName(file);
  const ext = path.extname(name).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') return 'jsonl';
  // .txt: what Excel's "Unicode text" export writes (UTF-16 LE with a BOM, tab-separated).
  if (ext === '.csv' || ext === '.tsv' || ext === '.tab' || ext === '.txt') return 'csv';
  if ((ext === '.parquet' || ext === '.pq') && name !== file)
    throw new ProbescopeError(
      'DATASET_INVALID',
      `${path.basename(file)}: a gzip-compressed Parquet file; decompress it (gunzip -k) and give the .parquet file (Parquet compresses its pages itself).`,
    );
  if (ext === '.parquet' || ext === '.pq') return 'parquet';
  const convert = CONVERT[ext];
  if (convert)
    throw new ProbescopeError(
      'DATASET_INVALID',
      `${path.basename(file)}: ${convert}, then give that file (.csv, .jsonl or .parquet).`,
    );
  throw new ProbescopeError(
    'DATASET_INVALID',
    `Unsupported dataset type "${path.extname(file)}" (${file}): use .jsonl, .json, .csv, .tsv (.txt) or .parquet, plain or gzip-compressed (.gz).`,
  );
}

/**
 * formatOf, except that a `.txt` file whose text starts with `{` or `[` is JSON (Lines) rather than delimited text:
 * `.txt` is what both Excel's "Unicode text" export and ad-hoc JSON Lines dumps are called.
 */
export async function formatOfFile(abs: string, opts: DatasetReadOptions = {}): Promise<DatasetFormat> {
  const format = formatOf(abs);
  if (format !== 'csv' || !/\.txt$/i.test(uncompressedName(abs))) return format;
  const decoded = await openDecodedText(abs, opts.encoding);
  for await (const chunk of decoded.chunks) {
    const start = chunk.trimStart();
    if (start === '') continue;
    return start[0] === '{' || start[0] === '[' ? 'jsonl' : 'csv';
  }
  return 'csv';
}

async function statDataset(file: string): Promise<{ abs: string; stat: import('node:fs').Stats }> {
  const abs = path.resolve(file);
  let stat;
  try {
    stat = await fs.stat(abs);
  } catch {
    throw new ProbescopeError('DATASET_INVALID', `Dataset not found: ${abs}. Check the path.`);
  }
  if (stat.isDirectory()) return { abs, stat };
  // Only regular files: a FIFO would block the read forever, /dev/zero would never end.
  if (!stat.isFile())
    throw new ProbescopeError(
      'DATASET_INVALID',
      `${abs} is ${stat.isFIFO() ? 'a pipe (FIFO)' : 'not a regular file'}; give a .jsonl, .csv or .parquet file.`,
    );
  return { abs, stat };
}

/**
 * Loads (or returns the memoised) table for a file; re-parses only when the file or the read options changed.
 * With `keep`, only those columns' values are stored (the others are listed, with their kinds) and the table is not
 * memoised: a one-off read of a large file for training (readDataset).
 */
export async function loadTable(
  file: string,
  opts: DatasetReadOptions = {},
  keep?: (name: string) => boolean,
): Promise<RawTable> {
  const { abs, stat } = await statDataset(file);
  if (stat.isDirectory()) return loadParquetFolder(abs);
  if (keep) return parseTable(abs, opts, { keep });
  const key = `${abs}\u0000${opts.encoding ?? ''}\u0000${opts.delimiter ?? ''}\u0000${opts.quote ?? ''}`;
  const stamp = `${stat.mtimeMs}:${stat.size}`;
  const hit = cache.get(key);
  if (hit && hit.stamp === stamp) return hit.table;
  const table = parseTable(abs, opts);
  cache.set(key, { stamp, table });
  table.catch(() => cache.delete(key));
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
  return table;
}

/**
 * A folder of Parquet files (the shards of one split, as the Hub's conversion and `pandas.read_parquet(folder)` use
 * them) as one table: every `*.parquet` / `*.pq` file in it, in name order with numeric collation (`0000.parquet`,
 * `0001.parquet` …), rows concatenated (concatTables). Memoised on every file's mtime and size. A folder with no
 * Parquet file, or with other data files beside them, is DATASET_INVALID.
 */
async function loadParquetFolder(abs: string): Promise<RawTable> {
  const files = await parquetShards(abs);
  const stats = await Promise.all(files.map((f) => fs.stat(f)));
  const stamp = stats.map((s) => `${s.mtimeMs}:${s.size}`).join(',');
  const hit = cache.get(abs);
  if (hit && hit.stamp === stamp) return hit.table;
  const table = (async () => {
    const parts: RawTable[] = [];
    for (const f of files) parts.push(await readParquet(f));
    const joined = concatTables(abs, parts);
    if (joined.rowCount === 0) throw new ProbescopeError('DATASET_INVALID', `Dataset ${abs} has no rows.`);
    return joined;
  })();
  cache.set(abs, { stamp, table });
  table.catch(() => cache.delete(abs));
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
  return table;
}

/** Metadata files `datasets` writes beside Parquet/Arrow data (save_to_disk, push_to_hub snapshots). */
const HF_METADATA = ['dataset_info.json', 'dataset_infos.json', 'state.json', 'dataset_dict.json'];

/** The Parquet shards of a folder dataset, in name order (numeric collation); DATASET_INVALID for anything else. */
async function parquetShards(abs: string): Promise<string[]> {
  const names = (await fs.readdir(abs)).filter((n) => !n.startsWith('.'));
  const shards = names
    .filter((n) => /\.(parquet|pq)$/i.test(n))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  // Hugging Face metadata beside the shards (save_to_disk, a Hub snapshot) is not data.
  const others = names.filter((n) => /\.(jsonl|ndjson|json|csv|tsv|tab|txt)$/i.test(n) && !HF_METADATA.includes(n));
  // A Hub snapshot's data/ folder holds every split's shards (train-00000-of-00002.parquet, test-…): never one table.
  const splits = new Map<string, number>();
  for (const n of shards) {
    const m = /^(.+?)-\d{5}-of-\d{5}\.parquet$/i.exec(n);
    if (m) splits.set(m[1], (splits.get(m[1]) ?? 0) + 1);
  }
  if (splits.size > 1)
    throw new ProbescopeError(
      'DATASET_INVALID',
      `${abs} holds the shards of several splits (${[...splits].map(([k, v]) => `${k}: ${v} file${v > 1 ? 's' : ''}`).join(', ')}); reading them as one table would mix them. Give one split: its shard file (--data …/${[...splits.keys()][0]}-00000-of-….parquet, and --test-data for another split's) or a folder holding only that split's shards.`,
    );
  if (shards.length === 0 || others.length > 0)
    throw new ProbescopeError(
      'DATASET_INVALID',
      shards.length === 0
        ? `${abs} is a folder with no .parquet file; give a .jsonl, .csv or .parquet file, or a folder of Parquet shards.`
        : `${abs} mixes Parquet shards with ${others.join(', ')}; a folder dataset holds only the .parquet shards of one split.`,
    );
  return shards.map((n) => path.join(abs, n));
}

async function parseTable(abs: string, opts: DatasetReadOptions, build: BuildOptions = {}): Promise<RawTable> {
  const format = await formatOfFile(abs, opts);
  const table =
    format === 'jsonl'
      ? await readJson(abs, opts, build)
      : format === 'csv'
        ? await readCsv(abs, opts, build)
        : await readParquet(abs, build);
  if (table.rowCount === 0) throw new ProbescopeError('DATASET_INVALID', `Dataset ${abs} has no rows.`);
  return table;
}

/**
 * Streams a dataset through `sink` in batches of rows, holding only one batch (Parquet: one row group) at a time;
 * nothing is memoised. Returns the file's description (rowCount, columns with kinds, reader notes; no values), or
 * `stopped: true` when the sink ended the read early (its rowCount is then only what was read).
 */
export async function scanTable(
  file: string,
  opts: DatasetReadOptions,
  sink: TableSink,
): Promise<{ table: RawTable; stopped: false } | { stopped: true }> {
  const { abs, stat } = await statDataset(file);
  if (stat.isDirectory()) return scanParquetFolder(abs, sink);
  const format = await formatOfFile(abs, opts);
  try {
    const table =
      format === 'jsonl'
        ? await readJson(abs, opts, { sink })
        : format === 'csv'
          ? await readCsv(abs, opts, { sink })
          : await readParquet(abs, { sink });
    if (table.rowCount === 0) throw new ProbescopeError('DATASET_INVALID', `Dataset ${abs} has no rows.`);
    return { table, stopped: false };
  } catch (err) {
    if (err instanceof ScanStopped) return { stopped: true };
    throw err;
  }
}

/** scanTable over the shards of a folder dataset, in order: batches carry their row index in the whole folder. */
async function scanParquetFolder(
  abs: string,
  sink: TableSink,
): Promise<{ table: RawTable; stopped: false } | { stopped: true }> {
  const parts: RawTable[] = [];
  let offset = 0;
  try {
    for (const f of await parquetShards(abs)) {
      const at = offset;
      const shifted: TableSink = {
        batchRows: sink.batchRows,
        onBatch: (b) => sink.onBatch(Object.assign(Object.create(b) as RowBatch, { start: b.start + at })),
      };
      const part = await readParquet(f, { sink: shifted });
      parts.push(part);
      offset += part.rowCount;
    }
  } catch (err) {
    if (err instanceof ScanStopped) return { stopped: true };
    throw err;
  }
  const table = concatTables(abs, parts);
  if (table.rowCount === 0) throw new ProbescopeError('DATASET_INVALID', `Dataset ${abs} has no rows.`);
  return { table, stopped: false };
}

/** The size in bytes of a dataset's content (gzip: decompressed; a folder: its shards), for choosing between the memoised table and streaming. */
export async function datasetBytes(file: string): Promise<number> {
  const { abs, stat } = await statDataset(file);
  if (!stat.isDirectory()) return contentSize(abs, stat.size);
  const sizes = await Promise.all((await parquetShards(abs)).map(async (f) => (await fs.stat(f)).size));
  return sizes.reduce((a, b) => a + b, 0);
}
