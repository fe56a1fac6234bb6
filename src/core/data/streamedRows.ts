/**
 * The dataset panel's pages of a large file without holding the table: each page reads the file (records.scanTable,
 * one batch of rows at a time) from the nearest checkpoint of a sparse row index and stops once the page is complete.
 * What is remembered per file + read options + columns is small: the row count, the label spelling of each distinct
 * raw label (at most MAX_DISTINCT_LABELS; the column rule of labelColumn.ts, leniently), the sparse row index (for
 * CSV/TSV, JSON Lines and JSON arrays: where every CHECKPOINT_ROWS-th row starts in the file's UTF-8 text, recorded
 * during the first pass: ≈ 24 bytes per 2,048 rows; Parquet skips whole row groups by its metadata instead, and a
 * folder of Parquet shards skips whole shards by their footers' row counts, then row groups: shardFolder.ts), and for
 * the last search the matching row indices (4 bytes a hit). Memory therefore does not grow with the file's bytes, and
 * a page far into the file reads at most CHECKPOINT_ROWS rows before its own (a UTF-8 file is read from the
 * checkpoint's byte; a file in another encoding is decoded from its start but not parsed before the checkpoint).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { DatasetRow, DatasetRowsParams, DatasetRowsResult } from '../../protocol/types';
import { ProbescopeError } from '../errors';
import { cellDisplay } from './cellValues';
import { normaliseLabelColumn } from './labelColumn';
import { nestedRoot } from './columnTable';
import { datasetStamp, formatOf, scanTable, type DatasetReadOptions, type RowBatch } from './records';
import type { RowCheckpoint, TableSink } from './columnTable';

/** Above this many distinct raw labels, pages spell labels by their own rows (the column rule needs them all). */
export const MAX_DISTINCT_LABELS = 10_000;
const BATCH_ROWS = 2048;
/** Rows between two checkpoints of the sparse row index (tests lower it); `enabled: false` reads every page from the start (the bench's baseline). */
export const rowIndexConfig = { checkpointRows: 2048, enabled: true };

interface FileMemo {
  total: number;
  columns: string[];
  /** Checkpoint j: where row j·every starts (text formats); empty for Parquet and folders. */
  checkpoints: RowCheckpoint[];
  every: number;
  /** Parquet: a file (row groups are skipped by row) or a folder of shards (shards, then row groups, skipped by row). */
  parquet: boolean;
  /** labelKey → label as the whole column's rule spells it; undefined when there were too many distinct labels. */
  spelling?: Map<string, string>;
  search?: { needle: string; hits: Uint32Array; count: number };
}

const memos = new Map<string, FileMemo>();

function labelKey(v: unknown): string {
  if (typeof v === 'string') return 's' + v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return typeof v + String(v);
  if (v === null || v === undefined) return 'z';
  try {
    return 'j' + JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));
  } catch {
    return 'x' + String(v);
  }
}

function readOptions(p: DatasetRowsParams): DatasetReadOptions {
  return { encoding: p.encoding, delimiter: p.delimiter, quote: p.quote };
}

/** One full pass: row count, column names and the column-wide label spelling. */
async function describe(params: DatasetRowsParams): Promise<FileMemo> {
  const distinct = new Map<string, unknown>();
  let tooMany = false;
  const checkpoints: RowCheckpoint[] = [];
  const every = rowIndexConfig.checkpointRows;
  const r = await scanTable(params.path, readOptions(params), {
    batchRows: BATCH_ROWS,
    checkpointEvery: every,
    onCheckpoint: (c) => {
      // In row order, one per multiple of `every` (a reader that re-reads as a document starts over).
      if (c.row === checkpoints.length * every) checkpoints.push(c);
    },
    onBatch: (b) => {
      if (tooMany) return;
      const lv = b.column(params.labelField);
      for (let i = 0; i < b.rowCount; i++) {
        const k = labelKey(lv[i]);
        if (!distinct.has(k)) distinct.set(k, lv[i]);
      }
      if (distinct.size > MAX_DISTINCT_LABELS) tooMany = true;
    },
  });
  if (r.stopped) throw new Error('unreachable: describe never stops early');
  const stat = await fs.stat(params.path);
  const memo: FileMemo = {
    total: r.table.rowCount,
    columns: r.table.columns.map((c) => c.name),
    checkpoints,
    every,
    parquet: stat.isDirectory() || formatOf(params.path) === 'parquet',
  };
  if (!tooMany) {
    const values = [...distinct.values()];
    const { labels } = normaliseLabelColumn(values, { file: '', field: '', where: () => '', lenient: true });
    memo.spelling = new Map([...distinct.keys()].map((k, i) => [k, labels[i] ?? '']));
  }
  return memo;
}

