/**
 * Label normalisation, one rule for every format, decided per column:
 * - missing (null, NaN, '', nan/NaN/None/null/NA/N/A…, an empty list) → undefined: the row is skipped;
 * - lists (JSON/Parquet arrays, or CSV cells that all spell list literals such as `['spam']`): one item is unwrapped
 *   (counted, so a note can say so); several items are refused (multi-label probes are not supported);
 * - a column whose present values are all numbers → exact decimal spelling (`0`, `0.0`, `00` → "0"; never rounded);
 * - a column whose present values are all booleans → "true"/"false" (`True`, `TRUE`, `true` alike);
 * - otherwise the trimmed text; labels there that spell one number or one boolean differently (`1` / `1.0`,
 *   `True` / `true`), or the same words in another case or Unicode form (`Pos` / `pos`), stay separate classes and
 *   are listed in `sameValue` so the caller can warn.
 */
import { ProbescopeError } from '../errors';
import { booleanSpelling, cellText, isMissing, numericSpelling, parseListLiteral } from './cellValues';

export interface LabelColumn {
  /** One per row; undefined = missing. */
  labels: (string | undefined)[];
  /** How the present values were read. */
  kind: 'number' | 'boolean' | 'string';
  /** Rows whose one-item list was unwrapped. */
  unwrapped: number;
  /** Text columns only: groups of distinct labels that look alike (`["1", "1.0"]`, `["pos", "Pos"]`): sameValueGroups. */
  sameValue: string[][];
}

export interface LabelColumnContext {
  file: string;
  field: string;
  /** "row 3 (line 4)" for row index i. */
  where(i: number): string;
  /** Lenient (the panel's row pages): multi-item lists become their JSON instead of an error. */
  lenient?: boolean;
  /** How many rows each value stands for (distinct values of a streamed column); `unwrapped` sums them. Default 1. */
  weights?: ArrayLike<number>;
}

function multiLabelError(ctx: LabelColumnContext, i: number, items: unknown[]): ProbescopeError {
  const shown = JSON.stringify(items.map((x) => cellText(x) ?? x)).slice(0, 80);
  return new ProbescopeError(
    'DATASET_INVALID',
    `${ctx.file} ${ctx.where(i)}: "${ctx.field}" holds a list of ${items.length} labels (${shown}); multi-label probes ` +
      `are not supported. Pick one label per row (--label-field ${ctx.field}.0 takes the first; pandas: df["label"] = df["${ctx.field}"].str[0]; jq: ` +
      `'.label = .${ctx.field}[0]'), or train one probe per label on a 0/1 column.`,
  );
}

/** Normalises a label column (see the file comment); throws DATASET_INVALID for multi-item lists and objects. */
export function normaliseLabelColumn(values: readonly unknown[], ctx: LabelColumnContext): LabelColumn {
  const n = values.length;
  let listStrings = false;
  let anyString = false;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v !== 'string' || isMissing(v)) continue;
    if (!anyString) listStrings = true;
    anyString = true;
    if (parseListLiteral(v) === undefined) {
      listStrings = false;
      break;
    }
  }
  const flat: unknown[] = new Array(n);
  let unwrapped = 0;
  for (let i = 0; i < n; i++) {
    let v = values[i];
    const items = Array.isArray(v)
      ? (v as unknown[])
      : listStrings && typeof v === 'string'
        ? parseListLiteral(v)
        : null;
    if (items) {
      if (items.length > 1) {
        if (!ctx.lenient) throw multiLabelError(ctx, i, items);
        v = JSON.stringify(items);
      } else {
        v = items[0];
        if (items.length === 1) unwrapped += ctx.weights ? ctx.weights[i] : 1;
      }
    }
    flat[i] = v;
  }
  let allNumbers = true;
  let allBooleans = true;
  let present = 0;
  for (let i = 0; i < n; i++) {
    const v = flat[i];
    if (isMissing(v)) continue;
    present++;
    if (allNumbers && numericSpelling(v) === undefined) allNumbers = false;
    if (allBooleans && booleanSpelling(v) === undefined) allBooleans = false;
    if (!allNumbers && !allBooleans) break;
  }
  const kind: LabelColumn['kind'] =
    present > 0 && allNumbers ? 'number' : present > 0 && allBooleans ? 'boolean' : 'string';
  const spell = kind === 'number' ? numericSpelling : kind === 'boolean' ? booleanSpelling : cellText;
  const interned = new Map<string, string>();
  const labels = new Array<string | undefined>(n);
  for (let i = 0; i < n; i++) {
    const v = flat[i];
    if (isMissing(v)) continue;
    let s = spell(v);
    if (s === undefined) {
      if (ctx.lenient) s = JSON.stringify(v) ?? '';
      else
        throw new ProbescopeError(
          'DATASET_INVALID',
          `${ctx.file} ${ctx.where(i)}: "${ctx.field}" is ${Array.isArray(v) ? 'a list' : 'an object'}, not a label.`,
        );
    }
    s = s.trim();
    let k = interned.get(s);
    if (k === undefined) interned.set(s, (k = s));
    labels[i] = k;
  }
  return { labels, kind, unwrapped, sameValue: kind === 'string' ? sameValueGroups(interned.keys()) : [] };
}

/**
 * Distinct labels that look alike: the same number or boolean (`1` / `1.0`, `True` / `true`), or the same words up to
 * case, Unicode normalisation (NFKC: a composed `é` and `e` + combining accent) and runs of spaces (`Pos` / `pos`,
 * `very  good` / `very good`). Only groups of two or more.
 */
function sameValueGroups(distinct: Iterable<string>): string[][] {
  const byValue = new Map<string, string[]>();
  for (const label of distinct) {
    const k = lookAlikeKey(label);
    byValue.set(k, [...(byValue.get(k) ?? []), label]);
  }
  return [...byValue.values()].filter((g) => g.length > 1);
}

/** What sameValueGroups compares: the number, the boolean, or the words up to case, NFKC and runs of spaces. */
function lookAlikeKey(label: string): string {
  const n = numericSpelling(label);
  const b = n === undefined ? booleanSpelling(label) : undefined;
  return n !== undefined
    ? `n:${n}`
    : b !== undefined
      ? `b:${b}`
      : `s:${label.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ')}`;
}

/**
 * For labels a probe (or a training split) does not know: a sentence naming those that look like one of `classes`
 * (sameValueGroups' rule: `Pos` / `pos`, `1.0` / `1`), or '' when none does. For the errors of eval and --test-data.
 */
export function lookAlikeHint(unknown: readonly string[], classes: readonly string[]): string {
  const byKey = new Map(classes.map((c) => [lookAlikeKey(c), c]));
  const pairs = unknown.flatMap((u) => {
    const c = byKey.get(lookAlikeKey(u));
    return c === undefined ? [] : [`"${u}" looks like "${c}"`];
  });
  if (pairs.length === 0) return '';
  return ` ${pairs.slice(0, 5).join(', ')}${pairs.length > 5 ? ', …' : ''}: labels are compared as written, so re-save the column with the classes' spelling.`;
}
