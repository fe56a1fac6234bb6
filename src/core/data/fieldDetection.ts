/**
 * Which columns hold the text and the label. Given names must exist; otherwise the first column (in the order of
 * TEXT_NAMES / LABEL_NAMES, names compared case-insensitively and without surrounding spaces) that is not constant: a column with one value in every
 * row (the `prompt` of a prompt/completion file) cannot be what a probe reads or predicts. When several columns
 * qualified, or a constant one was passed over, a note says which were chosen.
 */
import * as path from 'node:path';
import type { DatasetWarning } from '../../protocol/types';
import { ProbescopeError } from '../errors';
import { booleanSpelling, canonicalDecimal, cellText, isMissing } from './cellValues';
import { nestedRoot, type RawTable } from './columnTable';

export const TEXT_NAMES = [
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
  'completion',
  'response',
];
export const LABEL_NAMES = ['label', 'labels', 'class', 'target', 'category', 'y', 'answer', 'output', 'sentiment'];

export interface FieldChoice {
  textField: string;
  labelField: string;
  /** Set when a choice was not obvious (several candidates, or a constant column passed over). */
  note?: DatasetWarning;
}

/** True when the column has two or more present values and they all spell the same. */
export function isConstantColumn(table: RawTable, name: string): boolean {
  if (table.rowCount < 2) return false;
  const values = table.column(name);
  let first: string | undefined;
  let present = 0;
  for (let i = 0; i < table.rowCount; i++) {
    const v = values[i];
    if (isMissing(v)) continue;
    const s = cellText(v) ?? JSON.stringify(v);
    present++;
    if (first === undefined) first = s;
    else if (s !== first) return false;
  }
  return present >= 2;
}

/**
 * The field a given name (--text-field / --label-field) stands for among the column `names`: the name itself; the one
 * header that is the name with spaces around it (`text , label`, hand-edited or Excel); a dotted path into an object
 * or list column (`meta.label`: columnTable.nestedColumn). Undefined when it is none of these.
 */
export function givenField(names: readonly string[], given: string): string | undefined {
  if (names.includes(given)) return given;
  const spaced = names.filter((n) => n.trim() === given.trim());
  if (spaced.length === 1) return spaced[0];
  return nestedRoot(names, given) === undefined ? undefined : given;
}

/**
 * The text column alone, for reads that need no label (`activations --data` on unlabelled texts): `given` resolved by
 * givenField, else the first non-constant TEXT_NAMES column, as detectFields picks it. DATASET_INVALID as there.
 */
export function detectTextField(table: RawTable, given?: string): string {
  return fieldPicker(table).pick(given, TEXT_NAMES, 'text');
}

export function detectFields(table: RawTable, opts: { textField?: string; labelField?: string } = {}): FieldChoice {
  const { pick, constant, alsoQualified } = fieldPicker(table);
  const textField = pick(opts.textField, TEXT_NAMES, 'text');
  const labelField = pick(opts.labelField, LABEL_NAMES, 'label', textField);
  if (textField === labelField)
    throw new ProbescopeError(
      'DATASET_INVALID',
      `${path.basename(table.path)}: text and label field are both "${textField}".`,
    );
  let note: DatasetWarning | undefined;
  if (constant.length > 0 || alsoQualified.length > 0) {
    const parts = [`Columns chosen: text "${textField}", label "${labelField}"`];
    if (constant.length > 0)
      parts.push(`passed over ${constant.map((c) => `"${c}"`).join(', ')} (the same value in every row)`);
    if (alsoQualified.length > 0) parts.push(`other candidates: ${alsoQualified.join(', ')}`);
    note = { kind: 'columns', message: `${parts.join('; ')}. Pass --text-field / --label-field to choose others.` };
  }
  return { textField, labelField, note };
}

