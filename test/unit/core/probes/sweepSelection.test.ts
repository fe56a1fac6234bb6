import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bestSweepPoint } from '../../../../src/core/probes/sweepSelection';
import type { LayerSweepPoint } from '../../../../src/protocol/types';

const pt = (layer: number, accuracy: number, valAccuracy?: number, valLoss?: number): LayerSweepPoint => ({
  layer,
  probe: 'mean',
  heads: 1,
  accuracy,
  ...(valAccuracy !== undefined ? { valAccuracy, valLoss } : {}),
});

test('Keep Best ranks sweep points by validation accuracy, then validation loss — never by test accuracy', () => {
  const points = [pt(0, 0.95, 0.8, 0.4), pt(1, 0.9, 0.85, 0.5), pt(2, 0.97, 0.85, 0.3)];
  assert.deepEqual(bestSweepPoint(points), { point: points[2], by: 'validation' });
  // The highest test accuracy (layer 0 here) does not win when its validation is lower.
  const b = [pt(0, 0.99, 0.7, 0.2), pt(1, 0.8, 0.9, 0.6)];
  assert.equal(bestSweepPoint(b)!.point.layer, 1);
});

test('without validation scores the choice falls back to test and says so', () => {
  const points = [pt(0, 0.7), pt(1, 0.9), pt(2, 0.8)];
  assert.deepEqual(bestSweepPoint(points), { point: points[1], by: 'test' });
  assert.equal(bestSweepPoint([]), undefined);
});
