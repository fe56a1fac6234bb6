import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { flatMetrics, MetricEngine, rocCurve } from '../../../../src/core/evaluation';
import { createRng } from '../../../../src/core/probes/rng';

const close = (a: number | undefined, b: number, tol = 1e-12, what = '') =>
  assert.ok(a !== undefined && Math.abs(a - b) <= tol, `${what}: got ${a}, want ${b}`);

/** Binary predictions from P(class 1). */
const binary = (labels: number[], p1: number[]) => ({
  labels,
  probs: Float64Array.from(p1.flatMap((p) => [1 - p, p])),
  K: 2,
});

/** Sorted-threshold reference: every threshold t in the distinct scores ∪ {+∞}, positive when score ≥ t. */
function bruteRecallAtFpr(scores: number[], pos: boolean[], alpha: number): number {
  const P = pos.filter(Boolean).length;
  const N = pos.length - P;
  let best = 0;
  for (const t of [Infinity, ...new Set(scores)]) {
    let tp = 0;
    let fp = 0;
    scores.forEach((s, i) => {
      if (s >= t) {
        if (pos[i]) tp++;
        else fp++;
      }
    });
    if (fp / N <= alpha) best = Math.max(best, tp / P);
  }
  return best;
}

/** Pair counting: P(score_pos > score_neg) + ½ P(tie). */
function bruteAuc(scores: number[], pos: boolean[]): number {
  let num = 0;
  let den = 0;
  scores.forEach((a, i) =>
    scores.forEach((b, j) => {
      if (pos[i] && !pos[j]) {
        den++;
        num += a > b ? 1 : a === b ? 0.5 : 0;
      }
    }),
  );
  return num / den;
}

