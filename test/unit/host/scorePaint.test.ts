/** Diverging score levels centred on the threshold, paint units of multi-piece characters, firing spans and jumps. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ScoredToken } from '../../../src/protocol/tokenScores';
import {
  adjacentSpan,
  firingSpans,
  SCORE_LEVELS,
  scoreLevel,
  scoreUnits,
  topSpans,
} from '../../../src/host/scores/scorePaint';

const tok = (text: string, start: number, end: number, score: number, contribution?: number): ScoredToken => ({
  id: 0,
  text,
  start,
  end,
  score,
  ...(contribution !== undefined ? { contribution } : {}),
  window: 0,
});

test('levels are signed around the threshold and reach the top level at the largest distance', () => {
  assert.equal(scoreLevel(0, 0, 2), 0);
  assert.equal(scoreLevel(2, 0, 2), SCORE_LEVELS);
  assert.equal(scoreLevel(-2, 0, 2), -SCORE_LEVELS);
  assert.equal(scoreLevel(0.1, 0, 2), 1);
  assert.equal(scoreLevel(-1.1, 0, 2), -3);
  // Centred on a threshold of 1: a score of 0.5 is on the negative side.
  assert.equal(scoreLevel(0.5, 1, 2), -1);
  assert.equal(scoreLevel(3, 1, 2), SCORE_LEVELS);
  assert.equal(scoreLevel(5, 0, 0), 0, 'no scale: nothing painted');
  assert.equal(scoreLevel(Number.NaN, 0, 1), 0);
});

test('units: <bos> is skipped, byte-fallback pieces of one character are one unit (mean score, summed contribution)', () => {
  const text = 'ok 😀 no';
  const tokens = [
    tok('<bos>', 0, 0, 9, 0.5),
    tok('ok', 0, 2, 2, 0.2),
    tok('▁', 2, 3, 0, 0),
    tok('<0xF0>', 3, 5, 1, 0.1),
    tok('<0x9F>', 3, 5, 3, 0.1),
    tok('▁no', 5, 8, -4, -0.3),
  ];
  const units = scoreUnits(text, tokens, 0);
  assert.deepEqual(
    units.map((u) => [text.slice(u.start, u.end), u.score, u.level]),
    [
      ['ok', 2, 2],
      [' ', 0, 0],
      ['😀', 2, 2],
      [' no', -4, -4],
    ],
  );
  assert.ok(Math.abs(units[2]!.contribution! - 0.2) < 1e-12);
});

test('firing spans join firing units across whitespace, break on a unit below the threshold; jumps wrap around', () => {
  const text = 'aa bb cc dd ee';
  const s = [1, 2, -1, 3, 0.5];
  const tokens = s.map((v, i) => tok(text.slice(i * 3, i * 3 + 2), i * 3, i * 3 + 2, v));
  const units = scoreUnits(text, tokens, 0);
  const spans = firingSpans(text, units, 0);
  assert.deepEqual(
    spans.map((x) => [text.slice(x.start, x.end), x.peak]),
    [
      ['aa bb', 2],
      ['dd ee', 3],
    ],
  );
  assert.deepEqual(
    firingSpans(text, units, 2.5).map((x) => text.slice(x.start, x.end)),
    ['dd'],
  );
  const cursor = (o: number) => ({ start: o, end: o });
  const selected = (x: { start: number; end: number }) => ({ start: x.start, end: x.end });
  // A cursor at the document's start reaches the span that starts there; from that span selected, the next one.
  assert.equal(adjacentSpan(spans, cursor(0), 'next')!.start, 0, 'the span at the cursor is next');
  assert.equal(adjacentSpan(spans, selected(spans[0]!), 'next')!.start, 9);
  assert.equal(adjacentSpan(spans, cursor(10), 'next')!.start, 0, 'wraps to the first span');
  assert.equal(adjacentSpan(spans, selected(spans[1]!), 'next')!.start, 0, 'from the last span selected: wraps');
  // Previous from a selected span (what a jump leaves: the cursor at its end) is the span before it, not itself.
  assert.equal(adjacentSpan(spans, selected(spans[1]!), 'previous')!.start, 0);
  assert.equal(adjacentSpan(spans, cursor(10), 'previous')!.start, 9, 'a cursor inside a span: that span');
  assert.equal(adjacentSpan(spans, cursor(0), 'previous')!.start, 9, 'wraps to the last span');
  assert.equal(adjacentSpan(spans, cursor(text.length), 'previous')!.start, 9, 'from the document end: the last');
  assert.equal(adjacentSpan(spans, cursor(text.length), 'next')!.start, 0, 'from the document end: wraps');
  assert.equal(adjacentSpan([], cursor(0), 'next'), undefined);
  assert.deepEqual(
    topSpans(spans, 1).map((x) => x.peak),
    [3],
  );
});
