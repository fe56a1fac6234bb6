/**
 * Splits that a dataset already names: a column whose values say, row by row, `train`, `test` or `validation`
 * (case-insensitive, surrounding spaces ignored). Anything else is an error that names the values found, so a typo
 * ("tset") or another scheme ("dev") is fixed by the user instead of silently becoming training data.
 */
import { ProbescopeError } from '../errors';

export type SplitRole = 'train' | 'test' | 'validation';
export const SPLIT_ROLES: readonly SplitRole[] = ['train', 'test', 'validation'];

/** Common names of a split column, for detection in the dataset panel (case-insensitive). */
export const SPLIT_COLUMN_NAMES = ['split', 'fold', 'subset', 'partition'];

/** The role of every row from its split value; throws DATASET_INVALID naming the unknown values and where. */
export function splitRoles(values: readonly unknown[], field: string, file: string): SplitRole[] {
  const bad = new Map<string, number[]>();
  const roles = values.map((v, i) => {
    const s = v === null || v === undefined ? '' : String(v).trim().toLowerCase();
    if ((SPLIT_ROLES as readonly string[]).includes(s)) return s as SplitRole;
    const key = v === null || v === undefined || String(v).trim() === '' ? '(empty)' : String(v);
    const rows = bad.get(key) ?? [];
    rows.push(i + 1);
    bad.set(key, rows);
    return 'train';
  });
  if (bad.size > 0) {
    const listed = [...bad]
      .slice(0, 5)
      .map(([v, rows]) => `"${v}" (${rows.length} row${rows.length === 1 ? '' : 's'}, first row ${rows[0]})`)
      .join(', ');
    throw new ProbescopeError(
      'DATASET_INVALID',
      `${file}: split field "${field}" holds ${listed}${bad.size > 5 ? ` and ${bad.size - 5} more value(s)` : ''}; ` +
        'use train, test or validation (any case).',
    );
  }
  for (const need of ['train', 'test'] as const)
    if (!roles.includes(need))
      throw new ProbescopeError(
        'DATASET_INVALID',
        `${file}: split field "${field}" has no "${need}" rows; a given split needs train and test rows.`,
      );
  return roles;
}

/**
 * A column that looks like a split column: named like one and holding only train/test/validation values.
 * `valuesOf(name)` gives a column's values, one per row (RawTable.column).
 */
export function detectSplitColumn(
  columns: readonly string[],
  valuesOf: (name: string) => readonly unknown[],
): string | undefined {
  for (const name of columns) {
    if (!SPLIT_COLUMN_NAMES.includes(name.toLowerCase())) continue;
    const values = valuesOf(name);
    const ok = values.every((v) =>
      (SPLIT_ROLES as readonly string[]).includes(
        String(v ?? '')
          .trim()
          .toLowerCase(),
      ),
    );
    if (ok && values.length > 0) return name;
  }
  return undefined;
}
