import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LabelCodes } from '../../../../src/core/data/labelCodes';

test('LabelCodes numbers names by first occurrence and gives back every label', () => {
  const labels = ['pos', 'neg', 'pos', 'mid', 'neg', 'pos'];
  const l = LabelCodes.from(labels);
  assert.deepEqual(l.names, ['pos', 'neg', 'mid']);
  assert.deepEqual(Array.from(l.codes), [0, 1, 0, 2, 1, 0]);
  assert.equal(l.length, 6);
  assert.deepEqual(l.toArray(), labels);
  assert.deepEqual([...l], labels);
  assert.deepEqual(
    labels.map((_, i) => l.at(i)),
    labels,
  );
  assert.deepEqual(l.counts(), [3, 2, 1]);
  const classIndex = new Map([
    ['mid', 0],
    ['neg', 1],
    ['pos', 2],
  ]);
  assert.deepEqual(Array.from(l.mapNames((n) => classIndex.get(n)!)), [2, 1, 2, 0, 1, 2]);
});

test('concat joins the names of both parts and keeps every row label', () => {
  const a = LabelCodes.from(['x', 'y', 'x']);
  const b = LabelCodes.from(['z', 'y', 'z', 'x']);
  const c = a.concat(b);
  assert.deepEqual(c.toArray(), ['x', 'y', 'x', 'z', 'y', 'z', 'x']);
  assert.deepEqual(c.names, ['x', 'y', 'z']);
  // The same as coding the joined labels at once (what an in-memory read of both files would give).
  assert.deepEqual(c, LabelCodes.from(c.toArray()));
  assert.equal(LabelCodes.from([]).concat(LabelCodes.from([])).length, 0);
});
