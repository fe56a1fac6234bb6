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
