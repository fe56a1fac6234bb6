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
import { shardFolder, shardFolderStats } from './shardFolder';
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
  if (stat.isDirectory()) return loadParquetFolder(abs, keep);
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
 * A folder of Parquet shards (shardFolder.ts: which files, in which order, one schema) as one table, rows
 * concatenated (concatTables). Memoised on every shard's name, mtime and size; with `keep`, only those columns are
 * stored and nothing is memoised (as for a single file).
 */
async function loadParquetFolder(abs: string, keep?: (name: string) => boolean): Promise<RawTable> {
  const folder = await shardFolder(abs);
  const read = async () => {
    const parts: RawTable[] = [];
    for (const s of folder.shards) {
      shardFolderStats.dataReads++;
      parts.push(await readParquet(s.path, keep ? { keep } : {}));
    }
    const joined = concatTables(abs, parts);
    if (joined.rowCount === 0) throw new ProbescopeError('DATASET_INVALID', `Dataset ${abs} has no rows.`);
    return joined;
  };
  if (keep) return read();
  const hit = cache.get(abs);
  if (hit && hit.stamp === folder.stamp) return hit.table;
  const table = read();
  cache.set(abs, { stamp: folder.stamp, table });
  table.catch(() => cache.delete(abs));
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
  return table;
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

/** The column names of a dataset as its first batch of `batchRows` rows gives them (a few rows read). */
export async function columnNames(file: string, opts: DatasetReadOptions, batchRows = 256): Promise<string[]> {
  let names: string[] = [];
  await scanTable(file, opts, {
    batchRows,
    onBatch: (b) => {
      names = b.columns.map((c) => c.name);
      return false;
    },
  });
  return names;
}

/**
 * A shard's batch as a batch of the folder: rows numbered from the shard's first row `at`, `where` naming the shard. A
 * plain object (not Object.create(b): a batch made a prototype per batch cost ~50 MiB more peak RSS on a 800k-row scan).
 */
function inFolder(b: RowBatch, at: number, shard: string): RowBatch {
  return {
    path: b.path,
    format: b.format,
    columns: b.columns,
    rowCount: b.rowCount,
    notes: b.notes,
    column: (name) => b.column(name),
    get rows() {
      return b.rows;
    },
    where: (i) => `${shard} ${b.where(i)}`,
    start: b.start + at,
  };
}

/**
 * scanTable over the shards of a folder dataset, in order: batches carry their row index in the whole folder, and
 * `where` names the shard ("0001.parquet row 3"). With `sink.resume` (row R), the shards before R's are skipped
 * unopened (their row counts come from the footers: shardFolder) and R's own shard skips its row groups before R.
 * The description returned counts every shard's rows (from the footers) even when shards were skipped.
 */
async function scanParquetFolder(
  abs: string,
  sink: TableSink,
): Promise<{ table: RawTable; stopped: false } | { stopped: true }> {
  const folder = await shardFolder(abs);
  const from = sink.resume?.row ?? 0;
  const parts: RawTable[] = [];
  try {
    for (let k = 0; k < folder.shards.length; k++) {
      const shard = folder.shards[k];
      const at = folder.starts[k];
      if (shard.rows === 0 || at + shard.rows <= from) continue;
      const name = path.basename(shard.path);
      const shifted: TableSink = {
        batchRows: sink.batchRows,
        ...(from > at ? { resume: { row: from - at, offset: 0 } } : {}),
        onBatch: (b) => sink.onBatch(inFolder(b, at, name)),
      };
      shardFolderStats.dataReads++;
      parts.push(await readParquet(shard.path, { sink: shifted }));
    }
  } catch (err) {
    if (err instanceof ScanStopped) return { stopped: true };
    throw err;
  }
  if (folder.rowCount === 0) throw new ProbescopeError('DATASET_INVALID', `Dataset ${abs} has no rows.`);
  if (parts.length === 0) {
    // Resumed past every shard: the description from the footers.
    const columns = folder.shards[0].columns.map((c) => ({ name: c.name, kind: c.kind }));
    const empty: unknown[] = [];
    const table: RawTable = {
      path: abs,
      format: 'parquet',
      columns,
      rowCount: folder.rowCount,
      notes: [],
      column: () => empty,
      rows: [],
      where: (i) => `row ${i + 1}`,
    };
    return { table, stopped: false };
  }
  return { table: { ...concatTables(abs, parts), rowCount: folder.rowCount }, stopped: false };
}

/** The size in bytes of a dataset's content (gzip: decompressed; a folder: its shards), for choosing between the memoised table and streaming. */
export async function datasetBytes(file: string): Promise<number> {
  const { abs, stat } = await statDataset(file);
  if (!stat.isDirectory()) return contentSize(abs, stat.size);
  return (await shardFolder(abs)).shards.reduce((a, s) => a + s.bytes, 0);
}

/** Changes whenever the dataset's bytes may have (a file: mtime and size; a folder: every shard's name, mtime, size). */
export async function datasetStamp(file: string): Promise<string> {
  const { abs, stat } = await statDataset(file);
  return stat.isDirectory() ? (await shardFolder(abs)).stamp : `${stat.mtimeMs}:${stat.size}`;
}
