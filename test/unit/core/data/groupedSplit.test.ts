import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  groupedKFold,
  groupedStratifiedSplit,
  groupedValidationSplit,
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
  const { train, test: held } = groupedStratifiedSplit(labels, textGroups(texts), 0.25, 0);
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
  const oldTrain = new Set(old.train.map((i) => texts[i]));
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
