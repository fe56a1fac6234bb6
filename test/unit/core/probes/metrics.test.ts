import { test } from 'node:test';
import assert from 'node:assert/strict';
import { entropyRatio, probabilities, rocAuc, splitMetrics } from '../../../../src/core/probes/metrics';

test('ROC-AUC counts tied scores as half a correct ordering', () => {
  // Pairs (pos, neg): (0.8 vs 0.5) win, (0.8 vs 0.8) tie, (0.5 vs 0.5) tie, (0.5 vs 0.8) loss → (1 + .5 + .5 + 0) / 4.
  assert.equal(rocAuc([0.8, 0.5, 0.5, 0.8], [true, true, false, false]), 0.5);
  assert.equal(rocAuc([0.1, 0.2, 0.3, 0.4], [false, false, true, true]), 1);
  assert.equal(rocAuc([0.9, 0.9, 0.9], [true, false, false]), 0.5);
  assert.equal(rocAuc([0.1, 0.2], [true, true]), undefined);
});

test('ROC-AUC matches brute-force pair counting on random scores with ties', () => {
  let seed = 5;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const scores = Array.from({ length: 200 }, () => Math.round(rand() * 20) / 20);
  const pos = scores.map((s) => rand() < 0.3 + 0.4 * s);
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
  assert.ok(Math.abs(rocAuc(scores, pos)! - num / den) < 1e-12);
});

test('binary metrics: accuracy, F1 of the second class, confusion rows = true class', () => {
  // logits → predictions 1,1,0,0,1 vs labels 1,0,0,1,1 : tp=2 fp=1 fn=1 tn=1
  const m = splitMetrics({ classes: ['neg', 'pos'], labels: [1, 0, 0, 1, 1], logits: [2, 0.5, -1, -3, 4] });
  assert.equal(m.n, 5);
  assert.equal(m.accuracy, 3 / 5);
  assert.equal(m.f1, 4 / 6);
  assert.deepEqual(m.confusion, [
    [1, 1],
    [1, 2],
  ]);
  assert.equal(m.roc_auc, 4 / 6); // positives 2, -3, 4 vs negatives 0.5, -1: wins 2,2,0 → 4/6
  assert.equal(m.per_class_accuracy, undefined);
});

test('multiclass metrics: softmax argmax, per-class accuracy and confusion matrix', () => {
  const logits = [3, 0, 0, 0, 3, 0, 0, 0, 3, 3, 0, 0];
  const m = splitMetrics({ classes: ['a', 'b', 'c'], labels: [0, 1, 2, 2], logits });
  assert.equal(m.accuracy, 3 / 4);
  assert.deepEqual(m.per_class_accuracy, { a: 1, b: 1, c: 0.5 });
  assert.deepEqual(m.confusion, [
    [1, 0, 0],
    [0, 1, 0],
    [1, 0, 1],
  ]);
  // One-vs-rest macro AUC: class a (2.5 of 3 pairs), b (1), c (3 of 4 pairs) → (5/6 + 1 + 3/4) / 3.
  assert.ok(Math.abs(m.roc_auc! - (5 / 6 + 1 + 3 / 4) / 3) < 1e-12);
  const p = probabilities([0, 0, 0], 3)[0];
  p.forEach((x) => assert.ok(Math.abs(x - 1 / 3) < 1e-12));
});

test('entropy ratio is 1 for uniform attention, 0 for one-hot, and skips single-token examples', () => {
  const S = 4;
  const H = 2;
  // Example 0: 4 valid tokens, head 0 uniform, head 1 one-hot. Example 1: one valid token (skipped).
  const att = new Float32Array(2 * S * H);
  for (let t = 0; t < 4; t++) att[t * H] = 0.25;
  att[2 * H + 1] = 1;
  att[(S + 0) * H] = 1;
  att[(S + 0) * H + 1] = 1;
  const mask = new Float32Array([1, 1, 1, 1, 1, 0, 0, 0]);
  assert.ok(Math.abs(entropyRatio(att, mask, 2, S, H)! - 0.5) < 1e-6);
  assert.equal(entropyRatio(att.subarray(S * H), mask.subarray(S), 1, S, H), undefined);
});

test('a class with no rows in the split gets null per-class accuracy ("no test rows"), never 0', () => {
  // Class "c" has no examples here; "b" has one, predicted wrongly (0, a real zero).
  const logits = [3, 0, 0, 3, 0, 0, 0, 3, 0];
  const m = splitMetrics({ classes: ['a', 'b', 'c'], labels: [0, 1, 1], logits, bootstrap: false });
  assert.deepEqual(m.per_class_accuracy, { a: 1, b: 0.5, c: null });
  assert.deepEqual(m.confusion![2], [0, 0, 0]);
  // Balanced accuracy averages the classes that have rows only: (1 + 0.5) / 2.
  assert.equal(m.balanced_accuracy, 0.75);
});

