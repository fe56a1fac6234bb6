/**
 * Raw table loading for JSONL, CSV and Parquet: every row becomes a plain object. Parsed tables are memoised per
 * path + mtime + size so paging and search in the dataset panel never re-parse a large file.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { parquetReadObjects } from 'hyparquet';
import { ProbescopeError } from '../errors';
import type { DatasetColumnInfo } from '../../protocol/types';

export type DatasetFormat = 'jsonl' | 'csv' | 'parquet';
export type RawRow = Record<string, unknown>;

export interface RawTable {
  path: string;
  format: DatasetFormat;
  rows: RawRow[];
  columns: DatasetColumnInfo[];
}

const cache = new Map<string, { stamp: string; table: Promise<RawTable> }>();
const MAX_CACHED = 8;

export function formatOf(file: string): DatasetFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') return 'jsonl';
  if (ext === '.csv' || ext === '.tsv') return 'csv';
  if (ext === '.parquet') return 'parquet';
  throw new ProbescopeError(
    'DATASET_INVALID',
    `Unsupported dataset type "${ext}" (${file}): use .jsonl, .csv or .parquet.`,
  );
}

/** Loads (or returns the memoised) table for a file; re-parses only when the file changed. */
export async function loadTable(file: string): Promise<RawTable> {
  const abs = path.resolve(file);
  let stat;
  try {
    stat = await fs.stat(abs);
  } catch {
    throw new ProbescopeError('DATASET_INVALID', `Dataset not found: ${abs}. Check the path.`);
  }
  // Only regular files: a FIFO would block the read forever, /dev/zero would never end.
  if (!stat.isFile())
    throw new ProbescopeError(
      'DATASET_INVALID',
      `${abs} is ${stat.isDirectory() ? 'a folder' : stat.isFIFO() ? 'a pipe (FIFO)' : 'not a regular file'}; give a .jsonl, .csv or .parquet file.`,
    );
  const stamp = `${stat.mtimeMs}:${stat.size}`;
  const hit = cache.get(abs);
  if (hit && hit.stamp === stamp) return hit.table;
  const table = parseTable(abs);
  cache.set(abs, { stamp, table });
  table.catch(() => cache.delete(abs));
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
  return table;
}

async function parseTable(abs: string): Promise<RawTable> {
  const format = formatOf(abs);
  const rows =
    format === 'jsonl'
      ? parseJsonl(await fs.readFile(abs, 'utf8'), abs)
      : format === 'csv'
        ? parseCsvText(await fs.readFile(abs, 'utf8'), abs)
        : await parseParquet(abs);
  if (rows.length === 0) throw new ProbescopeError('DATASET_INVALID', `Dataset ${abs} has no rows.`);
  return { path: abs, format, rows, columns: columnsOf(rows) };
}

function parseJsonl(text: string, file: string): RawRow[] {
  const rows: RawRow[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new ProbescopeError(
        'DATASET_INVALID',
        `${path.basename(file)} line ${i + 1}: invalid JSON (${(err as Error).message}). Each line must be one JSON object.`,
      );
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new ProbescopeError(
        'DATASET_INVALID',
        `${path.basename(file)} line ${i + 1}: expected a JSON object like {"text": "...", "label": 1}.`,
      );
    }
    rows.push(value as RawRow);
  }
  return rows;
}

function parseCsvText(text: string, file: string): RawRow[] {
  try {
    return parseCsv(text, {
      columns: true,
      skip_empty_lines: true,
      bom: true,
      relax_column_count: false,
      delimiter: file.toLowerCase().endsWith('.tsv') ? '\t' : ',',
    }) as RawRow[];
  } catch (err) {
    const e = err as Error & { lines?: number };
    const where = e.lines !== undefined ? ` line ${e.lines}` : '';
    throw new ProbescopeError('DATASET_INVALID', `${path.basename(file)}${where}: invalid CSV (${e.message}).`);
  }
}

async function parseParquet(abs: string): Promise<RawRow[]> {
  const buf = await fs.readFile(abs);
  const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  try {
    return (await parquetReadObjects({ file })) as RawRow[];
  } catch (err) {
    throw new ProbescopeError(
      'DATASET_INVALID',
      `${path.basename(abs)}: cannot read Parquet (${(err as Error).message}).`,
    );
  }
}

function kindOf(v: unknown): DatasetColumnInfo['kind'] | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number' || typeof v === 'bigint') return 'number';
  if (typeof v === 'boolean') return 'boolean';
  return 'other';
}

/** Column names in first-seen order; kind from the first non-null values (mixed kinds → 'other'). */
function columnsOf(rows: RawRow[]): DatasetColumnInfo[] {
  const kinds = new Map<string, DatasetColumnInfo['kind'] | undefined>();
  const sample = rows.length > 2000 ? rows.slice(0, 2000) : rows;
  for (const row of sample) {
    for (const [k, v] of Object.entries(row)) {
      const kind = kindOf(v);
      if (!kinds.has(k)) kinds.set(k, kind);
      else if (kind !== undefined) {
        const prev = kinds.get(k);
        if (prev === undefined) kinds.set(k, kind);
        else if (prev !== kind) kinds.set(k, 'other');
      }
    }
  }
  return [...kinds].map(([name, kind]) => ({ name, kind: kind ?? 'other' }));
}
