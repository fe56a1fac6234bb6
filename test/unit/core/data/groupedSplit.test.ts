import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  groupedKFold,
  groupedStratifiedSplit,
  groupedValidationSplit,
  kFold,
  stratifiedSplit,
  textGroups,
  validationSplit,
} from '../../../../src/core/data';
import { createRng } from '../../../../src/core/probes/rng';

test('textGroups gives identical texts one id, numbered by first occurrence', () => {
  assert.deepEqual(textGroups(['a', 'b', 'a', 'c', 'b']), [0, 1, 0, 2, 1]);
});

test('without duplicates the grouped split is exactly stratifiedSplit', () => {
  const labels = Array.from({ length: 103 }, (_, i) => String(i % 3));
  const groups = labels.map((_, i) => i);
  for (const seed of [0, 1, 7])
    assert.deepEqual(groupedStratifiedSplit(labels, groups, 0.25, seed), stratifiedSplit(labels, 0.25, seed));
});

test('rows that appear twice (random labels) never straddle train and test; each class keeps its share', () => {
  const rng = createRng(5);
  const base = Array.from({ length: 200 }, (_, i) => ({ text: `t${i}`, label: rng.next() < 0.5 ? 'a' : 'b' }));
  const rows = [...base, ...base]; // every row twice, as in a concatenated export
  const texts = rows.map((r) => r.text);
  const labels = rows.map((r) => r.label);
  const split = groupedStratifiedSplit(labels, textGroups(texts), 0.25, 0);
  const [train, held] = [Array.from(split.train), Array.from(split.test)];
  assert.equal(train.length + held.length, 400);
  const trainTexts = new Set(train.map((i) => texts[i]));
  assert.equal(held.filter((i) => trainTexts.has(texts[i])).length, 0, 'no test text is in train');
  assert.ok(Math.abs(held.length - 100) <= 2, `test holds ~25% (${held.length})`);
  for (const c of ['a', 'b']) {
    const n = labels.filter((l) => l === c).length;
    const t = held.filter((i) => labels[i] === c).length;
    assert.ok(Math.abs(t - n * 0.25) <= 2, `class ${c}: ${t} of ${n} in test`);
  }
  // The old split puts copies of most test rows in train (the leak the grouped split prevents).
  const old = stratifiedSplit(labels, 0.25, 0);
  const oldTrain = new Set(Array.from(old.train, (i) => texts[i]));
  assert.ok(old.test.filter((i) => oldTrain.has(texts[i])).length > 50);
});

test('a class with two groups keeps one in test and one in train', () => {
  const labels = ['x', 'x', 'x', 'y', 'y', 'y', 'y'];
  const groups = [0, 0, 1, 2, 3, 4, 5];
  const { train, test: held } = groupedStratifiedSplit(labels, groups, 0.25, 3);
  const xTest = held.filter((i) => labels[i] === 'x');
  assert.ok(xTest.length === 1 || xTest.length === 2);
  assert.ok(train.some((i) => labels[i] === 'x'));
  assert.ok(!(held.includes(0) && train.includes(1)) && !(held.includes(1) && train.includes(0)));
});

test('grouped k folds: identical texts share a fold; without duplicates it is exactly kFold', async () => {
  const { groupedKFold } = await import('../../../../src/core/data');
  const { kFold } = await import('../../../../src/core/data');
  const labels = Array.from({ length: 50 }, (_, i) => String(i % 2));
  assert.deepEqual(
    groupedKFold(
      labels,
      labels.map((_, i) => i),
      5,
      3,
    ),
    kFold(labels, 5, 3),
  );
  const texts = [...labels.keys(), ...labels.keys()].map((i) => `t${i}`);
  const doubled = [...labels, ...labels];
  const folds = groupedKFold(doubled, textGroups(texts), 5, 3);
  assert.equal(folds.flat().length, 100);
  for (const f of folds) {
    const inFold = new Set(f.map((i) => texts[i]));
    for (const g of folds) if (g !== f) assert.ok(!g.some((i) => inFold.has(texts[i])));
    assert.equal(f.length, 20);
  }
});

describe('splits of large datasets', () => {
  it('split 400k rows (one class of 300k, one text repeated 200k times) without overflowing the stack', () => {
    const n = 400_000;
    const labels = Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 'b' : 'a'));
    const distinct = Array.from({ length: n }, (_, i) => i);
    const repeated = Array.from({ length: n }, (_, i) => (i % 2 === 1 ? 1 : i)); // 200k rows of label a
    for (const groups of [distinct, repeated]) {
      const { train, test } = groupedStratifiedSplit(labels, groups, 0.25, 1);
      assert.equal(train.length + test.length, n);
      const v = groupedValidationSplit(labels, groups, 0.1, 2);
      assert.equal(v.train.length + v.validation.length, n);
      assert.ok(v.validation.length > 0, v.skipped);
      const folds = groupedKFold(labels, groups, 5, 3);
      assert.equal(
        folds.reduce((a, f) => a + f.length, 0),
        n,
      );
    }
    const plain = validationSplit(labels, 0.1, 4);
    assert.equal(plain.validation.length, Math.floor(0.1 * n));
  });
});

