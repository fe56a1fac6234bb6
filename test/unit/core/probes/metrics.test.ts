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
