/** Class balance rules shared by the dataset panel (inspectDataset) and training (CLI stderr, worker log). */
import type { DatasetWarning } from '../../protocol/types';

/** A class is tiny below 5 rows or 2 % of the rows (with at least two classes): its metrics will be noisy. */
export function tinyClassWarnings(classes: { label: string; count: number }[], rows: number): DatasetWarning[] {
  if (classes.length < 2) return [];
  return classes
    .filter((c) => c.count < 5 || c.count < 0.02 * rows)
    .map((c) => ({
      kind: 'tiny-class' as const,
      message: `Class "${c.label}" has only ${c.count} row(s) of ${rows}; its test metrics will be noisy.`,
    }));
}

/**
 * When most kept rows (more than half, of at least 10) have a label no other row has, the label column holds ids or
 * scores rather than classes: a probe cannot learn a class from one row, and a split cannot test it. One warning,
 * naming the column and what to do; undefined otherwise.
 */
export function singletonLabelWarning(
  labelField: string,
  counts: Iterable<number>,
  kept: number,
): DatasetWarning | undefined {
  if (kept < 10) return undefined;
  let singles = 0;
  let classes = 0;
  for (const c of counts) {
    classes++;
    if (c === 1) singles++;
  }
  if (singles * 2 <= kept) return undefined;
  return {
    kind: 'id-label',
    message:
      `"${labelField}" has ${classes} different values in ${kept} rows (${singles} of them on a single row): it looks like an ` +
      `id or a score, not classes, and a probe needs several rows per class. Pass --label-field NAME for the class column, or bin the values into classes.`,
  };
}
