/**
 * The monitoring threshold of a probe: the score above which it fires on at most 1 % of the negatives of its test
 * split (docs/CONTRACTS.md "Token scores", "1 % FPR threshold"). Recorded in probe.json at training (`fprThresholds`,
 * one entry per scorable class target), returned with token scores (`fprThreshold`) and drawn in the score panel.
 */

/** The false-positive budget Probescope records thresholds for. */
export const MONITOR_FPR = 0.01;

export interface FprThreshold {
  /** The false-positive budget (0.01). */
  targetFpr: number;
  /** The scored class (binary: either class; the negative class's score is −logit). */
  class: string;
  /** Multiclass: the class against the mean of the others. */
  versus?: 'rest';
  /**
   * The threshold on the probe's logit for this class (the same scale as the decision threshold): an example fires
   * when its score is > value. It is the score of the (⌊targetFpr·negatives⌋+1)-th highest negative.
   */
  value: number;
  /** FPR and TPR that rule achieves on the split (fpr ≤ targetFpr). */
  fpr: number;
  tpr: number;
  /** Rows of the split that are not / are of the class. */
  negatives: number;
  positives: number;
  /** Which split the scores came from. */
  split: 'test';
}

/** The threshold for one scored target, or why there is none (never invented). */
export type FprThresholdInfo =
  | ({ available: true; source: 'probe.json' | 'rebuilt test split' } & FprThreshold)
  | { available: false; reason: string };
