/**
 * The score panel's note under the plot: the 1 % FPR line's value, the rates achieved, the number of negatives and
 * where the threshold came from; the reason when there is none; and, per probe kind, which per-token score the
 * thresholds are comparable to (attention probes: the value score u, not the contributions).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TokenScoresResult } from '../../../src/protocol/tokenScores';
import { fprNote, pointMeaning } from '../../../src/host/scores/fprNote';

const base = { probe: 'attention', threshold: 0 } as unknown as TokenScoresResult;

test('available: value, FPR, TPR, negatives and source', () => {
  const note = fprNote({
    ...base,
    fprThreshold: {
      available: true,
      source: 'rebuilt test split',
      targetFpr: 0.01,
      class: '1',
      value: 2.2252,
      fpr: 0.008,
      tpr: 0.4213,
      negatives: 250,
      positives: 60,
      split: 'test',
    },
  });
  assert.match(note, /Dotted line: 2\.225\b/);
  assert.match(note, /FPR 0\.8 %, TPR 42\.1 %, 250 negatives; rebuilt test split/);
  assert.match(note, /value score u .*contributions.*not on this scale/);
});

test('unavailable: the reason, and no number', () => {
  const note = fprNote({ ...base, probe: 'mean', fprThreshold: { available: false, reason: 'the data changed.' } });
  assert.match(note, /No 1 % FPR line: the data changed\.$/);
  assert.doesNotMatch(note, /Dotted line/);
  assert.match(note, /V·x \+ b \(their mean is the document’s logit\)/);
});

test('each probe kind names its per-token score', () => {
  assert.match(pointMeaning('last'), /logit on the text up to that token/);
  assert.match(pointMeaning('mean'), /mean is the document’s logit/);
  assert.match(pointMeaning('attention'), /value score/);
});
