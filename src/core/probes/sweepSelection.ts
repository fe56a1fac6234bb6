/**
 * The layer sweep's best point, chosen by validation (accuracy, then lower validation loss, then the earlier point),
 * never by test: the test number of the chosen probe stays an honest estimate. Points without a validation score
 * (the 'reference' preset without a given validation split) can only be ranked by test; `by` says which was used.
 */
import type { LayerSweepPoint } from '../../protocol/types';

export function bestSweepPoint(
  points: LayerSweepPoint[],
): { point: LayerSweepPoint; by: 'validation' | 'test' } | undefined {
  if (points.length === 0) return undefined;
  const byValidation = points.every((p) => p.valAccuracy !== undefined);
  let best = points[0];
  for (const p of points.slice(1)) {
    if (byValidation) {
      const better =
        p.valAccuracy! > best.valAccuracy! ||
        (p.valAccuracy === best.valAccuracy && (p.valLoss ?? Infinity) < (best.valLoss ?? Infinity));
      if (better) best = p;
    } else if (p.accuracy > best.accuracy) best = p;
  }
  return { point: best, by: byValidation ? 'validation' : 'test' };
}
