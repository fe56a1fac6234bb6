/**
 * Byte-fallback pieces and grapheme clusters are painted as one unit with the sum of their pieces' weights, in the
 * editor overlay and in the attention panel alike (real tiny-gemma2 tokenizer: emoji are byte pieces there).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { GemmaTokenizer } from '../../../src/core/model/tokenizer';
import { weighTokens } from '../../../src/host/overlay/tokenWeights';
import { paintUnits, type PaintUnit } from '../../../src/protocol/paintUnits';
import type { ClassifiedToken } from '../../../src/protocol/types';
import { textSegments, headWeights, unitWeight } from '../../../webview/attention/weights';

const MODEL = join(__dirname, '../../../models/tiny-gemma2');
const tokenizer = GemmaTokenizer.load(MODEL);

/** Tokens of `text` with made-up attention: token i gets (i+1)/Z on head 0 and 1/n on head 1. */
async function classified(text: string): Promise<ClassifiedToken[]> {
  const spans = (await tokenizer).encode(text);
  const z = (spans.length * (spans.length + 1)) / 2;
  return spans.map((s, i) => ({ ...s, attention: [(i + 1) / z, 1 / spans.length] }));
}

const unitTexts = (text: string, units: PaintUnit[]) => units.map((u) => text.slice(u.start, u.end));

test('"tea 🫖🫖 time": every byte piece spans its teapot, each teapot is one unit weighing the sum of its 4 pieces', async () => {
  const text = 'tea 🫖🫖 time';
  const tokens = await classified(text);
  const bytes = tokens.filter((t) => /^<0x/.test(t.text));
  assert.equal(bytes.length, 8, 'two teapots of four UTF-8 bytes');
  assert.deepEqual(
    bytes.map((t) => [t.start, t.end]),
    [...Array(4).fill([4, 6]), ...Array(4).fill([6, 8])],
  );
  const w = weighTokens(tokens, 'sum', 'attention', text);
  const pots = w.filter((u) => text.slice(u.start, u.end) === '🫖');
  assert.equal(pots.length, 2);
  for (const pot of pots) {
    assert.equal(pot.pieces.length, 4);
    const sum = pot.pieces.reduce((a, p) => a + tokens[p.index]!.attention[0]! + tokens[p.index]!.attention[1]!, 0);
    assert.ok(Math.abs(pot.weight - sum) < 1e-12, `${pot.weight} vs ${sum}`);
    assert.deepEqual(
      pot.pieces.map((p) => p.weight),
      pot.pieces.map((p) => tokens[p.index]!.attention[0]! + tokens[p.index]!.attention[1]!),
    );
  }
  // Nothing is lost: the painted units carry all attention of the visible tokens.
  const painted = w.reduce((a, u) => a + u.weight, 0);
  const visible = tokens.slice(1).reduce((a, t) => a + t.attention[0]! + t.attention[1]!, 0);
  assert.ok(Math.abs(painted - visible) < 1e-12);
});

test('ZWJ sequences, flags, skin tones and combining accents are one unit each', async () => {
  for (const cluster of ['👩‍💻', '🇨🇭', '👍🏽', '🗳️', 'e\u0301', '👨‍👩‍👧']) {
    const text = `a ${cluster} b`;
    const at = text.indexOf(cluster);
    const units = paintUnits(text, await classified(text));
    const touching = units.filter((u) => u.start < at + cluster.length && u.end > at);
    assert.equal(touching.length, 1, `${JSON.stringify(cluster)} split over ${JSON.stringify(unitTexts(text, units))}`);
    assert.ok(text.slice(touching[0]!.start, touching[0]!.end).includes(cluster));
    assert.ok(touching[0]!.tokens.length >= 2, 'several pieces paint it');
  }
});

test('the attention panel colours a multi-piece character by the sum of its pieces, like the overlay', async () => {
  const text = 'tea 🫖 time';
  const tokens = await classified(text);
  const segs = textSegments(text, tokens);
  assert.equal(segs.map((s) => s.text).join(''), text, 'segments reproduce the text');
  const pot = segs.find((s) => s.text === '🫖')!;
  assert.equal(pot.tokens!.length, 4);
  const w = headWeights(tokens, 'sum');
  const overlay = weighTokens(tokens, 'sum', 'attention', text).find((u) => text.slice(u.start, u.end) === '🫖')!;
  assert.ok(Math.abs(unitWeight(w, pot.tokens!) - overlay.weight) < 1e-12);
});
