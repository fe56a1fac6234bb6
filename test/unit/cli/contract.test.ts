/**
 * DESIGN.md "CLI contract", checked on the real CLI bundle run as a child process: stdout carries only the JSON result
 * (last line), progress goes to stderr, and bad input exits non-zero with one `probescope: error:` line.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ActivationExtractor } from '../../../src/core/model/extractor';
import { resolveModelFolder } from '../../../src/core/model/modelFolder';
import { buildBundle, repoRoot } from '../worker/buildBundle';
import { runCli, type CliRun } from './runCli';

const MODEL = join(repoRoot, 'models/tiny-gemma2');
const DATA = join(repoRoot, 'examples/span-sentiment.jsonl');
const TEXT = 'Voters certified the ballots. Héllo 😀 wörld!';

type Run = CliRun;

const lines = (s: string) => s.split('\n').filter((l) => l.length > 0);

/** The result of a successful command: stdout is exactly one line, the JSON object. */
function result<T>(r: Run): T {
  assert.equal(r.status, 0, r.stderr);
  const out = lines(r.stdout);
  assert.equal(out.length, 1, `stdout must hold only the JSON result line, got:\n${r.stdout.slice(0, 500)}`);
  return JSON.parse(out[0]!) as T;
}

/** A refused command: non-zero exit, nothing on stdout, one error line on stderr, no stack trace. */
function refusal(r: Run, says: RegExp): void {
  assert.notEqual(r.status, 0, 'bad input must exit non-zero');
  assert.equal(r.stdout, '', 'nothing on stdout for bad input');
  const err = lines(r.stderr);
  assert.equal(err.length, 1, `exactly one stderr line, got:\n${r.stderr}`);
  assert.match(err[0]!, /^probescope: error: /);
  assert.doesNotMatch(err[0]!, /\bat .+:\d+:\d+|internal error|Error: /, 'no stack trace or internal error');
  assert.match(err[0]!, says);
}

