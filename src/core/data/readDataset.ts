/**
 * readDataset: a table plus the chosen text and label fields, with labels normalised to strings.
 * Fields are auto-detected from common names when not given.
 */
import * as path from 'node:path';
import { ProbescopeError } from '../errors';
import type { DatasetColumnInfo } from '../../protocol/types';
import { loadTable, type DatasetFormat, type RawRow, type RawTable } from './records';

export interface Dataset {
  path: string;
  format: DatasetFormat;
  textField: string;
  labelField: string;
  texts: string[];
  labels: string[];
  columns: DatasetColumnInfo[];
  /** With `splitField`: that column's raw value per row (aligned with texts/labels). */
  splits?: unknown[];
}

export interface ReadDatasetOptions {
  textField?: string;
  labelField?: string;
  /** Also return this column's values (a given train/test/validation split); it must exist. */
  splitField?: string;
}

const TEXT_NAMES = [
  'text',
  'sentence',
  'content',
  'prompt',
  'input',
  'document',
  'question',
  'review',
  'body',
  'message',
  'statement',
];
const LABEL_NAMES = ['label', 'labels', 'class', 'target', 'category', 'y', 'answer', 'output', 'sentiment'];

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

/** Picks the text and label fields: explicit names must exist; otherwise the first common name (case-insensitive). */
export function detectFields(
  table: RawTable,
  opts: ReadDatasetOptions = {},
): { textField: string; labelField: string } {
  const names = table.columns.map((c) => c.name);
  const file = path.basename(table.path);
  const pick = (given: string | undefined, candidates: string[], what: string, exclude?: string): string => {
    if (given !== undefined) {
      if (!names.includes(given)) {
        throw new ProbescopeError(
          'DATASET_INVALID',
          `${file}: no ${what} field "${given}". Columns: ${names.join(', ')}.`,
        );
      }
      return given;
    }
    for (const cand of candidates) {
      const found = names.find((n) => n.toLowerCase() === cand && n !== exclude);
      if (found) return found;
    }
    throw new ProbescopeError(
      'DATASET_INVALID',
      `${file}: cannot tell which column is the ${what} (columns: ${names.join(', ')}). Pass --${what}-field NAME.`,
    );
  };
  const textField = pick(opts.textField, TEXT_NAMES, 'text');
  const labelField = pick(opts.labelField, LABEL_NAMES, 'label', textField);
  if (textField === labelField) {
    throw new ProbescopeError('DATASET_INVALID', `${file}: text and label field are both "${textField}".`);
  }
  return { textField, labelField };
}

/** Label value → string; numbers print canonically (1.0 → "1"), booleans as "true"/"false". */
export function labelToString(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return v.trim() === '' ? undefined : v.trim();
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : undefined;
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return undefined;
}

function rowWhere(format: DatasetFormat, i: number): string {
  // JSONL rows skip blank lines, so the row index is the honest locator; CSV rows start after the header.
  return format === 'csv' ? `row ${i + 1} (line ${i + 2})` : `row ${i + 1}`;
}

export function textOf(row: RawRow, field: string): string | undefined {
  const v = row[field];
  if (v === null || v === undefined) return undefined;
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

export async function readDataset(file: string, opts: ReadDatasetOptions = {}): Promise<Dataset> {
  const table = await loadTable(file);
  const { textField, labelField } = detectFields(table, opts);
  const texts: string[] = [];
  const labels: string[] = [];
  const name = path.basename(table.path);
  const splitField = opts.splitField;
  if (splitField !== undefined && !table.columns.some((c) => c.name === splitField))
    throw new ProbescopeError(
      'DATASET_INVALID',
      `${name}: no split field "${splitField}". Columns: ${table.columns.map((c) => c.name).join(', ')}.`,
    );
  const splits: unknown[] = [];
  table.rows.forEach((row, i) => {
    const text = textOf(row, textField);
    if (text === undefined) {
      throw new ProbescopeError(
        'DATASET_INVALID',
        `${name} ${rowWhere(table.format, i)}: "${textField}" is missing or not text.`,
      );
    }
    const label = labelToString(row[labelField]);
    if (label === undefined) {
      throw new ProbescopeError(
        'DATASET_INVALID',
        `${name} ${rowWhere(table.format, i)}: "${labelField}" is missing or empty; every row needs a label.`,
      );
    }
    texts.push(text);
    labels.push(label);
    if (splitField !== undefined) splits.push(row[splitField]);
  });
  return {
    path: table.path,
    format: table.format,
    textField,
    labelField,
    texts,
    labels,
    columns: table.columns,
    ...(splitField !== undefined ? { splits } : {}),
  };
}
