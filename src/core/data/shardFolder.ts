/**
 * A folder of Parquet shards as one dataset (the layout of Hugging Face datasets and of the Hub's Parquet conversion:
 * `train/0000.parquet`, `0001.parquet` … or `data/train-00000-of-00003.parquet` …). This file decides which files are
 * the shards and checks them from their footers alone (no data page is read):
 * - shards: every `*.parquet` / `*.pq` file, in name order with numeric collation (`2.parquet` before `10.parquet`;
 *   `-00000-of-00003` names sort by their index). Hidden files, subfolders and other files (README.md,
 *   dataset_info.json, state.json, LICENSE …, as in a Hub snapshot or a `save_to_disk` folder) are ignored; a JSON
 *   Lines / CSV / TSV file beside the shards (plain or compressed) makes the folder ambiguous, and a compressed shard
 *   (`0001.parquet.gz`, which would otherwise be skipped with its rows) is refused naming it (DATASET_INVALID).
 * - one split: shards whose names end in different split names (`train-…`, `test-…`: the older Hub layout keeps every
 *   split of a config in one folder) are refused, as is an incomplete `-NNNNN-of-MMMMM` set (a missing shard).
 * - one schema: every shard has the same column names (order may differ) and gives each column the same type class
 *   (numbers: any integer width, float or double; strings: string, large_string, dictionary-encoded, binary;
 *   booleans; any other type must match exactly). The error names the shard and the column.
 * - row counts per shard come from the footers, so a reader can skip whole shards before a row (records.scanTable's
 *   `resume` on a folder, which the dataset panel's deep pages use).
 * The description is memoised per folder on every shard's name, mtime and size.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetSchema } from 'hyparquet';
import type { DatasetColumnInfo } from '../../protocol/types';
import { ProbescopeError } from '../errors';

/** One shard: its file, rows (from the footer) and the type of each column (for messages and the schema rule). */
export interface ParquetShard {
  path: string;
  name: string;
  bytes: number;
  rows: number;
  columns: { name: string; type: string; kind: DatasetColumnInfo['kind'] }[];
}

export interface ShardFolder {
  path: string;
  shards: ParquetShard[];
  /** Row index (in the whole folder) of each shard's first row. */
  starts: number[];
  rowCount: number;
  /** Changes when any shard is added, removed, rewritten or touched (names, mtimes, sizes). */
  stamp: string;
}

/** Counters for tests and the bench: footers read (describing a folder) and shards whose data pages were read. */
export const shardFolderStats = { footerReads: 0, dataReads: 0 };

const SHARD = /\.(parquet|pq)$/i;
/** Files that hold rows in a format the readers take one file at a time: beside shards they make the folder ambiguous. */
const OTHER_DATA = /\.(jsonl|ndjson|csv|tsv|tab)$/i;
/** Compressed copies of such files (`2.parquet.gz`, `train.jsonl.gz`): rows the folder read would otherwise skip. */
const COMPRESSED = /\.(gz|bz2|xz|zst|zip)$/i;
const OF = /^(.*?)[-_](\d+)-of-(\d+)$/;
const SPLIT_NAMES = new Set(['train', 'test', 'validation', 'valid', 'val', 'dev', 'eval', 'evaluation']);

const byName = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

const memo = new Map<string, { stamp: string; folder: Promise<ShardFolder> }>();