describe('CLI contract (DESIGN.md), run on the built bundle', () => {
  let bundle: Awaited<ReturnType<typeof buildBundle>>;
  let tmp: string;
  const cli = (...args: string[]): Promise<Run> => runCli(bundle.path, args, { cwd: tmp, timeoutMs: 120_000 });

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'ps-cli-contract-'));
    bundle = await buildBundle('cli');
  });
  after(async () => {
    bundle?.remove();
    await rm(tmp, { recursive: true, force: true });
  });

  test('activations --layers 0,3,final --text prints tokens with offsets and S×64 states equal to the engine', async () => {
    const r = await cli(
      'activations',
      '--model',
      MODEL,
      '--layers',
      '0,3,final',
      '--text',
      TEXT,
      '--execution-provider',
      'cpu',
    );
    const out = result<{
      tokens: { id: number; text: string; start: number; end: number }[];
      layers: Record<string, number[][]>;
    }>(r);
    assert.deepEqual(Object.keys(out.layers).sort(), ['0', '3', 'final']);

    const ex = await ActivationExtractor.create(await resolveModelFolder(MODEL), [0, 3, 'final'], {
      executionProvider: 'cpu',
      cacheDir: join(tmp, 'engine-cache'),
    });
    try {
      const [own] = await ex.extract([TEXT]);
      assert.deepEqual(
        out.tokens,
        own!.tokens.map(({ id, text, start, end }) => ({ id, text, start, end })),
      );
      const S = own!.tokens.length;
      for (const [key, layer] of [
        ['0', 0],
        ['3', 3],
        ['final', 'final'],
      ] as const) {
        const rows = out.layers[key]!;
        assert.equal(rows.length, S, `layer ${key}: one row per token`);
        const mine = own!.states.get(layer)!;
        let maxDiff = 0;
        rows.forEach((row, t) => {
          assert.equal(row.length, 64, `layer ${key} token ${t}: hidden size 64`);
          row.forEach((v, d) => (maxDiff = Math.max(maxDiff, Math.abs(v - mine[t * 64 + d]!))));
        });
        assert.ok(maxDiff <= 1e-6, `layer ${key}: CLI states differ from the engine's by ${maxDiff}`);
      }
    } finally {
      await ex.dispose();
    }
  });

  test('activations --layers all gives the embeddings, every layer and final', async () => {
    const r = await cli(
      'activations',
      '--model',
      MODEL,
      '--layers',
      'all',
      '--text',
      'hello',
      '--execution-provider',
      'cpu',
    );
    const out = result<{ layers: Record<string, number[][]> }>(r);
    assert.deepEqual(Object.keys(out.layers).sort(), ['0', '1', '2', '3', '4', 'final']);
  });

  const probeDir = () => join(tmp, 'mean-probe');
  const cacheDir = () => join(tmp, 'cache');

  test('train (layer 3, mean probe) prints the contract fields and writes probe.safetensors + probe.json', async () => {
    const r = await cli(
      'train',
      '--model',
      MODEL,
      '--data',
      DATA,
      '--layer',
      '3',
      '--probe',
      'mean',
      '--steps',
      '20',
      '--cache-dir',
      cacheDir(),
      '--execution-provider',
      'cpu',
      '--out',
      probeDir(),
    );
    const out = result<{
      probe: string;
      heads: number;
      layer: number;
      train: { n: number; accuracy: number };
      test: { n: number; accuracy: number; roc_auc: number; f1: number };
      seconds: { extract: number; train: number };
    }>(r);
    assert.equal(out.probe, 'mean');
    assert.equal(out.layer, 3);
    assert.equal(typeof out.heads, 'number');
    assert.equal(out.train.n + out.test.n, 400);
    assert.equal(out.test.n, 100, 'default 25% test split');
    for (const v of [out.train.accuracy, out.test.accuracy, out.test.roc_auc, out.test.f1])
      assert.ok(v >= 0 && v <= 1, `metric ${v} in [0, 1]`);
    assert.ok(out.seconds.extract >= 0 && out.seconds.train > 0);
    assert.ok(existsSync(join(probeDir(), 'probe.safetensors')) && existsSync(join(probeDir(), 'probe.json')));
    assert.ok(lines(r.stderr).length > 0, 'progress is reported on stderr');
  });

  test('eval --probe --data prints n, accuracy and roc_auc', async () => {
    const r = await cli(
      'eval',
      '--probe',
      probeDir(),
      '--data',
      DATA,
      '--cache-dir',
      cacheDir(),
      '--execution-provider',
      'cpu',
    );
    const out = result<{ n: number; accuracy: number; roc_auc: number }>(r);
    assert.equal(out.n, 400);
    assert.ok(out.accuracy > 0.5 && out.accuracy <= 1, `accuracy ${out.accuracy}`);
    assert.ok(out.roc_auc > 0.5 && out.roc_auc <= 1, `roc_auc ${out.roc_auc}`);
  });

  const demoDir = () => join(tmp, 'demo');

  test('demo (default execution provider) trains an attention and a mean probe; attention wins on the test split', async () => {
    const demo = await cli('demo', '--out', demoDir());
    // The GPU probe of 'auto' leaves at most one clear note on stderr, no native (Dawn/Vulkan) warning with a trace.
    const err = lines(demo.stderr);
    assert.ok(err.filter((l) => /^note: using CPU/.test(l)).length <= 1, demo.stderr);
    assert.deepEqual(
      err.filter((l) => /^\s+at |\.cpp:\d+|^Warning: Couldn't load/.test(l)),
      [],
      'no native warnings',
    );
    const out = result<{
      attention: { probe: string; heads: number; test: { accuracy: number; entropy_ratio: number } };
      mean: { probe: string; test: { accuracy: number } };
    }>(demo);
    assert.equal(out.attention.probe, 'attention');
    assert.equal(out.attention.heads, 8);
    assert.equal(out.mean.probe, 'mean');
    assert.ok(
      out.attention.test.accuracy > out.mean.test.accuracy,
      `attention ${out.attention.test.accuracy} vs mean ${out.mean.test.accuracy}`,
    );
    assert.ok(out.attention.test.entropy_ratio > 0 && out.attention.test.entropy_ratio <= 1);
  });

  test('classify prints label, probabilities and per-token attention whose offsets index the text', async () => {
    const probe = join(demoDir(), 'attention');
    const out = result<{
      label: string;
      probabilities: Record<string, number>;
      tokens: { text: string; start: number; end: number; attention: number[] }[];
    }>(await cli('classify', '--probe', probe, '--text', TEXT, '--execution-provider', 'cpu'));
    assert.deepEqual(Object.keys(out.probabilities).sort(), ['0', '1']);
    const total = Object.values(out.probabilities).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - 1) < 1e-5, `probabilities sum to ${total}`);
    assert.ok(out.label in out.probabilities);
    assert.equal(out.label, Object.entries(out.probabilities).sort((a, b) => b[1] - a[1])[0]![0]);

    let covered = 0;
    let prev: { text: string; start: number; end: number } | undefined;
    for (const t of out.tokens) {
      // Byte-fallback pieces of one character (😀 is four) all span that character, as transformers' offsets do.
      const samePiece = prev && /^<0x/.test(prev.text) && /^<0x/.test(t.text) && prev.start === t.start;
      if (samePiece) assert.equal(t.end, prev!.end, `byte pieces at ${t.start} share the character's span`);
      else assert.ok(t.start >= covered && t.start <= t.end && t.end <= TEXT.length, `span ${t.start}..${t.end}`);
      if (/^<0x/.test(t.text)) assert.ok(t.end > t.start, 'a byte piece spans its character');
      else if (!/^<.*>$/.test(t.text)) assert.equal(TEXT.slice(t.start, t.end), t.text.replaceAll('▁', ' '));
      covered = Math.max(covered, t.end);
      prev = t;
      assert.equal(t.attention.length, 8, 'one weight per head');
    }
    assert.equal(covered, TEXT.length, 'the token spans cover the whole text');
    for (let h = 0; h < 8; h++) {
      const sum = out.tokens.reduce((a, t) => a + t.attention[h]!, 0);
      assert.ok(Math.abs(sum - 1) < 1e-4, `head ${h} attention sums to ${sum}`);
    }
  });

  describe('bad input: non-zero exit and one error line saying what to fix', () => {
    test('an unknown command', async () => {
      refusal(await cli('frobnicate'), /unknown command 'frobnicate'.*commands: .*activations/);
    });
    test('an unknown flag', async () => {
      refusal(
        await cli('activations', '--model', MODEL, '--layers', '0', '--text', 'x', '--bogus'),
        /'--bogus'.*--help/,
      );
    });
    test('a missing --model', async () => {
      refusal(await cli('activations', '--layers', '0', '--text', 'x'), /--model.*probescope activations --help/);
    });
    test('a layer beyond the model', async () => {
      refusal(
        await cli(
          'train',
          '--model',
          MODEL,
          '--data',
          DATA,
          '--layer',
          '99',
          '--probe',
          'mean',
          '--out',
          join(tmp, 'x'),
        ),
        /99.*0\.\.4/,
      );
      refusal(await cli('activations', '--model', MODEL, '--layers', '0,99', '--text', 'x'), /99.*0\.\.4/);
    });
    test('a data file that does not exist', async () => {
      const missing = join(tmp, 'no-such-data.jsonl');
      refusal(
        await cli(
          'train',
          '--model',
          MODEL,
          '--data',
          missing,
          '--layer',
          '3',
          '--probe',
          'mean',
          '--out',
          join(tmp, 'y'),
        ),
        new RegExp(`${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*(path|exist|found)`, 'i'),
      );
    });
    test('an empty or whitespace-only text to classify (exit 2: <bos> alone is nothing to classify)', async () => {
      const probe = join(demoDir(), 'attention');
      for (const text of ['', '  \n\t ']) {
        const r = await cli('classify', '--probe', probe, '--text', text, '--execution-provider', 'cpu');
        refusal(r, /Nothing to classify: the text is (empty|whitespace only)/);
        assert.equal(r.status, 2);
      }
    });
    test('a probe folder without probe.json', async () => {
      const empty = join(tmp, 'empty-probe');
      await mkdir(empty, { recursive: true });
      refusal(await cli('eval', '--probe', empty, '--data', DATA), /probe\.json/);
      refusal(await cli('classify', '--probe', empty, '--text', 'x'), /probe\.json/);
    });
  });
});
