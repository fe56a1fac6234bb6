/**
 * Paging and search over a dataset for the dataset panel. A file up to `datasetRowsConfig.memoMaxBytes` is parsed
 * once and memoised (pages are cheap); a larger one is streamed for each page (streamedRows.ts), so the panel never
 * holds a large table.
 */
import type { DatasetRow, DatasetRowsParams, DatasetRowsResult } from '../../protocol/types';
import { ProbescopeError } from '../errors';
import { cellDisplay } from './cellValues';
import { nestedRoot } from './columnTable';
import { normaliseLabelColumn } from './labelColumn';
import { datasetBytes, loadTable, type RawTable } from './records';
import { streamedRows } from './streamedRows';

/** Files larger than this are paged by streaming (tests lower it). */
export const datasetRowsConfig = { memoMaxBytes: 64 * 2 ** 20 };

interface Columnar {
  table: RawTable;
  texts: string[];
  labels: string[];
  lower?: string[];
  lastSearch?: { needle: string; hits: number[] };
}

const views = new WeakMap<RawTable, Map<string, Columnar>>();

function columnar(table: RawTable, textField: string, labelField: string): Columnar {
  let byFields = views.get(table);
  if (!byFields) views.set(table, (byFields = new Map()));
  const key = `${textField}\u0000${labelField}`;
  let view = byFields.get(key);
  if (!view) {
    view = {
      table,
      texts: Array.from(table.column(textField), cellDisplay),
      // The same label rule as training, leniently (a page never fails on a multi-label row).
      labels: Array.from(
        normaliseLabelColumn(table.column(labelField), {
          file: table.path,
          field: labelField,
          where: (i) => table.where(i),
          lenient: true,
        }).labels,
        (l) => l ?? '', // a sparse array: Array.from visits the holes (missing labels), .map would not
      ),
    };
    byFields.set(key, view);
  }
  return view;
}

/** Rows [offset, offset+limit) of the rows whose text or label contains `search` (case-insensitive). */
export async function datasetRows(params: DatasetRowsParams): Promise<DatasetRowsResult> {
  if (!(params.offset >= 0) || !(params.limit >= 0)) {
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      `offset and limit must be non-negative (got ${params.offset}, ${params.limit}).`,
    );
  }
  if ((await datasetBytes(params.path)) > datasetRowsConfig.memoMaxBytes) return streamedRows(params);
  const table = await loadTable(params.path, {
    encoding: params.encoding,
    delimiter: params.delimiter,
    quote: params.quote,
  });
  const names = new Set(table.columns.map((c) => c.name));
  for (const f of [params.textField, params.labelField]) {
    if (!names.has(f) && nestedRoot(names, f) === undefined)
      throw new ProbescopeError(
        'DATASET_INVALID',
        `No column "${f}" in ${table.path}. Columns: ${[...names].join(', ')}.`,
      );
  }
  const view = columnar(table, params.textField, params.labelField);
  const needle = (params.search ?? '').trim().toLowerCase();
  const row = (i: number): DatasetRow => ({ index: i, text: view.texts[i], label: view.labels[i] });
  if (needle === '') {
    const end = Math.min(table.rowCount, params.offset + params.limit);
    const rows: DatasetRow[] = [];
    for (let i = params.offset; i < end; i++) rows.push(row(i));
    return { rows, total: table.rowCount };
  }
  if (view.lastSearch?.needle !== needle) {
    view.lower ??= view.texts.map((t) => t.toLowerCase());
    const hits: number[] = [];
    for (let i = 0; i < view.lower.length; i++) {
      if (view.lower[i].includes(needle) || view.labels[i].toLowerCase() === needle) hits.push(i);
    }
    view.lastSearch = { needle, hits };
  }
  const hits = view.lastSearch.hits;
  return { rows: hits.slice(params.offset, params.offset + params.limit).map(row), total: hits.length };
}
