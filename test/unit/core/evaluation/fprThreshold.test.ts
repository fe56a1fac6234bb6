/**
 * The 1 % FPR threshold against brute force: over every cut "score > t" (t at every score and below all of them), the
 * best TPR with FPR ≤ α is the one reported, the reported cut achieves it with FPR ≤ α, and without ties its value is
 * the (⌊α·N⌋+1)-th highest negative score (a plain sort). Ties, few negatives, the negative class of a binary probe
 * and multiclass targets (class logit, class vs rest) are covered.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fprThresholds, thresholdAtFpr } from '../../../../src/core/evaluation/fprThreshold';
import { splitMetrics } from '../../../../src/core/probes/metrics';

/** Seeded uniform [0, 1) (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Best TPR over every cut with FPR ≤ alpha, by trying them all. */
function bruteForce(scores: number[], positive: boolean[], alpha: number) {
  const N = positive.filter((p) => !p).length;
  const P = positive.length - N;
  let best = { tpr: -1, fpr: 0 };
  for (const t of [...scores, -Infinity]) {
    let fp = 0;
    let tp = 0;
    scores.forEach((s, i) => {
      if (s > t) {
        if (positive[i]) tp++;
        else fp++;
      }
    });
    if (fp / N <= alpha && tp / P > best.tpr) best = { tpr: tp / P, fpr: fp / N };
  }
  return best;
}

function rates(scores: number[], positive: boolean[], t: number) {
  let fp = 0;
  let tp = 0;
  scores.forEach((s, i) => {
    if (s > t) {
      if (positive[i]) tp++;
      else fp++;
    }
  });
  const N = positive.filter((p) => !p).length;
  return { fpr: fp / N, tpr: tp / (positive.length - N) };
}

test('continuous scores: the value is the (⌊αN⌋+1)-th highest negative and the TPR is the best possible', () => {
  const r = rng(7);
  for (const [nNeg, nPos] of [
    [1000, 300],
    [250, 40],
    [99, 99],
    [100, 5],
    [37, 12],
  ] as const) {
    const scores: number[] = [];
    const positive: boolean[] = [];
    for (let i = 0; i < nNeg; i++) {
      scores.push(r() * 4 - 2);
      positive.push(false);
    }
    for (let i = 0; i < nPos; i++) {
      scores.push(r() * 4 - 0.5);
      positive.push(true);
    }
    const t = thresholdAtFpr(scores, positive, 0.01)!;
    const negSorted = scores.filter((_, i) => !positive[i]).sort((a, b) => b - a);
    assert.equal(t.value, negSorted[Math.floor(0.01 * nNeg)], `value, ${nNeg} negatives`);
    const measured = rates(scores, positive, t.value);
    assert.ok(measured.fpr <= 0.01, `FPR ${measured.fpr} ≤ 1 %`);
    assert.equal(t.fpr, measured.fpr);
    assert.equal(t.tpr, measured.tpr);
    assert.equal(t.tpr, bruteForce(scores, positive, 0.01).tpr, 'no cut does better');
    assert.deepEqual([t.negatives, t.positives], [nNeg, nPos]);
    // Fewer than 100 negatives: no false positive is allowed, so the cut is the highest negative.
    if (nNeg < 100) assert.equal(t.value, negSorted[0]);
  }
});

test('ties: a group of equal negative scores is kept or dropped whole', () => {
  // 200 negatives: 2 may fire. The top three negatives tie at 5, so none of them may fire: the cut is 5, FPR 0.
  const scores = [5, 5, 5, ...Array.from({ length: 197 }, (_, i) => i / 100), 4.5, 5, 6, 1];
  const positive = [...Array(200).fill(false), true, true, true, true];
  const t = thresholdAtFpr(scores, positive, 0.01)!;
  assert.equal(t.value, 5);
  assert.equal(t.fpr, 0);
  assert.equal(t.tpr, 0.25); // only the 6
  assert.equal(t.tpr, bruteForce(scores, positive, 0.01).tpr);
  // Two tied at the top: both may fire (2/200 = 1 %); the cut is the next value.
  const s2 = [7, 7, ...Array.from({ length: 198 }, (_, i) => i / 100), 6, 1.975, 0.5];
  const p2 = [...Array(200).fill(false), true, true, true];
  const t2 = thresholdAtFpr(s2, p2, 0.01)!;
  assert.equal(t2.value, 1.97);
  assert.equal(t2.fpr, 0.01);
  assert.equal(t2.tpr, 2 / 3);
});

test('no negatives or no positives: no threshold', () => {
  assert.equal(thresholdAtFpr([1, 2], [true, true], 0.01), undefined);
  assert.equal(thresholdAtFpr([1, 2], [false, false], 0.01), undefined);
});

test('binary probe: both classes; the positive class TPR equals recall_at_fpr at 1 %', () => {
  const r = rng(3);
  const n = 600;
  const labels = Array.from({ length: n }, () => (r() < 0.4 ? 1 : 0));
  const logits = Float32Array.from(labels, (y) => (y ? 1.2 : -0.3) + 2 * (r() - 0.5));
  const list = fprThresholds(['neg', 'pos'], logits, labels, 0.01);
  assert.deepEqual(
    list.map((t) => [t.class, t.versus ?? '']),
    [
      ['neg', ''],
      ['pos', ''],
    ],
  );
  const pos = list[1]!;
  const negatives = Array.from(logits).filter((_, i) => labels[i] === 0);
  assert.equal(pos.value, [...negatives].sort((a, b) => b - a)[Math.floor(0.01 * negatives.length)]);
  const metrics = splitMetrics({ classes: ['neg', 'pos'], labels, logits, loss: 0 });
  assert.equal(pos.tpr, metrics.recall_at_fpr!['0.01']);
  // The negative class is scored −logit: its negatives are the positive rows.
  const neg = list[0]!;
  const scores = Array.from(logits, (z) => -z);
  const flags = labels.map((y) => y === 0);
  assert.equal(neg.tpr, bruteForce(scores, flags, 0.01).tpr);
  assert.equal(
    neg.value,
    scores.filter((_, i) => !flags[i]).sort((a, b) => b - a)[Math.floor(0.01 * (n - negatives.length))],
  );
});

test('multiclass: each class logit and each class vs the mean of the others', () => {
  const r = rng(11);
  const n = 450;
  const C = 3;
  const labels = Array.from({ length: n }, (_, i) => i % C);
  const logits = new Float32Array(n * C);
  labels.forEach((y, i) => {
    for (let c = 0; c < C; c++) logits[i * C + c] = (c === y ? 1 : 0) + r() * 2;
  });
  const list = fprThresholds(['a', 'b', 'c'], logits, labels, 0.01);
  assert.equal(list.length, 6);
  for (const t of list) {
    const c = ['a', 'b', 'c'].indexOf(t.class);
    const scores = labels.map((_, i) => {
      const z = [0, 1, 2].map((j) => logits[i * C + j]!);
      return t.versus ? z[c]! - (z.reduce((s, x) => s + x, 0) - z[c]!) / 2 : z[c]!;
    });
    const positive = labels.map((y) => y === c);
    const measured = rates(scores, positive, t.value);
    assert.ok(Math.abs(measured.fpr - t.fpr) < 1e-12 && measured.fpr <= 0.01, `${t.class} ${t.versus ?? ''}`);
    assert.equal(t.tpr, bruteForce(scores, positive, 0.01).tpr);
    assert.equal(t.negatives, 300);
  }
});