/** The shard files of a folder (see the file comment), in order, with their stats; DATASET_INVALID otherwise. */
async function shardFiles(abs: string): Promise<{ name: string; stat: import('node:fs').Stats }[]> {
  const entries = (await fs.readdir(abs)).filter((n) => !n.startsWith('.'));
  const stats = await Promise.all(entries.map((n) => fs.stat(path.join(abs, n)).catch(() => undefined)));
  const files = entries.map((name, i) => ({ name, stat: stats[i] }));
  const shards = files.filter((f) => f.stat?.isFile() && SHARD.test(f.name)).sort((a, b) => byName(a.name, b.name)) as {
    name: string;
    stat: import('node:fs').Stats;
  }[];
  // A compressed shard would be skipped silently (its rows missing from the dataset): refused, naming it.
  const packed = files
    .filter((f) => f.stat?.isFile() && COMPRESSED.test(f.name) && SHARD.test(f.name.replace(COMPRESSED, '')))
    .map((f) => f.name)
    .sort(byName);
  if (packed.length > 0)
    throw new ProbescopeError(
      'DATASET_INVALID',
      `${abs} holds compressed Parquet shard${packed.length > 1 ? 's' : ''} ${packed.slice(0, 5).join(', ')}${packed.length > 5 ? ', …' : ''}; ` +
        `a folder dataset reads .parquet shards as they are (Parquet compresses its pages itself): decompress ${packed.length > 1 ? 'them' : 'it'} (e.g. gunzip ${packed[0]}) and give the folder again.`,
    );
  if (shards.length === 0) {
    const holding = await foldersWithShards(abs, '', 2);
    throw new ProbescopeError(
      'DATASET_INVALID',
      `${abs} is a folder with no .parquet file` +
        (holding.length > 0
          ? `; its subfolder${holding.length > 1 ? 's' : ''} ${holding.join(', ')} hold${holding.length > 1 ? '' : 's'} Parquet shards: give the one of the split you want.`
          : '; give a .jsonl, .csv or .parquet file, or a folder of Parquet shards.'),
    );
  }
  const others = files
    .filter((f) => f.stat?.isFile() && OTHER_DATA.test(f.name.replace(COMPRESSED, '')))
    .map((f) => f.name);
  if (others.length > 0)
    throw new ProbescopeError(
      'DATASET_INVALID',
      `${abs} mixes Parquet shards with ${others.sort(byName).join(', ')}; a folder dataset holds only the .parquet shards of one split.`,
    );
  checkOneSplit(
    abs,
    shards.map((s) => s.name),
  );
  checkComplete(
    abs,
    shards.map((s) => s.name),
  );
  return shards;
}

/** Subfolders (to `depth` levels) that hold .parquet files, as `data/train/`, for the message of a folder with none. */
async function foldersWithShards(abs: string, rel: string, depth: number): Promise<string[]> {
  if (depth === 0) return [];
  const out: string[] = [];
  const entries = await fs.readdir(path.join(abs, rel), { withFileTypes: true }).catch(() => []);
  for (const e of entries
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .sort((a, b) => byName(a.name, b.name))) {
    const sub = path.join(rel, e.name);
    const names = await fs.readdir(path.join(abs, sub)).catch(() => [] as string[]);
    if (names.some((n) => SHARD.test(n))) out.push(sub + path.sep);
    else out.push(...(await foldersWithShards(abs, sub, depth - 1)));
  }
  return out.slice(0, 6);
}

/** The split a shard's name ends in (`train-00000-of-00002.parquet`, `imdb-test.parquet` …), if any. */
function splitOf(name: string): string | undefined {
  let stem = name.replace(SHARD, '');
  const of = OF.exec(stem);
  if (of) stem = of[1];
  const last = stem
    .split(/[-_.\s]/)
    .pop()!
    .toLowerCase();
  return SPLIT_NAMES.has(last) ? last : undefined;
}

function checkOneSplit(abs: string, names: string[]): void {
  const bySplit = new Map<string, string[]>();
  for (const n of names) {
    const s = splitOf(n);
    if (s !== undefined) bySplit.set(s, [...(bySplit.get(s) ?? []), n]);
  }
  if (bySplit.size < 2) return;
  const listed = [...bySplit].map(
    ([s, files]) => `${s} (${files[0]}${files.length > 1 ? ` … ${files.length} files` : ''})`,
  );
  throw new ProbescopeError(
    'DATASET_INVALID',
    `${abs} holds the shards of several splits: ${listed.join(', ')}. A folder dataset is one split: move each ` +
      `split's shards into a folder of its own (or give one file), and pass the test split as --test-data.`,
  );
}

