/**
 * Texts of 10k, 50k and 100k tokens through the real CLI bundle: no crash (a long --text once overflowed ORT's native
 * stack), `activations` says what its --max-length cut kept, `classify` scores every token and says so.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GemmaTokenizer } from '../../../src/core/model/tokenizer';
import { trainProbeRun } from '../../../src/core/probes';
import { buildBundle, repoRoot } from '../worker/buildBundle';
import { runCli, type CliRun } from './runCli';

const MODEL = join(repoRoot, 'models/tiny-gemma2');

/** "vote " is one token of the tiny model: n words + <bos> = n + 1 tokens. */
const votes = (n: number) => 'vote '.repeat(n);

type Run = CliRun;

describe('long texts through the CLI bundle', () => {
  let bundle: Awaited<ReturnType<typeof buildBundle>>;
  let tmp: string;
  let probe: string;
  let tokenizer: GemmaTokenizer;
  const cli = (...args: string[]): Promise<Run> => runCli(bundle.path, args, { cwd: tmp });
  const json = <T>(r: Run): T => {
    assert.equal(r.signal, null, `killed by ${r.signal}`);
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    const lines = r.stdout.split('\n').filter((l) => l);
    assert.equal(lines.length, 1);
    return JSON.parse(lines[0]!) as T;
  };
  const file = (name: string, text: string) => {
    const p = join(tmp, name);
    writeFileSync(p, text);
    return p;
  };

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'ps-cli-long-'));
    bundle = await buildBundle('cli');
    tokenizer = await GemmaTokenizer.load(MODEL);
    probe = (
      await trainProbeRun({
        modelDir: MODEL,
        dataPath: join(repoRoot, 'examples/span-sentiment.jsonl'),
        layer: 1,
        probe: 'attention',
        heads: 2,
        steps: 10,
        seed: 0,
        executionProvider: 'cpu',
        cacheDir: join(tmp, 'cache'),
        outDir: join(tmp, 'probe'),
      })
    ).outDir;
  });
  after(() => {
    bundle?.remove();
    rmSync(tmp, { recursive: true, force: true });
  });

  for (const n of [10_000, 50_000, 100_000]) {
    test(`activations on a ${n / 1000}k-token text keeps its --max-length tokens and says what they cover`, async () => {
      const text = votes(n);
      // 10k tokens (50 KB) go on the command line, where the crash was; longer texts exceed Linux's 128 KiB per argument.
      const source = n <= 10_000 ? ['--text', text] : ['--text-file', file(`a${n}.txt`, text)];
      const r = await cli('activations', '--model', MODEL, '--layers', '1', '--max-length', '256', ...source);
      const out = json<{
        tokens: { start: number; end: number }[];
        layers: Record<string, number[][]>;
        truncated: object;
      }>(r);
      assert.equal(out.tokens.length, 256);
      assert.equal(out.layers['1']!.length, 256);
      const kept = tokenizer.encode(text).slice(0, 256);
      assert.deepEqual(out.truncated, { tokens: 256, coveredChars: kept.at(-1)!.end });
      assert.equal(out.tokens.at(-1)!.end, kept.at(-1)!.end);
      assert.match(r.stderr, new RegExp(`the text has ${tokenizer.encode(text).length} tokens; truncated to 256`));
    });
  }

  test('a --max-length beyond max_position_embeddings (512 here) is refused by activations and train, naming the limit', async () => {
    const data = join(repoRoot, 'examples/span-sentiment.jsonl');
    const runs = [
      await cli('activations', '--model', MODEL, '--layers', '1', '--max-length', '513', '--text', votes(600)),
      await cli(
        'train',
        '--model',
        MODEL,
        '--data',
        data,
        '--layer',
        '1',
        '--probe',
        'mean',
        '--max-length',
        '513',
        '--out',
        join(tmp, 'too-long'),
        '--cache-dir',
        join(tmp, 'cache'),
        '--execution-provider',
        'cpu',
      ),
    ];
    for (const r of runs) {
      assert.equal(r.status, 2, r.stderr.slice(-2000));
      assert.match(r.stderr, /513 tokens is longer than the model's max_position_embeddings \(512\)/);
      assert.match(r.stderr, /--max-length 512 or less/);
    }
    // At the limit it runs.
    const ok = json<{ tokens: unknown[] }>(
      await cli('activations', '--model', MODEL, '--layers', '1', '--max-length', '512', '--text', votes(600)),
    );
    assert.equal(ok.tokens.length, 512);
  });

  for (const n of [10_000, 50_000, 100_000]) {
    test(`classify scores all ${n / 1000}k tokens of a text and reports the whole text as covered`, async () => {
      const text = votes(n - 4) + 'tea 🫖 time';
      const expected = tokenizer.encode(text);
      const source = n <= 10_000 ? ['--text', text] : ['--text-file', file(`c${n}.txt`, text)];
      const r = await cli('classify', '--probe', probe, '--execution-provider', 'cpu', ...source);
      const out = json<{
        label: string;
        probabilities: Record<string, number>;
        tokens: { id: number; start: number; end: number; attention: number[] }[];
        coverage: {
          tokens: number;
          coveredChars: number;
          windows: number;
          windowTokens: number;
          overlapTokens: number;
        };
      }>(r);
      assert.ok(expected.length >= n, `${expected.length} tokens`);
      assert.equal(out.tokens.length, expected.length);
      assert.equal(out.tokens.at(-1)!.end, text.length);
      const W = out.coverage.windowTokens;
      const O = out.coverage.overlapTokens;
      assert.deepEqual(out.coverage, {
        tokens: expected.length,
        coveredChars: text.length,
        windows: 1 + Math.ceil((expected.length - W) / (W - 1 - O)),
        windowTokens: 512,
        overlapTokens: 128,
      });
      for (let h = 0; h < 2; h++) {
        const sum = out.tokens.reduce((a, t) => a + t.attention[h]!, 0);
        assert.ok(Math.abs(sum - 1) < 1e-6, `head ${h} sums to ${sum}`);
      }
      assert.ok(out.tokens.every((t) => t.attention.every((a) => a >= 0 && Number.isFinite(a))));
      assert.equal(out.label, Object.entries(out.probabilities).sort((a, b) => b[1] - a[1])[0]![0]);
      assert.match(r.stderr, /windows of 512 tokens/);
    });
  }

  test('a text that already starts with <bos> gets no second <bos>, and the CLI says so once', async () => {
    const text = '<bos><start_of_turn>user\nWho won?<end_of_turn>\n';
    const r = await cli('activations', '--model', MODEL, '--layers', '0', '--text', text);
    const out = json<{ tokens: { id: number; text: string; start: number; end: number }[] }>(r);
    assert.deepEqual(out.tokens[0], { id: 2, text: '<bos>', start: 0, end: 5 });
    assert.notEqual(out.tokens[1]!.id, 2);
    assert.equal(r.stderr.match(/already starts with <bos>; no second <bos>/g)?.length, 1);
  });

  test('--text-file is decoded like a dataset: a BOM is dropped, UTF-16 read, invalid UTF-8 refused with its line', async () => {
    const text = 'Voters certified the ballots. Café.';
    const plain = json<{ label: string; tokens: { start: number; end: number }[]; coverage: { coveredChars: number } }>(
      await cli('classify', '--probe', probe, '--text', text),
    );
    const bom = join(tmp, 'bom.txt');
    writeFileSync(bom, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]));
    const u16 = join(tmp, 'u16.txt');
    writeFileSync(u16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    for (const f of [bom, u16]) {
      const r = json<typeof plain>(await cli('classify', '--probe', probe, '--text-file', f));
      assert.deepEqual(r.tokens, plain.tokens, f);
      assert.equal(r.coverage.coveredChars, text.length);
    }
    const legacy = join(tmp, 'cp1252.txt');
    writeFileSync(legacy, Buffer.from(`first line\n${text}`, 'latin1'));
    const r = await cli('classify', '--probe', probe, '--text-file', legacy);
    assert.equal(r.status, 2);
    assert.match(
      r.stderr.trim(),
      /^probescope: error: --text-file: .*cp1252\.txt is not valid UTF-8 \(byte 0xE9 on line 2\)/,
    );
  });

  test('--text and --text-file together are refused with one error line', async () => {
    const r = await cli('classify', '--probe', probe, '--text', 'x', '--text-file', file('x.txt', 'x'));
    assert.equal(r.status, 2);
    assert.match(r.stderr.trim(), /^probescope: error: Give --text or --text-file, not both/);
  });
});
