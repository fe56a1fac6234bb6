/**
 * readDataset: a table plus the chosen text and label fields, as the examples every consumer (train, eval, layer sweep,
 * the dataset panel) sees. One rule for every format (docs/CONTRACTS.md, "Dataset rules"):
 * - a row whose text is missing, empty or whitespace-only, or whose label is missing (see cellValues.MISSING_SPELLINGS),
 *   is skipped; a warning counts the skipped rows and names the first ones;
 * - labels are normalised per column (labelColumn.ts): exact numbers, booleans, one-item lists unwrapped (noted);
 * - texts keep their literal spelling (JSON numbers as written);
 * - duplicate texts are counted (splits keep them together: groupedSplit.ts).
 */
import * as path from 'node:path';
import type { DatasetColumnInfo, DatasetWarning } from '../../protocol/types';
import { ProbescopeError } from '../errors';
import { cellText } from './cellValues';
import { singletonLabelWarning } from './classBalance';
import { detectFields, givenField, LABEL_NAMES, TEXT_NAMES } from './fieldDetection';
import { normaliseLabelColumn } from './labelColumn';
import {
  datasetBytes,
  loadTable,
  type DatasetFormat,
  type DatasetReadOptions,
  type RawRow,
  type RawTable,
} from './records';

export { detectFields } from './fieldDetection';

export interface Dataset {
  path: string;
  format: DatasetFormat;
  textField: string;
  labelField: string;
  /** Kept examples (rows with a text and a label), in file order. */
  texts: string[];
  labels: string[];
  /** 0-based table row of each kept example. */
  sourceRows: number[];
  columns: DatasetColumnInfo[];
  /** Rows in the file, kept or not. */
  rowCount: number;
  skipped: { emptyText: number; missingLabel: number };
  /** Kept rows whose text appeared in an earlier kept row. */
  duplicates: number;
  /** Everything the reader and the rules noticed, for CLI stderr, the worker log and the dataset panel. */
  warnings: DatasetWarning[];
  /** With `splitField`: that column's raw value per row (aligned with texts/labels). */
  splits?: unknown[];
}

export interface ReadDatasetOptions extends DatasetReadOptions {
  textField?: string;
  labelField?: string;
  /** Also return this column's values (a given train/test/validation split); it must exist. */
  splitField?: string;
}

const isChatMessage = (m: unknown): boolean =>
  m !== null && typeof m === 'object' && typeof (m as { role?: unknown }).role === 'string' && 'content' in m;

/**
 * DATASET_INVALID for a text cell that is a list or an object. A list of chat messages (`[{role, content}, …]`) says
 * how to train on it (`--chat messages`, which renders it with the model's chat template).
 */
export function notTextError(file: string, where: string, field: string, v: unknown): ProbescopeError {
  if (Array.isArray(v) && v.length > 0 && v.every(isChatMessage))
    return new ProbescopeError(
      'DATASET_INVALID',
      `${file} ${where}: "${field}" holds chat messages (a list of {role, content}), not text. To train on the conversations pass --chat messages --text-field ${field} (train/eval render them with the model's chat template); for a plain text column pass --text-field NAME.`,
    );
  return new ProbescopeError(
    'DATASET_INVALID',
    `${file} ${where}: "${field}" is ${Array.isArray(v) ? 'a list' : 'an object'}, not text. Pass --text-field NAME for the text column.`,
  );
}

/** Natural order: numeric labels by value ("2" < "10"), otherwise locale-aware with numeric collation. */
export function compareLabels(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (a.trim() !== '' && b.trim() !== '' && Number.isFinite(na) && Number.isFinite(nb))
    return na - nb || (a < b ? -1 : a > b ? 1 : 0);
  return a.localeCompare(b, 'en', { numeric: true });
}

export function sortedClasses(labels: Iterable<string>): string[] {
  return [...new Set(labels)].sort(compareLabels);
}