/** Every `…-NNNNN-of-MMMMM` set is complete (a partial download would silently drop rows). */
function checkComplete(abs: string, names: string[]): void {
  const sets = new Map<string, { total: Set<number>; have: Set<number>; digits: number; ext: string; sep: string }>();
  for (const n of names) {
    const ext = SHARD.exec(n)![0];
    const stem = n.slice(0, -ext.length);
    const of = OF.exec(stem);
    if (!of) continue;
    const set = sets.get(of[1]) ?? {
      total: new Set(),
      have: new Set(),
      digits: of[2].length,
      ext,
      sep: stem[of[1].length],
    };
    sets.set(of[1], set);
    set.total.add(Number(of[3]));
    set.have.add(Number(of[2]));
  }
  for (const [prefix, set] of sets) {
    const shown = (i: number, total: number) =>
      `${prefix}${set.sep}${String(i).padStart(set.digits, '0')}-of-${String(total).padStart(set.digits, '0')}${set.ext}`;
    if (set.total.size > 1)
      throw new ProbescopeError(
        'DATASET_INVALID',
        `${abs}: the shards named ${prefix}${set.sep}…-of-… disagree on how many there are (${[...set.total].sort((a, b) => a - b).join(', ')}); remove the shards of the older export.`,
      );
    const total = [...set.total][0];
    const missing: string[] = [];
    for (let i = 0; i < total; i++) if (!set.have.has(i)) missing.push(shown(i, total));
    const beyond = [...set.have].filter((i) => i >= total);
    if (missing.length > 0 || beyond.length > 0)
      throw new ProbescopeError(
        'DATASET_INVALID',
        missing.length > 0
          ? `${abs}: ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''} ` +
              `${missing.length > 1 ? 'are' : 'is'} missing (${set.have.size} of ${total} shards present): an incomplete download? Fetch the missing shards.`
          : `${abs}: ${shown(beyond[0], total)} numbers a shard beyond ${total}; remove the shards of another export.`,
      );
  }
}

/** The type of a top-level Parquet column as a short name (`int64`, `string`, `list` …) and its class. */
function columnType(node: ReturnType<typeof parquetSchema>): { type: string; kind: DatasetColumnInfo['kind'] } {
  const e = node.element;
  const logical = e.logical_type?.type;
  const conv = e.converted_type;
  if (node.children.length > 0 || e.type === undefined) {
    if (logical === 'LIST' || conv === 'LIST') return { type: 'list', kind: 'other' };
    if (logical === 'MAP' || conv === 'MAP' || conv === 'MAP_KEY_VALUE') return { type: 'map', kind: 'other' };
    return { type: 'struct', kind: 'other' };
  }
  switch (e.type) {
    case 'BOOLEAN':
      return { type: 'bool', kind: 'boolean' };
    case 'INT32':
    case 'INT64': {
      if (logical === 'DATE' || conv === 'DATE') return { type: 'date', kind: 'other' };
      if (logical === 'TIME' || conv?.startsWith('TIME_')) return { type: 'time', kind: 'other' };
      if (logical === 'TIMESTAMP' || conv?.startsWith('TIMESTAMP_')) return { type: 'timestamp', kind: 'other' };
      if (logical === 'DECIMAL' || conv === 'DECIMAL') return { type: 'decimal', kind: 'number' };
      const lt = e.logical_type;
      if (lt?.type === 'INTEGER') return { type: `${lt.isSigned ? '' : 'u'}int${lt.bitWidth}`, kind: 'number' };
      return { type: e.type.toLowerCase(), kind: 'number' };
    }
    case 'INT96':
      return { type: 'timestamp', kind: 'other' };
    case 'FLOAT':
      return { type: 'float', kind: 'number' };
    case 'DOUBLE':
      return { type: 'double', kind: 'number' };
    case 'FIXED_LEN_BYTE_ARRAY':
      if (logical === 'FLOAT16') return { type: 'float16', kind: 'number' };
      if (logical === 'DECIMAL' || conv === 'DECIMAL') return { type: 'decimal', kind: 'number' };
      return { type: logical === 'UUID' ? 'uuid' : 'fixed_size_binary', kind: 'other' };
    default:
      return logical === 'STRING' || logical === 'ENUM' || logical === 'JSON' || conv === 'UTF8' || conv === 'ENUM'
        ? { type: 'string', kind: 'string' }
        : { type: 'binary', kind: 'string' };
  }
}

