/** Synthetic classifications for the attention panel: word-level tokens with per-head softmax attention. */
import type { ClassifiedToken, ClassifyResult } from '../../src/protocol/types';

const WORDS = [
  'the',
  'probe',
  'reads',
  'hidden',
  'states',
  'and',
  'finds',
  'which',
  'tokens',
  'matter',
  'most',
  'here',
];

/** Tokens for `text` split into words and punctuation, after a <bos> with an empty span. */
function tokenize(text: string): { text: string; start: number; end: number }[] {
  const out = [{ text: '<bos>', start: 0, end: 0 }];
  for (const m of text.matchAll(/\w+|[^\s\w]/g)) out.push({ text: m[0], start: m.index!, end: m.index! + m[0].length });
  return out;
}

/** Per-head attention: head h peaks at the tokens `peaks(h)` picks; each head sums to 1 over tokens. */
function withAttention(
  spans: { text: string; start: number; end: number }[],
  heads: number,
  score: (h: number, i: number, t: string) => number,
): ClassifiedToken[] {
  const logits = Array.from({ length: heads }, (_, h) => spans.map((s, i) => score(h, i, s.text)));
  const probs = logits.map((row) => {
    const m = Math.max(...row);
    const e = row.map((x) => Math.exp(x - m));
    const z = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / z);
  });
  return spans.map((s, i) => ({ id: 100 + i, ...s, attention: probs.map((p) => p[i]) }));
}

export function longResult(tokens = 1000, heads = 8): { text: string; result: ClassifyResult } {
  const text = Array.from({ length: tokens - 1 }, (_, i) => WORDS[(i * 5) % WORDS.length]).join(' ');
  const spans = tokenize(text);
  const n = spans.length;
  const result: ClassifyResult = {
    label: 'positive',
    probabilities: { negative: 0.08, neutral: 0.13, positive: 0.79 },
    tokens: withAttention(spans, heads, (h, i) => -(((i - ((h + 0.5) * n) / heads) / 25) ** 2) * 2),
    heads,
    probe: 'attention',
    layer: 3,
  };
  return { text, result };
}

export function reviewResult(): { text: string; result: ClassifyResult } {
  const text =
    'The movie was surprisingly good: the acting felt honest, the score was lovely, and the ending, though a bit slow, was beautiful. I would happily watch it again.';
  const spans = tokenize(text);
  const focus: Record<number, string[]> = {
    0: ['good', 'lovely', 'beautiful'],
    1: ['surprisingly', 'happily'],
    2: ['honest', 'acting'],
    3: ['slow', 'though'],
  };
  const result: ClassifyResult = {
    label: 'positive',
    probabilities: { negative: 0.04, neutral: 0.09, positive: 0.87 },
    tokens: withAttention(spans, 4, (h, i, t) => (focus[h].includes(t) ? 4 : 0) + 0.4 * Math.sin(i * (h + 1))),
    heads: 4,
    probe: 'attention',
    layer: 3,
  };
  return { text, result };
}
