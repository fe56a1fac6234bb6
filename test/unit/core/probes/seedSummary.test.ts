import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarizeSeeds } from '../../../../src/core/probes/seedSummary';
import type { SeedRun } from '../../../../src/protocol/types';

const run = (seed: number, accuracy: number, valLoss: number): SeedRun => ({
  seed,
  steps: 10,
  train: { n: 10, accuracy: 1, loss: 0.1 },
  validation: { n: 5, accuracy: 1, loss: valLoss },
  test: { n: 60, accuracy, roc_auc: 0.9 },
});

test('seeds that agree exactly: mean is that value and sd exactly 0 (no float rounding residue)', () => {
  const a = 41 / 60; // 0.6833…: three of them sum to a value whose third is not a/1 in float64
  const s = summarizeSeeds([run(0, a, 0.3), run(1, a, 0.2), run(2, a, 0.4)]);
  assert.equal(s.mean.accuracy, a);
  assert.equal(s.sd.accuracy, 0);
  assert.equal(s.selectedSeed, 1);
  // Different values: sample sd (n − 1).
  const t = summarizeSeeds([run(0, 0.5, 0.3), run(1, 0.7, 0.2)]);
  assert.ok(Math.abs(t.mean.accuracy - 0.6) < 1e-15);
  assert.ok(Math.abs(t.sd.accuracy - Math.sqrt(0.02)) < 1e-15);
});