/** Rows and column types of one shard from its footer (the file's last bytes; no data page). */
async function readFooter(file: string, name: string, bytes: number): Promise<ParquetShard> {
  shardFolderStats.footerReads++;
  const metadata = await parquetMetadataAsync(await asyncBufferFromFile(file)).catch((err: unknown) => {
    throw new ProbescopeError('DATASET_INVALID', `${name}: cannot read Parquet (${(err as Error).message}).`);
  });
  return {
    path: file,
    name,
    bytes,
    rows: Number(metadata.num_rows),
    columns: parquetSchema(metadata).children.map((c) => ({ name: c.element.name, ...columnType(c) })),
  };
}

/** Every shard has the columns of the first, each of the same type class (see the file comment). */
function checkSchemas(abs: string, shards: ParquetShard[]): void {
  const [first] = shards;
  const want = new Map(first.columns.map((c) => [c.name, c]));
  const sameClass = (a: ParquetShard['columns'][number], b: ParquetShard['columns'][number]) =>
    a.kind === 'other' || b.kind === 'other' ? a.type === b.type : a.kind === b.kind;
  for (const s of shards.slice(1)) {
    const have = new Map(s.columns.map((c) => [c.name, c]));
    const missing = [...want.keys()].filter((n) => !have.has(n));
    const extra = [...have.keys()].filter((n) => !want.has(n));
    if (missing.length > 0 || extra.length > 0) {
      const quoted = (names: string[]) => names.map((n) => `"${n}"`).join(', ');
      const diff = [
        missing.length > 0 ? `lacks ${quoted(missing)}` : '',
        extra.length > 0 ? `has ${quoted(extra)} too` : '',
      ].filter(Boolean);
      throw new ProbescopeError(
        'DATASET_INVALID',
        `${s.name} has columns ${[...have.keys()].join(', ')}, but ${first.name} has ${[...want.keys()].join(', ')} ` +
          `(${s.name} ${diff.join(' and ')}; in ${abs}); the shards of one dataset must have the same columns.`,
      );
    }
    for (const c of s.columns) {
      const w = want.get(c.name)!;
      if (!sameClass(c, w))
        throw new ProbescopeError(
          'DATASET_INVALID',
          `${s.name}: column "${c.name}" is ${c.type}, but ${w.type} in ${first.name} (in ${abs}); the shards of one ` +
            `dataset must give a column one type (integers of any width and floats count as numbers). Cast it to one ` +
            `type when writing the shards (pyarrow: table.cast(schema); polars: pl.col("${c.name}").cast(...)).`,
        );
    }
  }
}

/**
 * The shards of a folder dataset, checked and counted from their footers (see the file comment); memoised on the
 * shards' names, mtimes and sizes. Throws DATASET_INVALID naming the folder or the shard at fault.
 */
export async function shardFolder(folder: string): Promise<ShardFolder> {
  const abs = path.resolve(folder);
  const files = await shardFiles(abs);
  const stamp = files.map((f) => `${f.name}:${f.stat.mtimeMs}:${f.stat.size}`).join('/');
  const hit = memo.get(abs);
  if (hit && hit.stamp === stamp) return hit.folder;
  const described = (async (): Promise<ShardFolder> => {
    const shards: ParquetShard[] = [];
    for (const f of files) shards.push(await readFooter(path.join(abs, f.name), f.name, f.stat.size));
    checkSchemas(abs, shards);
    const starts: number[] = [];
    let rowCount = 0;
    for (const s of shards) {
      starts.push(rowCount);
      rowCount += s.rows;
    }
    return { path: abs, shards, starts, rowCount, stamp };
  })();
  memo.set(abs, { stamp, folder: described });
  described.catch(() => memo.delete(abs));
  if (memo.size > 16) memo.delete(memo.keys().next().value as string);
  return described;
}
