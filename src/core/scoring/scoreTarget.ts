/**
 * The readout a token score decomposes: z = Σ_c k_c z_c over the probe's C outputs (docs/CONTRACTS.md "Token scores").
 * Linear in the logits, so every per-token decomposition of z_c carries over exactly.
 *
 *   binary (C = 1):       positive class (classes[1]) k = [1]; the negative class (classes[0]) k = [−1] (its log-odds)
 *   multiclass, class c:  k = e_c                        (default c: the predicted class)
 *   class c vs rest:      k_c = 1, k_j = −1/(C−1)        z_c − mean_{j≠c} z_j (> 0 when c beats the others' average)
 */
import type { ScoreTargetSpec } from '../../protocol/tokenScores';
import { ProbescopeError } from '../errors';

export interface ScoreTarget {
  /** Class scored. */
  className: string;
  versusRest: boolean;
  /** Coefficients over the probe's outputs [C]. */
  k: Float64Array;
}

/**
 * Resolves the target for a probe with `classes` (probe.json order) given its document logits [C].
 * Errors: BAD_ARGUMENT for a class the probe does not have, naming the classes it has.
 */
export function resolveScoreTarget(
  classes: string[],
  logits: ArrayLike<number>,
  spec: ScoreTargetSpec = {},
): ScoreTarget {
  const binary = classes.length === 2;
  let index: number;
  if (spec.className !== undefined) {
    index = classes.indexOf(spec.className);
    if (index < 0)
      throw new ProbescopeError(
        'BAD_ARGUMENT',
        `The probe has no class "${spec.className}"; its classes are ${classes.map((c) => `"${c}"`).join(', ')}.`,
      );
  } else if (binary) {
    index = 1;
  } else {
    index = 0;
    for (let c = 1; c < classes.length; c++) if (logits[c]! > logits[index]!) index = c;
  }
  if (binary) return { className: classes[index]!, versusRest: false, k: Float64Array.of(index === 1 ? 1 : -1) };
  const C = classes.length;
  const k = new Float64Array(C);
  if (spec.versusRest) k.fill(-1 / (C - 1));
  k[index] = 1;
  return { className: classes[index]!, versusRest: !!spec.versusRest, k };
}
