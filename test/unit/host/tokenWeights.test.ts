import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ClassifiedToken } from '../../../src/protocol/types';
import {
  BUCKET_COUNT,
  bucketColorId,
  bucketOf,
  combineHeads,
  parseHeadSelection,
  weighTokens,
} from '../../../src/host/overlay/tokenWeights';

const tok = (id: number, text: string, start: number, end: number, attention: number[]): ClassifiedToken => ({
  id,
  text,
  start,
  end,
  attention,
});

// "good movie": <bos> (empty span, attention sink) then two visible tokens.
const tokens = [
  tok(2, '<bos>', 0, 0, [0.9, 0.1]),
  tok(10, 'good', 0, 4, [0.05, 0.6]),
  tok(11, '▁movie', 4, 10, [0.05, 0.3]),
];

test('special tokens with empty spans are skipped and do not set the normalisation', () => {
  const w = weighTokens(tokens, 'sum', 'attention');
  assert.deepEqual(
    w.map((t) => [t.index, t.start, t.end]),
    [
      [1, 0, 4],
      [2, 4, 10],
    ],
  );
  assert.equal(w[0].normalized, 1);
  assert.ok(Math.abs(w[0].weight - 0.65) < 1e-12);
  assert.ok(Math.abs(w[1].normalized - 0.35 / 0.65) < 1e-12);
});

test('sum, max and a single head combine the per-head weights differently', () => {
  assert.ok(Math.abs(combineHeads([0.05, 0.6], 'sum') - 0.65) < 1e-12);
  assert.equal(combineHeads([0.05, 0.6], 'max'), 0.6);
  assert.equal(combineHeads([0.05, 0.6], 0), 0.05);
  const byHead0 = weighTokens(tokens, 0, 'attention');
  assert.equal(byHead0[0].normalized, 1);
  assert.equal(byHead0[1].normalized, 1);
});

test('the largest visible weight lands in the top bucket and zero in bucket 0', () => {
  assert.equal(bucketOf(1), BUCKET_COUNT - 1);
  assert.equal(bucketOf(0), 0);
  assert.equal(bucketOf(0.5), 3);
  assert.equal(bucketOf(Number.NaN), 0);
  const w = weighTokens(tokens, 'sum', 'attention');
  assert.equal(w[0].bucket, BUCKET_COUNT - 1);
  assert.equal(w[1].bucket, bucketOf(0.35 / 0.65));
});

test('mean probes weigh every visible token equally, last-token probes only the last', () => {
  const noAttention = tokens.map((t) => ({ ...t, attention: [] }));
  assert.deepEqual(
    weighTokens(noAttention, 'sum', 'mean').map((t) => t.bucket),
    [BUCKET_COUNT - 1, BUCKET_COUNT - 1],
  );
  assert.deepEqual(
    weighTokens(noAttention, 'sum', 'last').map((t) => t.normalized),
    [0, 1],
  );
});

test('the attentionHeads setting parses sum, max and head numbers and falls back to sum', () => {
  assert.equal(parseHeadSelection('max'), 'max');
  assert.equal(parseHeadSelection('3'), 3);
  assert.equal(parseHeadSelection(2), 2);
  assert.equal(parseHeadSelection('-1'), 'sum');
  assert.equal(parseHeadSelection('heads'), 'sum');
});

test('package.json contributes one theme colour per bucket, for every theme kind, rising in alpha', () => {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
    contributes: { colors: { id: string; defaults: Record<string, string> }[] };
  };
  const colors = pkg.contributes.colors.filter((c) => c.id.startsWith('probescope.attentionBucket'));
  assert.deepEqual(
    colors.map((c) => c.id),
    Array.from({ length: BUCKET_COUNT }, (_, b) => bucketColorId(b)),
  );
  for (const kind of ['dark', 'light', 'highContrast', 'highContrastLight']) {
    const alphas = colors.map((c) => {
      const hex = c.defaults[kind];
      assert.match(hex, /^#[0-9A-F]{8}$/i, `${c.id} ${kind}`);
      return parseInt(hex.slice(7), 16) / 255;
    });
    for (let b = 1; b < alphas.length; b++) assert.ok(alphas[b] > alphas[b - 1], `${kind}: ${alphas.join(', ')}`);
    // The strongest highlight still leaves the text readable (under ~70% cover).
    assert.ok(alphas.at(-1)! < 0.7, `${kind}: ${alphas.at(-1)}`);
  }
});