/** Row i of a batch as the panel shows it (texts as spelled, labels by the column rule). */
function rowOf(b: RowBatch, i: number, params: DatasetRowsParams, memo: FileMemo): DatasetRow {
  const v = b.column(params.labelField)[i];
  let label = memo.spelling?.get(labelKey(v));
  if (label === undefined)
    label = normaliseLabelColumn([v], { file: '', field: '', where: () => '', lenient: true }).labels[0] ?? '';
  return { index: b.start + i, text: cellDisplay(b.column(params.textField)[i]), label };
}

/** Where a read that needs rows from `row` on starts: the last checkpoint at or before it (none: the file's start). */
function resumeAt(m: FileMemo, row: number): Pick<TableSink, 'resume'> {
  if (!rowIndexConfig.enabled) return {};
  if (m.parquet) return row > 0 ? { resume: { row, offset: 0 } } : {};
  const j = Math.min(Math.floor(row / m.every), m.checkpoints.length - 1);
  return j > 0 ? { resume: m.checkpoints[j] } : {};
}

/** Rows [offset, offset+limit) (of the search hits when `search` is set), streaming the file (see file comment). */
export async function streamedRows(params: DatasetRowsParams): Promise<DatasetRowsResult> {
  const abs = path.resolve(params.path);
  const key = [
    abs,
    await datasetStamp(abs),
    params.encoding,
    params.delimiter,
    params.quote,
    params.textField,
    params.labelField,
  ].join('\u0000');
  let memo = memos.get(key);
  if (!memo) {
    memo = await describe(params);
    memos.clear(); // one large file at a time
    memos.set(key, memo);
  }
  for (const f of [params.textField, params.labelField])
    if (!memo.columns.includes(f) && nestedRoot(memo.columns, f) === undefined)
      throw new ProbescopeError('DATASET_INVALID', `No column "${f}" in ${abs}. Columns: ${memo.columns.join(', ')}.`);
  const m = memo;
  const needle = (params.search ?? '').trim().toLowerCase();
  const end = params.offset + params.limit;
  const rows: DatasetRow[] = [];
  if (needle === '') {
    if (params.limit > 0 && params.offset < m.total)
      await scanTable(abs, readOptions(params), {
        batchRows: BATCH_ROWS,
        ...resumeAt(m, params.offset),
        onBatch: (b) => {
          for (let i = Math.max(0, params.offset - b.start); i < b.rowCount && b.start + i < end; i++)
            rows.push(rowOf(b, i, params, m));
          return b.start + b.rowCount < end;
        },
      });
    return { rows, total: m.total };
  }
  if (m.search?.needle !== needle) {
    // A full pass: the hits' row indices, and this page's rows on the way.
    const search = { needle, hits: new Uint32Array(1024), count: 0 };
    await scanTable(abs, readOptions(params), {
      batchRows: BATCH_ROWS,
      onBatch: (b) => {
        for (let i = 0; i < b.rowCount; i++) {
          const row = rowOf(b, i, params, m);
          if (!row.text.toLowerCase().includes(needle) && row.label.toLowerCase() !== needle) continue;
          if (search.count === search.hits.length) {
            const grown = new Uint32Array(search.hits.length * 2);
            grown.set(search.hits);
            search.hits = grown;
          }
          if (search.count >= params.offset && search.count < end) rows.push(row);
          search.hits[search.count++] = row.index;
        }
      },
    });
    m.search = search;
    return { rows, total: search.count };
  }
  const { hits, count } = m.search;
  const wanted = new Set(hits.subarray(Math.min(params.offset, count), Math.min(end, count)));
  const last = Math.max(-1, ...wanted);
  if (wanted.size > 0)
    await scanTable(abs, readOptions(params), {
      batchRows: BATCH_ROWS,
      ...resumeAt(m, Math.min(...wanted)),
      onBatch: (b) => {
        for (let i = 0; i < b.rowCount; i++) if (wanted.has(b.start + i)) rows.push(rowOf(b, i, params, m));
        return b.start + b.rowCount <= last;
      },
    });
  return { rows, total: count };
}