describe('classification metrics with hand-computed answers', () => {
  test('binary: accuracy, balanced accuracy, F1, ROC-AUC, log loss, Brier', () => {
    // labels 1,1,1,0,0,0,0,0 ; P(1) .9,.8,.3,.6,.2,.1,.1,.4 → predictions 1,1,0,1,0,0,0,0
    // TP=2 FN=1 FP=1 TN=4: accuracy 6/8; recall1 2/3, recall0 4/5 → balanced (2/3+4/5)/2; F1 = 4/(4+1+1)
    const y = [1, 1, 1, 0, 0, 0, 0, 0];
    const p = [0.9, 0.8, 0.3, 0.6, 0.2, 0.1, 0.1, 0.4];
    const v = new MetricEngine(binary(y, p)).evaluate();
    close(v.accuracy, 6 / 8, 1e-12, 'accuracy');
    close(v.balanced_accuracy, (2 / 3 + 4 / 5) / 2, 1e-12, 'balanced');
    close(v.f1, 4 / 6, 1e-12, 'f1');
    // AUC: pos .9 beats all 5 negs; .8 beats 5; .3 beats .2,.1,.1 (3) → 13/15
    close(v.roc_auc, 13 / 15, 1e-12, 'auc');
    const ll =
      -(
        Math.log(0.9) +
        Math.log(0.8) +
        Math.log(0.3) +
        Math.log(0.4) +
        Math.log(0.8) +
        2 * Math.log(0.9) +
        Math.log(0.6)
      ) / 8;
    close(v.log_loss, ll, 1e-12, 'log loss');
    const brier = (0.01 + 0.04 + 0.49 + 0.36 + 0.04 + 0.01 + 0.01 + 0.16) / 8;
    close(v.brier, brier, 1e-12, 'brier');
    // FPR budgets: 5 negatives, so only FPR 0 fits ≤ 1 % and ≤ 5 %: thresholds above .6 → TPR 2/3.
    assert.deepEqual(v.recall_at_fpr, { '0.01': 2 / 3, '0.05': 2 / 3 });
  });

  test('recall at FPR counts a tie group whole: a negative tied with a positive blocks both', () => {
    // scores: pos .9, pos .7 tied with neg .7, then 98 negatives below. At FPR ≤ 1 % (≤ 0.99 negatives): only the .9
    // threshold qualifies (the .7 group brings 1 FP = 1/99 > 1 %) → TPR 1/2; at 5 % the .7 group is allowed → 1.
    const scores = [0.9, 0.7, 0.7, ...Array.from({ length: 98 }, (_, i) => 0.5 - i / 1000)];
    const y = [1, 1, 0, ...new Array<number>(98).fill(0)];
    const v = new MetricEngine(binary(y, scores)).evaluate();
    assert.deepEqual(v.recall_at_fpr, { '0.01': 0.5, '0.05': 1 });
  });

  test('recall@FPR and ROC-AUC equal a sorted-threshold / pair-counting computation on random tied scores', () => {
    const rng = createRng(11);
    for (let trial = 0; trial < 20; trial++) {
      const n = 50 + rng.int(300);
      const y = Array.from({ length: n }, () => (rng.next() < 0.4 ? 1 : 0));
      y[0] = 1;
      y[1] = 0;
      const scores = y.map((l) => Math.round((0.5 * rng.next() + 0.3 * l) * 40) / 40);
      const pos = y.map((l) => l === 1);
      const v = new MetricEngine(binary(y, scores)).evaluate();
      close(v.roc_auc, bruteAuc(scores, pos), 1e-12, `auc trial ${trial}`);
      for (const a of [0.01, 0.05])
        close(v.recall_at_fpr![String(a)], bruteRecallAtFpr(scores, pos, a), 1e-12, `r@${a}`);
    }
  });

  test('multiclass: macro F1, balanced accuracy, one-vs-rest macro ROC-AUC, multi-category Brier', () => {
    // 3 classes, 4 examples; rows are probabilities.
    const probs = [0.7, 0.2, 0.1, 0.1, 0.6, 0.3, 0.5, 0.1, 0.4, 0.2, 0.2, 0.6];
    const labels = [0, 1, 2, 2];
    // predictions 0,1,0,2 → class 0: TP1 FP1 FN0 → F1 2/3; class 1: 1/1/0/0 → 1; class 2: TP1 FN1 → 2/3
    const v = new MetricEngine({ labels, probs: Float64Array.from(probs), K: 3 }).evaluate();
    close(v.accuracy, 3 / 4);
    close(v.f1, (2 / 3 + 1 + 2 / 3) / 3, 1e-12, 'macro f1');
    close(v.balanced_accuracy, (1 + 1 + 0.5) / 3, 1e-12, 'balanced');
    // OvR AUCs: class 0 scores .7|.1,.5,.2 → 1; class 1 .6|.2,.1,.2 → 1; class 2 pos .4,.6 vs neg .1,.3 → 1
    close(v.roc_auc, 1, 1e-12, 'ovr auc');
    const brier =
      (0.3 ** 2 +
        0.2 ** 2 +
        0.1 ** 2 +
        (0.1 ** 2 + 0.4 ** 2 + 0.3 ** 2) +
        (0.5 ** 2 + 0.1 ** 2 + 0.6 ** 2) +
        (0.2 ** 2 + 0.2 ** 2 + 0.4 ** 2)) /
      4;
    close(v.brier, brier, 1e-12, 'brier');
    close(v.log_loss, -(Math.log(0.7) + Math.log(0.6) + Math.log(0.4) + Math.log(0.6)) / 4, 1e-12, 'log loss');
    assert.equal(v.recall_at_fpr, undefined, 'recall at FPR is binary-only');
  });

  test('OvR macro AUC with imperfect ranking matches the per-class pair counts', () => {
    const probs = [0.5, 0.3, 0.2, 0.4, 0.4, 0.2, 0.3, 0.3, 0.4, 0.6, 0.1, 0.3];
    const labels = [0, 1, 2, 1];
    const col = (k: number) => labels.map((_, i) => probs[i * 3 + k]);
    const want =
      [0, 1, 2].reduce(
        (s, k) =>
          s +
          bruteAuc(
            col(k),
            labels.map((l) => l === k),
          ),
        0,
      ) / 3;
    close(new MetricEngine({ labels, probs: Float64Array.from(probs), K: 3 }).evaluate().roc_auc, want);
  });

  test('weights act as repeated examples', () => {
    const y = [1, 0, 1, 0, 0];
    const p = [0.8, 0.6, 0.4, 0.3, 0.7];
    const w = [2, 1, 3, 0, 1];
    const rep = (xs: number[]) => xs.flatMap((x, i) => new Array<number>(w[i]!).fill(x));
    const a = flatMetrics(new MetricEngine(binary(y, p)).evaluate(w));
    const b = flatMetrics(new MetricEngine(binary(rep(y), rep(p))).evaluate());
    for (const k of Object.keys(b)) close(a[k], b[k]!, 1e-12, k);
  });

  test('ROC curve runs from (0,0) to (1,1), one point per distinct score', () => {
    const r = rocCurve([0.9, 0.8, 0.8, 0.1], [true, false, true, false]);
    assert.deepEqual(r, { fpr: [0, 0, 0.5, 1], tpr: [0, 0.5, 1, 1] });
  });
});
