import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kFold, stratifiedSplit } from '../../../../src/core/data';

const labels = [...Array(60).fill('a'), ...Array(30).fill('b'), ...Array(10).fill('c')];

test('stratified split keeps each class share and covers every index exactly once', () => {
  const { train, test: held } = stratifiedSplit(labels, 0.25, 7);
  assert.equal(train.length + held.length, labels.length);
  assert.equal(new Set([...train, ...held]).size, labels.length);
  const count = (idx: ArrayLike<number>, l: string) => Array.from(idx).filter((i) => labels[i] === l).length;
  assert.equal(count(held, 'a'), 15);
  assert.equal(count(held, 'b'), 8);
  assert.equal(count(held, 'c'), 3);
});

test('the same seed gives the same split and another seed a different one', () => {
  assert.deepEqual(stratifiedSplit(labels, 0.25, 1), stratifiedSplit(labels, 0.25, 1));
  assert.notDeepEqual(stratifiedSplit(labels, 0.25, 1).test, stratifiedSplit(labels, 0.25, 2).test);
});

test('a class with two rows keeps one on each side', () => {
  const { train, test: held } = stratifiedSplit(['x', 'x', 'y', 'y', 'y', 'y'], 0.1, 3);
  assert.equal(held.filter((i) => i < 2).length, 1);
  assert.equal(train.filter((i) => i < 2).length, 1);
});

test('k folds are disjoint, cover all indices, balanced in size and stratified', () => {
  const folds = kFold(labels, 5, 11);
  assert.equal(folds.length, 5);
  const all = folds.flat();
  assert.equal(all.length, labels.length);
  assert.equal(new Set(all).size, labels.length);
  for (const f of folds) {
    assert.equal(f.length, 20);
    assert.equal(f.filter((i) => labels[i] === 'a').length, 12);
    assert.equal(f.filter((i) => labels[i] === 'c').length, 2);
  }
});

test('a test fraction outside (0, 1) is a BAD_ARGUMENT', () => {
  assert.throws(() => stratifiedSplit(labels, 1, 0), /between 0 and 1/);
});
