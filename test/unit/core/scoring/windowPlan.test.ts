import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProbescopeError } from '../../../../src/core/errors';
import { planWindows, rowInWindow, windowIds } from '../../../../src/core/scoring/windowPlan';

/** Checks the plan's promises for one document length; returns the windows. */
function checkPlan(n: number, W: number, O: number, bos: boolean) {
  const windows = planWindows(n, { windowTokens: W, overlapTokens: O, bos });
  let next = 0;
  for (const [k, w] of windows.entries()) {
    assert.equal(w.keepFrom, next, `window ${k} keeps from where the previous one stopped`);
    assert.ok(w.end > w.keepFrom, `window ${k} adds tokens`);
    assert.ok(w.end - w.start + (w.withBos ? 1 : 0) <= W, `window ${k} fits ${W} tokens`);
    if (k > 0)
      assert.ok(w.keepFrom - w.start >= Math.min(O, w.keepFrom - (bos ? 1 : 0)), `window ${k} has ≥ O context`);
    // The window where each kept token has the most left context is this one: no earlier window holds it.
    for (let j = 0; j < k; j++) assert.ok(windows[j]!.end <= w.keepFrom);
    next = w.end;
  }
  assert.equal(next, n, 'kept ranges cover every token exactly once');
  return windows;
}

test('windows of 8 tokens with 2 of overlap and a repeated <bos> cover 20 tokens as 0-8, 6-13, 11-18, 16-20', () => {
  const w = checkPlan(20, 8, 2, true);
  assert.deepEqual(
    w.map((x) => [x.start, x.end, x.keepFrom, x.withBos]),
    [
      [0, 8, 0, false],
      [6, 13, 8, true],
      [11, 18, 13, true],
      [16, 20, 18, true],
    ],
  );
  const ids = Array.from({ length: 20 }, (_, i) => 100 + i);
  assert.deepEqual(windowIds(ids, w[1]!), [100, 106, 107, 108, 109, 110, 111, 112]);
  assert.equal(rowInWindow(w[1]!, 8), 3, 'token 8 is row 3 of window 1 (after <bos>, 6, 7)');
});

test('a text that fits one window is one window; no <bos> means no copy', () => {
  assert.deepEqual(planWindows(5, { windowTokens: 8, overlapTokens: 2, bos: true }), [
    { start: 0, end: 5, keepFrom: 0, withBos: false },
  ]);
  assert.deepEqual(
    planWindows(10, { windowTokens: 4, overlapTokens: 1, bos: false }).map((w) => [w.start, w.end, w.withBos]),
    [
      [0, 4, false],
      [3, 7, false],
      [6, 10, false],
    ],
  );
  assert.deepEqual(planWindows(0, { windowTokens: 4, bos: true }), []);
});

test('every length up to 300 and 100,000 tokens is covered exactly, for several window/overlap pairs', () => {
  for (const [W, O] of [
    [2, 0],
    [3, 1],
    [8, 2],
    [16, 4],
    [512, 128],
  ] as const)
    for (const bos of [true, false]) {
      if (bos && O >= W - 1) continue;
      for (let n = 1; n <= 300; n++) checkPlan(n, W, O, bos);
    }
  const big = checkPlan(100_000, 512, 128, true);
  assert.equal(big.length, Math.ceil((100_000 - 512) / (511 - 128)) + 1);
});

test('an overlap that leaves no room for new tokens is refused with BAD_ARGUMENT', () => {
  assert.throws(
    () => planWindows(10, { windowTokens: 4, overlapTokens: 3, bos: true }),
    (e: unknown) => e instanceof ProbescopeError && e.code === 'BAD_ARGUMENT' && /smaller overlap/.test(e.message),
  );
});