/** detectFields' column choice for one role at a time, collecting the constant and other qualifying columns seen. */
function fieldPicker(table: RawTable) {
  const names = table.columns.map((c) => c.name);
  const file = path.basename(table.path);
  const constant: string[] = [];
  const alsoQualified: string[] = [];
  const pick = (given: string | undefined, candidates: string[], what: string, exclude?: string): string => {
    if (given !== undefined) {
      const field = givenField(names, given);
      if (field === undefined)
        throw new ProbescopeError(
          'DATASET_INVALID',
          `${file}: no ${what} field "${given}". Columns: ${names.join(', ')}.${oneColumnHint(names)}`,
        );
      return field;
    }
    const found: string[] = [];
    for (const cand of candidates) {
      for (const n of names) {
        if (n.trim().toLowerCase() !== cand || n === exclude || found.includes(n)) continue;
        if (isConstantColumn(table, n)) {
          if (!constant.includes(n)) constant.push(n);
        } else found.push(n);
      }
    }
    // A constant label column is still the label: training then refuses it as one class, loudly.
    if (found.length === 0 && what === 'label' && constant.length > 0) {
      const c = names.find((n) => constant.includes(n) && n !== exclude && candidates.includes(n.trim().toLowerCase()));
      if (c) return c;
    }
    if (found.length === 0) {
      const why = constant.length > 0 ? `; ${constant.map((c) => `"${c}"`).join(', ')} has one value in every row` : '';
      throw new ProbescopeError(
        'DATASET_INVALID',
        `${file}: cannot tell which column is the ${what} (columns: ${names.join(', ')}${why}). Pass --${what}-field NAME.${(what === 'text' && chatHint(names)) || nestedHint(table, what)}${oneColumnHint(names) || headerlessHint(names)}`,
      );
    }
    alsoQualified.push(...found.slice(1).map((n) => `"${n}"`));
    return found[0];
  };
  return { pick, constant, alsoQualified };
}

/** A header read as one column that holds a delimiter: the file's dialect was not the one used. */
function oneColumnHint(names: readonly string[]): string {
  if (names.length !== 1) return '';
  const d = [',', ';', '\t', '|'].find((c) => names[0].includes(c));
  if (d === undefined)
    return ` The file has one column, headed "${names[0].length > 60 ? `${names[0].slice(0, 60)}…` : names[0]}": a dataset needs a header line naming a text column and a label column (e.g. text,label), then one row per example.`;
  const shown = d === '\t' ? 'tab' : `"${d}"`;
  return ` The header was read as one column holding ${shown}: pass --delimiter ${d === '\t' ? 'tab' : d} (or drop a --delimiter that does not fit this file).`;
}

/** The column names `--chat messages` looks for (chatDataset.ts); a file with one of them holds conversations. */
const CHAT_COLUMNS = ['messages', 'conversation', 'conversations', 'chat'];

/** When no text column is found but a chat-messages column is: how to train on it. */
function chatHint(names: readonly string[]): string {
  const chat = names.find((n) => CHAT_COLUMNS.includes(n));
  return chat === undefined
    ? ''
    : ` "${chat}" looks like chat messages: to train on the conversations pass --chat messages (train/eval render them with the model's chat template).`;
}

/** Columns of objects or lists: a field inside one is named with a dot (columnTable.nestedColumn). */
function nestedHint(table: RawTable, what: string): string {
  const nested = table.columns.filter((c) => c.kind === 'other').map((c) => c.name);
  return nested.length === 0
    ? ''
    : ` ${nested.map((n) => `"${n}"`).join(', ')} ${nested.length > 1 ? 'hold' : 'holds'} objects or lists: name a field inside with a dot (--${what}-field ${nested[0]}.NAME).`;
}

/**
 * A header whose names look like data (a number, a boolean, or a sentence: the file was written without a header,
 * e.g. pandas `to_csv(header=False)`): says to add one.
 */
function headerlessHint(names: readonly string[]): string {
  const dataLike = names.filter(
    (n) => canonicalDecimal(n) !== undefined || booleanSpelling(n) !== undefined || n.trim().split(/\s+/).length >= 4,
  );
  if (dataLike.length === 0) return '';
  return ` The first line (${names
    .slice(0, 3)
    .map((n) => `"${n.length > 40 ? `${n.slice(0, 40)}…` : n}"`)
    .join(
      ', ',
    )}) looks like data, not column names: add a header line such as text,label (pandas: to_csv(..., header=True)).`;
}
