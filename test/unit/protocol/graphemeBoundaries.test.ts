/** The ASCII fast path of graphemeBoundaries gives exactly Intl.Segmenter's boundaries (paint units depend on it). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { graphemeBoundaries } from '../../../src/protocol/paintUnits';

function reference(text: string): number[] {
  const out = new Array<number>(text.length + 1).fill(0);
  out[text.length] = 1;
  for (const s of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)) out[s.index] = 1;
  return out;
}

const cases = [
  '',
  'plain ASCII text.',
  'a\r\nb\n\r\r\n',
  'e\u0301 cafe\u0301\u0327!',
  '👩‍💻 and 👍🏽, flags 🇫🇷🇨🇭 x',
  '1\uFE0F\u20E3#\uFE0F\u20E3',
  '\u0600123 \u0600a',
  '한국어 각 text',
  'नमस्ते दुनिया',
  'mixed 東京 e\u0301\r\n👩‍👩‍👧 end\u200d',
  '\u0301leading mark',
  'trailing ZWJ\u200d',
];

test('equals Intl.Segmenter on emoji, combining marks, CRLF, Prepend, Hangul, Indic and mixed texts', () => {
  for (const c of cases) assert.deepEqual(Array.from(graphemeBoundaries(c)), reference(c), JSON.stringify(c));
});

test('equals Intl.Segmenter on pseudo-random mixes of those pieces', () => {
  const pieces = [
    'a',
    ' ',
    '\r',
    '\n',
    '\u0301',
    '\u200d',
    '👩',
    '💻',
    '🇫',
    '🇷',
    '\u0600',
    '1',
    '\uFE0F',
    '\u20E3',
    'ᄀ',
    'ᅡ',
    'ᆨ',
    'न',
    '्',
    'स',
    'é',
  ];
  let seed = 7;
  for (let k = 0; k < 500; k++) {
    let s = '';
    const len = 1 + (k % 25);
    for (let i = 0; i < len; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      s += pieces[seed % pieces.length];
    }
    assert.deepEqual(Array.from(graphemeBoundaries(s)), reference(s), JSON.stringify(s));
  }
});