/** One label value → string, outside a column (column-level rules: normaliseLabelColumn). Missing → undefined. */
export function labelToString(v: unknown): string | undefined {
  const { labels } = normaliseLabelColumn([v], { file: '', field: '', where: () => '', lenient: true });
  return labels[0];
}

/** A cell as text with its literal spelling; undefined when missing or not a scalar. */
export function textOf(row: RawRow, field: string): string | undefined {
  return cellText(row[field]);
}

function rowsList(table: RawTable, rows: number[]): string {
  const shown = rows.slice(0, 5).map((i) => table.where(i));
  return shown.join(', ') + (rows.length > 5 ? `, … (${rows.length} in all)` : '');
}

/** The warning for kept rows whose text repeats an earlier row's (the same words for a loaded table and a scan). */
export function duplicatesWarning(duplicates: number): DatasetWarning {
  return {
    kind: 'duplicates',
    message: `${duplicates} duplicate text(s) (the same text as an earlier row); a random split keeps identical texts on one side (train/test, validation, CV folds); a given split is checked for texts it shares with its training rows.`,
  };
}

/** A label in quotes, with combining marks and invisible spaces as \\uXXXX so that look-alikes can be told apart. */
function showLabel(l: string): string {
  const shown = l.replace(
    /[\p{M}\u00a0\u2000-\u200f\u2028\u2029\u202f\ufeff]/gu,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `"${shown}"`;
}

/** The warning for a label column whose distinct labels look alike (labelColumn.sameValue: `1`/`1.0`, `pos`/`Pos`). */
export function labelSpellingsWarning(labelField: string, sameValue: string[][]): DatasetWarning {
  return {
    kind: 'label-spellings',
    message:
      `"${labelField}" has labels that look alike but are different classes: ` +
      `${sameValue
        .slice(0, 3)
        .map((g) => g.map(showLabel).join(' and '))
        .join(
          '; ',
        )}${sameValue.length > 3 ? `; … (${sameValue.length} groups)` : ''}. Labels are compared as written ` +
      `(trimmed) unless the whole column is numbers or booleans; re-save the column with one spelling per class if they are the same.`,
  };
}

function classCounts(labels: readonly string[]): Iterable<number> {
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  return counts.values();
}

/** No row has both a text and a label: says how many lack which, so a wrong or empty column is obvious. */
export function noUsableRowsError(
  file: string,
  textField: string,
  labelField: string,
  noText: number,
  noLabel: number,
): ProbescopeError {
  return new ProbescopeError(
    'DATASET_INVALID',
    `${file}: no usable rows: every row lacks a text ("${textField}") or a label ("${labelField}") ` +
      `(${noText} without a text, ${noLabel} without a label${noLabel > 0 && noText === 0 ? `: is "${labelField}" the label column?` : ''}).`,
  );
}

/** The examples of a loaded table under the dataset rules (see the file comment). */
export function datasetFromTable(table: RawTable, opts: ReadDatasetOptions = {}): Dataset {
  const fields = detectFields(table, opts);
  const { textField, labelField } = fields;
  const name = path.basename(table.path);
  const warnings: DatasetWarning[] = [...table.notes];
  if (fields.note) warnings.push(fields.note);
  const splitField = opts.splitField;
  // Named as the text and label fields are (givenField: a header with spaces around it, a dotted `meta.split`).
  const splitColumn =
    splitField === undefined
      ? undefined
      : givenField(
          table.columns.map((c) => c.name),
          splitField,
        );
  if (splitField !== undefined && splitColumn === undefined)
    throw new ProbescopeError(
      'DATASET_INVALID',
      `${name}: no split field "${splitField}". Columns: ${table.columns.map((c) => c.name).join(', ')}.`,
    );
  const splitValues = splitColumn !== undefined ? table.column(splitColumn) : undefined;
  const splits: unknown[] = [];
  const textValues = table.column(textField);
  const labelCol = normaliseLabelColumn(table.column(labelField), {
    file: name,
    field: labelField,
    where: (i) => table.where(i),
  });
  const texts: string[] = [];
  const labels: string[] = [];
  const sourceRows: number[] = [];
  const noText: number[] = [];
  const noLabel: number[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  for (let i = 0; i < table.rowCount; i++) {
    const v = textValues[i];
    const text = cellText(v);
    if (text === undefined && v !== null && v !== undefined && !(typeof v === 'number' && Number.isNaN(v)))
      throw notTextError(name, table.where(i), textField, v);
    if (text === undefined || text.trim() === '') {
      noText.push(i);
      continue;
    }
    const label = labelCol.labels[i];
    if (label === undefined) {
      noLabel.push(i);
      continue;
    }
    if (seen.has(text)) duplicates++;
    else seen.add(text);
    texts.push(text);
    labels.push(label);
    sourceRows.push(i);
    if (splitValues) splits.push(splitValues[i]);
  }
  if (noText.length > 0)
    warnings.push({
      kind: 'empty-text',
      message: `Skipped ${noText.length} row(s) whose "${textField}" is empty or whitespace-only: ${rowsList(table, noText)}.`,
    });
  if (noLabel.length > 0)
    warnings.push({
      kind: 'missing-label',
      message: `Skipped ${noLabel.length} row(s) with no "${labelField}" (empty, NaN, None, null, NA, …): ${rowsList(table, noLabel)}.`,
    });
  if (labelCol.unwrapped > 0)
    warnings.push({
      kind: 'list-label',
      message: `"${labelField}" holds one-item lists; ${labelCol.unwrapped} were unwrapped to their item.`,
    });
  if (labelCol.sameValue.length > 0) warnings.push(labelSpellingsWarning(labelField, labelCol.sameValue));
  if (duplicates > 0) warnings.push(duplicatesWarning(duplicates));
  const idLike = singletonLabelWarning(labelField, classCounts(labels), texts.length);
  if (idLike) warnings.push(idLike);
  if (texts.length === 0) throw noUsableRowsError(name, textField, labelField, noText.length, noLabel.length);
  return {
    path: table.path,
    format: table.format,
    textField,
    labelField,
    texts,
    labels,
    sourceRows,
    columns: table.columns,
    rowCount: table.rowCount,
    skipped: { emptyText: noText.length, missingLabel: noLabel.length },
    duplicates,
    warnings,
    ...(splitValues ? { splits } : {}),
  };
}

/** Files larger than `memoMaxBytes` are read without memoising the table, storing only the columns training can use (tests lower it). */
export const readDatasetConfig = { memoMaxBytes: 64 * 2 ** 20 };

/**
 * The columns readDataset can use: the given text/label/split fields (for a dotted `meta.label`, its root), and (for
 * what is not given) every column named
 * like a text or a label (fieldDetection's candidates), so the automatic choice is the same as on the whole table.
 */
export function usableColumns(opts: ReadDatasetOptions): (name: string) => boolean {
  const given = new Set([opts.textField, opts.labelField, opts.splitField].filter((f) => f !== undefined));
  const auto = opts.textField === undefined || opts.labelField === undefined;
  const names = new Set([...TEXT_NAMES, ...LABEL_NAMES]);
  // A dotted field (`meta.label`) needs its root column (`meta`) stored.
  const roots = [...given].filter((g) => g.includes('.'));
  const givenTrimmed = new Set([...given].map((g) => g.trim()));
  return (name) =>
    given.has(name) ||
    (auto && names.has(name.trim().toLowerCase())) ||
    givenTrimmed.has(name.trim()) ||
    roots.some((g) => g.startsWith(`${name}.`));
}

/**
 * The dataset's examples under the dataset rules. A file over readDatasetConfig.memoMaxBytes is read once, not memoised, with
 * only usableColumns stored: memory is then the kept texts and labels (what training holds), not the whole table.
 */
export async function readDataset(file: string, opts: ReadDatasetOptions = {}): Promise<Dataset> {
  const big = (await datasetBytes(file)) > readDatasetConfig.memoMaxBytes;
  return datasetFromTable(await loadTable(file, opts, big ? usableColumns(opts) : undefined), opts);
}