test('binary split metrics carry every metric with a 95 % interval and the ROC curve', () => {
  const labels = Array.from({ length: 60 }, (_, i) => i % 2);
  const logits = labels.map((y, i) => (y ? 1 : -1) * ((i % 7) - 1.5));
  const m = splitMetrics({ classes: ['0', '1'], labels, logits });
  for (const k of [
    'accuracy',
    'balanced_accuracy',
    'f1',
    'roc_auc',
    'log_loss',
    'brier',
    'recall_at_fpr_0.01',
    'recall_at_fpr_0.05',
  ]) {
    const ci = m.ci95![k];
    assert.ok(ci && ci[0] <= ci[1], `ci95.${k}`);
  }
  assert.deepEqual(Object.keys(m.recall_at_fpr!), ['0.01', '0.05']);
  assert.equal(m.roc!.fpr[0], 0);
  assert.equal(m.roc!.tpr.at(-1), 1);
});

test('saturated logits: ROC-AUC and recall at 1 % FPR rank the logits, not probabilities rounded to 1', () => {
  // A well-separated probe: every logit in [40, 80], so every sigmoid is exactly 1 in float64. The true ranking is
  // the logits' (positives mostly higher); ranking probabilities would tie every example (AUC 0.5, recall 0).
  let seed = 11;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const n = 400;
  const labels = Array.from({ length: n }, (_, i) => i % 2);
  const logits = labels.map((y) => 40 + 20 * rand() + (y === 1 ? 12 * rand() + 8 : 0));
  assert.ok(
    probabilities(logits, 1).every((r) => r[1] === 1),
    'every probability rounds to 1',
  );
  const m = splitMetrics({ classes: ['0', '1'], labels, logits, bootstrap: false });
  assert.ok(
    Math.abs(
      m.roc_auc! -
        rocAuc(
          logits,
          labels.map((y) => y === 1),
        )!,
    ) < 1e-12,
  );
  assert.ok(m.roc_auc! > 0.8, `AUC ${m.roc_auc}`);
  // Brute force: the highest TPR over thresholds "logit ≥ t" with FPR ≤ 1 %.
  const neg = logits.filter((_, i) => labels[i] === 0);
  const pos = logits.filter((_, i) => labels[i] === 1);
  let best = 0;
  for (const t of [...logits, Infinity]) {
    const fpr = neg.filter((z) => z >= t).length / neg.length;
    if (fpr <= 0.01) best = Math.max(best, pos.filter((z) => z >= t).length / pos.length);
  }
  assert.ok(best > 0.1, `brute-force recall ${best}`);
  assert.equal(m.recall_at_fpr!['0.01'], best);
  // The ROC curve has one point per distinct logit, not the single step of a tie.
  assert.ok(m.roc!.fpr.length > 100);
});

test('saturated multiclass logits: one-vs-rest ROC-AUC ranks the log-odds of each class', () => {
  // Class k's logit varies in [50, 90] for its own rows and [30, 70] elsewhere; the other logits are 0, so p_k rounds
  // to 1 almost everywhere while its order is z_k's.
  let seed = 3;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const K = 3;
  const n = 300;
  const labels = Array.from({ length: n }, (_, i) => i % K);
  const logits: number[] = [];
  const chosen = labels.map((y) => (y + (rand() < 0.5 ? 0 : 1)) % K);
  labels.forEach((y, i) => {
    for (let k = 0; k < K; k++) logits.push(k === chosen[i] ? (k === y ? 50 : 30) + 40 * rand() : 0);
  });
  const m = splitMetrics({ classes: ['a', 'b', 'c'], labels, logits, bootstrap: false });
  // One-vs-rest on the chosen logit per class (others are 0): z_k where class k was chosen, else −∞-like (p_k ≈ 0).
  let sum = 0;
  for (let k = 0; k < K; k++) {
    const score = labels.map((_, i) => (chosen[i] === k ? logits[i * K + k] : -1e9 - logits[i * K + chosen[i]]));
    sum += rocAuc(
      score,
      labels.map((y) => y === k),
    )!;
  }
  assert.ok(Math.abs(m.roc_auc! - sum / K) < 1e-12, `${m.roc_auc} vs ${sum / K}`);
});
