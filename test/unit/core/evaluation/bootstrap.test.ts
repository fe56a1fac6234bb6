import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bootstrapIntervals, MetricEngine, pairedBootstrap, percentile } from '../../../../src/core/evaluation';
import { createRng } from '../../../../src/core/probes/rng';

const binary = (labels: number[], p1: number[]) => ({
  labels,
  probs: Float64Array.from(p1.flatMap((p) => [1 - p, p])),
  K: 2,
});

/** n examples, half positive; the probe is right with probability `acc`, scores noisy around the truth. */
function noisyProbe(n: number, acc: number, seed: number, labelSeed = 1) {
  const lr = createRng(labelSeed);
  const labels = Array.from({ length: n }, () => (lr.next() < 0.5 ? 1 : 0));
  const rng = createRng(seed);
  const p1 = labels.map((y) => {
    const right = rng.next() < acc;
    const conf = 0.5 + 0.49 * rng.next();
    return (y === 1) === right ? conf : 1 - conf;
  });
  return binary(labels, p1);
}

describe('stratified bootstrap intervals', () => {
  test('percentile interpolates linearly like numpy', () => {
    assert.equal(percentile([1, 2, 3, 4], 0.25), 1.75);
    assert.equal(percentile([1, 2, 3, 4], 1), 4);
    assert.equal(percentile([5], 0.975), 5);
  });

  test('the same seed gives the same intervals; another seed gives other ones', () => {
    const pred = noisyProbe(400, 0.8, 3);
    const a = bootstrapIntervals(pred, { seed: 7 });
    const b = bootstrapIntervals(pred, { seed: 7 });
    const c = bootstrapIntervals(pred, { seed: 8 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    for (const k of [
      'accuracy',
      'balanced_accuracy',
      'f1',
      'roc_auc',
      'log_loss',
      'brier',
      'recall_at_fpr_0.01',
      'recall_at_fpr_0.05',
    ])
      assert.ok(a[k], `interval for ${k}`);
  });

  test('every interval holds its point estimate, and a perfect probe has accuracy [1, 1]', () => {
    const pred = noisyProbe(300, 0.75, 4);
    const point = new MetricEngine(pred).evaluate();
    const ci = bootstrapIntervals(pred);
    for (const k of ['accuracy', 'f1', 'roc_auc', 'log_loss', 'brier'] as const) {
      const [lo, hi] = ci[k]!;
      assert.ok(lo <= (point[k] as number) && (point[k] as number) <= hi, `${k}: ${point[k]} in [${lo}, ${hi}]`);
    }
    const perfect = binary([0, 1, 0, 1, 1], [0.1, 0.9, 0.2, 0.8, 0.7]);
    assert.deepEqual(bootstrapIntervals(perfect).accuracy, [1, 1]);
  });

  test('the accuracy interval has the width the stratified binomial variance predicts', () => {
    // Class-wise accuracies a0, a1 with class sizes n0, n1: var = (n0·a0(1−a0) + n1·a1(1−a1)) / n².
    const pred = noisyProbe(2000, 0.8, 5);
    const engine = new MetricEngine(pred);
    const n = pred.labels.length;
    const cls = [0, 1].map((k) => {
      const idx = pred.labels.map((y, i) => (y === k ? i : -1)).filter((i) => i >= 0);
      const right = idx.filter((i) => (pred.probs[i * 2 + 1] > 0.5 ? 1 : 0) === k).length;
      return { n: idx.length, a: right / idx.length };
    });
    const sd = Math.sqrt(cls.reduce((s, c) => s + c.n * c.a * (1 - c.a), 0)) / n;
    const [lo, hi] = bootstrapIntervals(engine, { seed: 1 }).accuracy!;
    const expected = 2 * 1.959964 * sd;
    assert.ok(Math.abs(hi - lo - expected) / expected < 0.15, `width ${hi - lo} vs ${expected}`);
  });

  test('each resample keeps the class counts (stratified): ROC-AUC stays defined with one positive in 200', () => {
    const labels = Array.from({ length: 200 }, (_, i) => (i === 0 ? 1 : 0));
    const p1 = labels.map((y, i) => (y ? 0.9 : (i % 10) / 10));
    const ci = bootstrapIntervals(binary(labels, p1), { resamples: 200 });
    assert.ok(ci.roc_auc, 'AUC defined in every resample');
    // The lone positive is always drawn once: its rank among negatives varies only through them.
    assert.ok(ci.roc_auc[0] > 0.85 && ci.roc_auc[1] <= 1);
  });

  test('1,000 resamples of 10,000 examples run (speed is measured in npm run bench)', () => {
    const ci = bootstrapIntervals(noisyProbe(10_000, 0.9, 6));
    assert.ok(ci.accuracy![1] - ci.accuracy![0] < 0.02);
  });
});

describe('paired bootstrap', () => {
  test('a probe compared with itself differs by exactly 0, not significant', () => {
    const a = noisyProbe(500, 0.8, 2);
    const r = pairedBootstrap(a, a);
    assert.deepEqual(r.accuracy, { difference: 0, ci95: [0, 0], p_value: 1, significant: false });
    assert.equal(r.roc_auc!.significant, false);
  });

  test('a 95 %-accurate probe beats a 70 %-accurate one significantly; two equal probes usually do not differ', () => {
    const good = noisyProbe(1000, 0.95, 2);
    const weak = noisyProbe(1000, 0.7, 3);
    const r = pairedBootstrap(good, weak);
    assert.ok(r.accuracy!.difference > 0.2);
    assert.ok(r.accuracy!.significant && r.accuracy!.p_value < 0.01);
    assert.ok(r.roc_auc!.significant && r.roc_auc!.ci95[0] > 0);
    const twin = noisyProbe(1000, 0.95, 9);
    const same = pairedBootstrap(good, twin);
    assert.ok(same.accuracy!.ci95[0] < same.accuracy!.difference && same.accuracy!.difference < same.accuracy!.ci95[1]);
    assert.ok(Math.abs(same.accuracy!.difference) < 0.03);
  });

  test('refuses prediction sets on different labels', () => {
    assert.throws(() => pairedBootstrap(noisyProbe(50, 0.8, 1, 1), noisyProbe(50, 0.8, 1, 2)), /different labels/);
  });
});
