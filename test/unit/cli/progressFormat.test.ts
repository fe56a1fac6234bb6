/** stderr progress lines of the CLI: what they say, and that the throttle drops only unimportant repeats. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Throttle, formatProgress, formatStep } from '../../../src/cli/progressFormat';

test('a progress line shows phase, counts, percent, rate, eta and message', () => {
  assert.equal(
    formatProgress({ phase: 'extract', done: 30, total: 120, rate: 2.5, etaSeconds: 36, message: 'layer 3' }),
    '[extract] 30/120 25% · 2.50/s · eta 36s · layer 3',
  );
  assert.equal(formatProgress({ phase: 'download', done: 5, total: 5, etaSeconds: 0 }), '[download] 5/5 100%');
  assert.equal(
    formatProgress({ phase: 'train', done: 10, total: 200, etaSeconds: 3725 }),
    '[train] 10/200 5% · eta 1h 2m',
  );
});

test('a training step line shows losses and validation accuracy when present', () => {
  assert.equal(formatStep({ step: 7, trainLoss: 0.693147 }), '[step 7] train loss 0.6931');
  assert.equal(
    formatStep({ step: 50, trainLoss: 0.1, valLoss: 0.25, valAccuracy: 0.9 }),
    '[step 50] train loss 0.1000 · val loss 0.2500 · val acc 0.900',
  );
});

test('the throttle lets one line per key through per interval, and every important one', () => {
  const t = new Throttle(60_000);
  assert.equal(t.allow('extract', false), true);
  assert.equal(t.allow('extract', false), false);
  assert.equal(t.allow('train', false), true, 'keys are throttled separately');
  assert.equal(t.allow('extract', true), true, 'important lines always pass');
});