/**
 * The grouped splits as first written (a Map of one number[] per group, lists pushed and sorted): the compact version
 * (one CSR list of typed arrays) must give exactly the same splits, so probes saved before keep their split.
 */
function referenceMembers(groups: ArrayLike<number>, n: number): Map<number, number[]> | undefined {
  const members = new Map<number, number[]>();
  for (let i = 0; i < groups.length; i++) {
    const m = members.get(groups[i]);
    if (m) m.push(i);
    else members.set(groups[i], [i]);
  }
  return members.size === n ? undefined : members;
}
function referenceStrata(labels: readonly string[], members: Map<number, number[]>): Map<string, number[][]> {
  const strata = new Map<string, number[][]>();
  for (const rows of members.values()) {
    const s = strata.get(labels[rows[0]]);
    if (s) s.push(rows);
    else strata.set(labels[rows[0]], [rows]);
  }
  return strata;
}
function referenceStratified(labels: string[], groups: ArrayLike<number>, f: number, seed: number) {
  const members = referenceMembers(groups, labels.length);
  if (!members) return stratifiedSplit(labels, f, seed);
  const strata = referenceStrata(labels, members);
  const rng = createRng(seed);
  const train: number[] = [];
  const test: number[] = [];
  for (const key of [...strata.keys()].sort()) {
    const groupsOf = rng.shuffle(strata.get(key)!.slice());
    const rows = groupsOf.reduce((n, g) => n + g.length, 0);
    const target = Math.round(rows * f);
    let taken = 0;
    let k = 0;
    while (k < groupsOf.length - 1 && (taken < target || (k === 0 && groupsOf.length >= 2))) {
      if (k > 0 && taken + groupsOf[k].length - target > target - taken) break;
      taken += groupsOf[k].length;
      k++;
    }
    groupsOf.forEach((g, j) => (j < k ? test : train).push(...g));
  }
  return { train: Uint32Array.from(train.sort((a, b) => a - b)), test: Uint32Array.from(test.sort((a, b) => a - b)) };
}
function referenceKFold(labels: string[], groups: ArrayLike<number>, k: number, seed: number) {
  const members = referenceMembers(groups, labels.length);
  if (!members) return kFold(labels, k, seed);
  const strata = referenceStrata(labels, members);
  const rng = createRng(seed);
  const folds: number[][] = Array.from({ length: k }, () => []);
  for (const key of [...strata.keys()].sort())
    for (const g of rng.shuffle(strata.get(key)!.slice())) {
      let best = 0;
      for (let f = 1; f < k; f++) if (folds[f].length < folds[best].length) best = f;
      folds[best].push(...g);
    }
  return folds.map((f) => f.sort((a, b) => a - b));
}
function referenceValidation(labels: string[], groups: ArrayLike<number>, fraction: number, seed: number) {
  const members = referenceMembers(groups, labels.length);
  if (!members) return validationSplit(labels, fraction, seed);
  const reps = [...members.values()];
  const inner = validationSplit(
    reps.map((rows) => labels[rows[0]]),
    fraction,
    seed,
  );
  const expand = (picked: Uint32Array) =>
    Uint32Array.from(
      Array.from(picked)
        .flatMap((j) => reps[j])
        .sort((a, b) => a - b),
    );
  return { ...inner, train: expand(inner.train), validation: expand(inner.validation) };
}

test('compact grouped splits equal the first (Map of lists) version on random data with repeats', () => {
  const rng = createRng(11);
  for (let trial = 0; trial < 40; trial++) {
    const n = 20 + rng.int(400);
    const nClasses = 2 + rng.int(4);
    const labels = Array.from({ length: n }, () => `c${rng.int(nClasses)}`);
    // Ids: by first occurrence (as textGroups numbers them), then a subset (as the validation carve and the
    // weight-decay folds see them: arbitrary ids, not numbered from 0), then ids beyond the typed table (a Map).
    const pool = 1 + rng.int(n);
    const byText = textGroups(Array.from({ length: n }, () => `t${rng.int(pool)}`));
    const subset = byText.map((g) => g * 3 + 7);
    const huge = byText.map((g) => g * 1e6 + 0.5);
    for (const groups of [byText, subset, huge]) {
      const seed = rng.int(1000);
      assert.deepEqual(
        groupedStratifiedSplit(labels, groups, 0.25, seed),
        referenceStratified(labels, groups, 0.25, seed),
      );
      assert.deepEqual(groupedKFold(labels, groups, 3, seed), referenceKFold(labels, groups, 3, seed));
      assert.deepEqual(
        groupedValidationSplit(labels, groups, 0.2, seed),
        referenceValidation(labels, groups, 0.2, seed),
      );
    }
  }
});
