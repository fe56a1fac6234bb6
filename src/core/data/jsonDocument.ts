/**
 * The rows of a `.json` file parsed whole as one object, in each shape pandas' `DataFrame.to_json` writes (and the
 * common `{"data": [...]}` wrapper):
 * - orient="columns" (pandas' default): `{"text": {"0": "a", "1": "b"}, "label": {"0": 1, "1": 0}}`;
 * - orient="index": `{"0": {"text": "a", "label": 1}, "1": {…}}` (told from "columns" by which level holds the column
 *   names: the one with a text/label-like name, else the one that is not all integers 0, 1, 2 …);
 * - orient="split": `{"columns": ["text", "label"], "index": [0, 1], "data": [["a", 1], ["b", 0]]}`;
 * - orient="table" and wrappers: one array of records under `data` (or `rows`, `records`, `examples`, `instances`,
 *   `items`, `samples`), beside metadata such as `schema` or `version`.
 * orient="values" (arrays without column names) is refused by the array reader (jsonArrayStream).
 */
import type { DatasetWarning } from '../../protocol/types';
import { LABEL_NAMES, TEXT_NAMES } from './fieldDetection';
import type { RawRow } from './columnTable';

export const RECORD_KEYS = ['data', 'rows', 'records', 'examples', 'instances', 'items', 'samples'];

const isRecord = (v: unknown): v is RawRow => v !== null && typeof v === 'object' && !Array.isArray(v);
const CANDIDATES = new Set([...TEXT_NAMES, ...LABEL_NAMES]);
const named = (keys: string[]) => keys.some((k) => CANDIDATES.has(k.toLowerCase()));
const integers = (keys: string[]) => keys.length > 0 && keys.every((k) => /^-?\d+$/.test(k));

export interface DocumentRows {
  /** Which shape: "columns", "index", "split" or the key that held the records ("data", …). */
  shape: string;
  rows: () => Iterable<RawRow>;
  note?: DatasetWarning;
}

/** The shape of `doc` and its rows, or undefined when it is none of the shapes above (a single record, say). */
export function documentRows(doc: unknown): DocumentRows | undefined {
  if (!isRecord(doc)) return undefined;
  const entries = Object.entries(doc);
  if (entries.length === 0) return undefined;
  if (entries.every(([, v]) => isRecord(v))) {
    const outer = entries.map(([k]) => k);
    const inner = Object.keys(entries[0][1] as RawRow);
    const byIndex = (named(inner) && !named(outer)) || (!named(outer) && integers(outer) && !integers(inner));
    if (byIndex)
      return {
        shape: 'index',
        rows: () => entries.map(([, v]) => v as RawRow),
        note: {
          kind: 'parse',
          message: 'Read as pandas orient="index" (one object per row; the index keys are not a column).',
        },
      };
    const cols = entries as [string, RawRow][];
    return {
      shape: 'columns',
      rows: function* () {
        for (const k of inner) yield Object.fromEntries(cols.map(([name, col]) => [name, col[k]]));
      },
    };
  }
  const { columns, data } = doc as { columns?: unknown; data?: unknown };
  if (
    Array.isArray(columns) &&
    columns.every((c) => typeof c === 'string' || typeof c === 'number') &&
    Array.isArray(data) &&
    data.every((r) => Array.isArray(r) && r.length === columns.length)
  ) {
    const names = columns.map(String);
    return {
      shape: 'split',
      rows: function* () {
        for (const r of data as unknown[][]) yield Object.fromEntries(names.map((n, j) => [n, r[j]]));
      },
      note: { kind: 'parse', message: 'Read as pandas orient="split" (column names in "columns", rows in "data").' },
    };
  }
  const holders = RECORD_KEYS.filter(
    (k) => Array.isArray(doc[k]) && (doc[k] as unknown[]).length > 0 && (doc[k] as unknown[]).every(isRecord),
  );
  if (holders.length === 1) {
    const key = holders[0];
    const others = entries.map(([k]) => k).filter((k) => k !== key);
    return {
      shape: key,
      rows: () => doc[key] as RawRow[],
      note: {
        kind: 'parse',
        message: `Read the records under "${key}"${others.length > 0 ? ` (${others.map((k) => `"${k}"`).join(', ')} beside it ${others.length > 1 ? 'are' : 'is'} not rows)` : ''}.`,
      },
    };
  }
  return undefined;
}
