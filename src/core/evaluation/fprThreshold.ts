/**
 * The threshold that gives a false-positive rate of at most α (1 %) on a labelled split, for every class target a
 * token score can show (docs/CONTRACTS.md "1 % FPR threshold").
 *
 * Rule: an example fires when its score s > τ. With the negatives' scores sorted high to low and their distinct
 * values v₁ > v₂ > …, FP(v_m) = #{negatives > v_m}; τ is the lowest v_m with FP(v_m)/N ≤ α. No rule "s > t" does
 * better: any t below τ also fires the negatives at τ (or beyond), exceeding α, and any t above τ fires fewer
 * positives. Without ties τ is the (⌊α·N⌋+1)-th highest negative score — the empirical (1−α) quantile of the
 * negatives as monitoring papers set it — and the TPR is classificationMetrics' recall_at_fpr at α.
 * With fewer than 1/α negatives ⌊α·N⌋ = 0: τ is the highest negative and the FPR achieved is 0.
 */
import type { FprThreshold } from '../../protocol/fprThreshold';
import { resolveScoreTarget } from '../scoring/scoreTarget';

export interface FprPoint {
  value: number;
  fpr: number;
  tpr: number;
  negatives: number;
  positives: number;
}

/**
 * τ for scores with `positive` flags (see the header); undefined when there is no negative or no positive (no rate
 * can be measured). Scores must be finite. O(n log n).
 */
export function thresholdAtFpr(
  scores: ArrayLike<number>,
  positive: ArrayLike<boolean>,
  alpha: number,
): FprPoint | undefined {
  const neg: number[] = [];
  const pos: number[] = [];
  for (let i = 0; i < scores.length; i++) (positive[i] ? pos : neg).push(scores[i]!);
  const N = neg.length;
  const P = pos.length;
  if (N === 0 || P === 0) return undefined;
  neg.sort((a, b) => b - a);
  let value = neg[0]!;
  // Walk down the distinct negative values; i = first index of the current value = negatives strictly above it.
  for (let i = 0; i < N;) {
    const v = neg[i]!;
    if (i / N > alpha) break;
    value = v;
    while (i < N && neg[i] === v) i++;
  }
  let fp = 0;
  for (const s of neg) if (s > value) fp++;
  let tp = 0;
  for (const s of pos) if (s > value) tp++;
  return { value, fpr: fp / N, tpr: tp / P, negatives: N, positives: P };
}

/**
 * The α-FPR threshold of every class target on a split: logits [n·C] (the probe's outputs, C = 1 for binary) and
 * class indices `labels` [n] into `classes`. Binary: the positive class (score = logit) and the negative class
 * (score = −logit); multiclass: each class's logit and each class against the mean of the others (scoreTarget.ts).
 * Targets whose class has no row, or no other row, on the split are left out.
 */
export function fprThresholds(
  classes: string[],
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  alpha: number,
  split: FprThreshold['split'] = 'test',
): FprThreshold[] {
  const C = classes.length === 2 ? 1 : classes.length;
  const n = labels.length;
  const out: FprThreshold[] = [];
  const zero = new Float64Array(C);
  for (const versusRest of classes.length === 2 ? [false] : [false, true]) {
    classes.forEach((className, c) => {
      const { k } = resolveScoreTarget(classes, zero, { className, versusRest });
      const scores = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < C; j++) s += k[j]! * logits[i * C + j]!;
        scores[i] = s;
      }
      const positive = Array.from(labels, (l) => l === c);
      const t = thresholdAtFpr(scores, positive, alpha);
      if (t)
        out.push({
          targetFpr: alpha,
          class: className,
          ...(versusRest ? { versus: 'rest' as const } : {}),
          ...t,
          split,
        });
    });
  }
  return out;
}

/** The entry of `list` for a scored target (class, and whether against the rest), if recorded. */
export function findFprThreshold(
  list: readonly FprThreshold[] | undefined,
  className: string,
  versusRest: boolean,
): FprThreshold | undefined {
  return list?.find((t) => t.class === className && (t.versus === 'rest') === versusRest);
}
