/**
 * What a table cell means, in every format alike: missing values, exact numbers, booleans, list literals, and a
 * cell's text with its literal spelling. Values come from CSV (strings), JSON (lossless-json: numbers that would not
 * keep their spelling as a float64 stay `LosslessNumber`), and Parquet (numbers, bigints, booleans, arrays).
 */
import { isLosslessNumber } from 'lossless-json';

/**
 * Spellings read as a missing value: pandas' default `na_values` (read_csv), plus `undefined`/`null` cells and NaN.
 * Source: pandas.io.parsers — STR_NA_VALUES.
 */
export const MISSING_SPELLINGS: ReadonlySet<string> = new Set([
  '',
  '#N/A',
  '#N/A N/A',
  '#NA',
  '-1.#IND',
  '-1.#QNAN',
  '-NaN',
  '-nan',
  '1.#IND',
  '1.#QNAN',
  '<NA>',
  'N/A',
  'NA',
  'NULL',
  'NaN',
  'None',
  'n/a',
  'nan',
  'null',
]);

/** True for null/undefined, NaN, an empty list, and the strings of MISSING_SPELLINGS (after trimming). */
export function isMissing(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v === 'number') return Number.isNaN(v);
  if (typeof v === 'string') return MISSING_SPELLINGS.has(v.trim());
  if (Array.isArray(v)) return v.length === 0;
  return false;
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * The one spelling of a decimal number's exact value: `1`, `1.0`, `01`, `+1` and `1e0` → "1"; `1.10` → "1.1";
 * `-0` → "0"; `98765432109876543210` stays itself (no float64 rounding, ever). Exponents within ±21 are written out,
 * others as `d.ddde±N`. Returns undefined when `s` is not a decimal literal.
 */
export function canonicalDecimal(s: string): string | undefined {
  const m = DECIMAL.exec(s.trim());
  if (!m) return undefined;
  const [, sign, int = '', frac = '', exp] = m;
  if (int === '' && frac === '') return undefined;
  let digits = (int + frac).replace(/^0+/, '');
  let e = (exp === undefined ? 0 : Number(exp)) - frac.length;
  if (!Number.isSafeInteger(e)) return undefined;
  if (digits === '') return '0';
  const stripped = digits.replace(/0+$/, '');
  e += digits.length - stripped.length;
  digits = stripped;
  const neg = sign === '-' ? '-' : '';
  // value = digits × 10^e
  if (e >= 0 && digits.length + e <= 22) return neg + digits + '0'.repeat(e);
  const point = digits.length + e; // position of the decimal point within digits
  if (e < 0 && point > 0) return `${neg}${digits.slice(0, point)}.${digits.slice(point)}`;
  if (e < 0 && point > -21) return `${neg}0.${'0'.repeat(-point)}${digits}`;
  const exp10 = point - 1;
  const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${neg}${mant}e${exp10 >= 0 ? '+' : ''}${exp10}`;
}

/** The exact-number spelling of a numeric cell (number, bigint, LosslessNumber or numeric string), else undefined. */
export function numericSpelling(v: unknown): string | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? canonicalDecimal(String(v)) : undefined;
  if (typeof v === 'bigint') return v.toString();
  if (isLosslessNumber(v)) return canonicalDecimal((v as { value: string }).value);
  if (typeof v === 'string') return canonicalDecimal(v);
  return undefined;
}

const BOOLEAN = /^(true|false)$/i;

/** "true"/"false" for a boolean cell or a true/True/TRUE/false/… string, else undefined. */
export function booleanSpelling(v: unknown): string | undefined {
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'string' && BOOLEAN.test(v.trim())) return v.trim().toLowerCase();
  return undefined;
}

/**
 * A cell as text with its literal spelling: strings as they are, JSON numbers as written in the file (`1.10`,
 * `98765432109876543211`), bigints and booleans printed, Parquet dates as ISO 8601 (dateText). Undefined for missing
 * cells, lists and objects.
 */
export function cellText(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isNaN(v) ? undefined : String(v);
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (isLosslessNumber(v)) return (v as { value: string }).value;
  if (v instanceof Date) return dateText(v);
  return undefined;
}

/**
 * A Parquet DATE / TIMESTAMP cell (hyparquet gives a Date, in UTC) as text: `2024-01-02` at midnight, else ISO 8601
 * (`2024-01-01T05:00:00.000Z`). An invalid date is undefined (missing).
 */
export function dateText(d: Date): string | undefined {
  if (Number.isNaN(d.getTime())) return undefined;
  const iso = d.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
}

/**
 * A cell as the dataset panel shows it: cellText, or for a list or object (chat messages, a struct) its JSON, so a
 * row is never shown blank when it holds something; '' only for a missing cell.
 */
export function cellDisplay(v: unknown): string {
  const t = cellText(v);
  if (t !== undefined || v === null || v === undefined) return t ?? '';
  try {
    return (
      JSON.stringify(v, (_k, x: unknown) =>
        typeof x === 'bigint' ? x.toString() : isLosslessNumber(x) ? (x as { value: string }).value : x,
      ) ?? ''
    );
  } catch {
    return String(v);
  }
}

/**
 * A string that spells a list — JSON (`["spam"]`) or Python repr as pandas writes list cells to CSV (`['spam', 'ham']`)
 * — as its items; undefined when it is not a list literal.
 */
export function parseListLiteral(s: string): string[] | undefined {
  const t = s.trim();
  if (!t.startsWith('[') || !t.endsWith(']')) return undefined;
  const body = t.slice(1, -1).trim();
  if (body === '') return [];
  const items: string[] = [];
  const item = /\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|([^,'"[\]]+?))\s*(,|$)/y;
  let pos = 0;
  while (pos < body.length) {
    item.lastIndex = pos;
    const m = item.exec(body);
    if (!m || m[0] === '') return undefined;
    items.push((m[1] ?? m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1'));
    pos = item.lastIndex;
    if (m[4] === '' && pos < body.length) return undefined;
  }
  return items;
}
