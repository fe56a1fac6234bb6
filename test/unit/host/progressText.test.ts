import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeProgress } from '../../../src/host/training/progressText';

test('extraction progress reads done/total, percent, examples per second and ETA', () => {
  const line = describeProgress({
    progressId: 'p',
    phase: 'extract',
    done: 120,
    total: 400,
    rate: 35,
    etaSeconds: 7.2,
  });
  assert.equal(line, 'extract 120/400 (30%) · 35.0 examples/s · ETA 8s');
});

test('download progress shows MB/s and long ETAs in minutes', () => {
  const line = describeProgress({
    progressId: 'p',
    phase: 'download',
    done: 5e6,
    total: 2e7,
    rate: 2.5e6,
    etaSeconds: 125,
  });
  assert.equal(line, 'download 5.0/20.0 MB (25%) · 2.5 MB/s · ETA 2m 5s');
});
