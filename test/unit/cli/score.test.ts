/**
 * `probescope score` on the real CLI bundle: one JSON object as the last stdout line with the documented fields
 * (docs/CONTRACTS.md "Token scores"), UTF-16 offsets, --text and --file giving the same result, --window/--stride
 * shaping the windows, and bad input refused with exit 2 and one error line.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { trainProbeRun } from '../../../src/core/probes';
import { buildBundle, repoRoot } from '../worker/buildBundle';

const MODEL = join(repoRoot, 'models/tiny-gemma2');
const TEXT = 'Voters certified the ballots. Héllo 😀 wörld! Critics alleged fraud without evidence.';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}
interface Scored {
  probe: string;
  class: string;
  label: string;
  logit: number;
  threshold: number;
  fprThreshold: { available: boolean; class?: string; value?: number; fpr?: number; split?: string };
  tokens: { text: string; start: number; end: number; score: number; contribution?: number; attention?: number[] }[];
  windows: { start: number; end: number; logit: number }[];
  coverage: { start: number; end: number };
}

describe('probescope score (CLI bundle)', () => {
  let bundle: Awaited<ReturnType<typeof buildBundle>>;
  let tmp: string;
  let probe: string;
  const cli = (...args: string[]): Promise<Run> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [bundle.path, ...args], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  const json = (r: Run): Scored => {
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    const lines = r.stdout.split('\n').filter((l) => l);
    assert.equal(lines.length, 1, 'stdout holds only the JSON line');
    return JSON.parse(lines[0]!) as Scored;
  };
  const refused = (r: Run, says: RegExp) => {
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stdout, '');
    const err = r.stderr.split('\n').filter((l) => l);
    assert.equal(err.length, 1, r.stderr);
    assert.match(err[0]!, /^probescope: error: /);
    assert.match(err[0]!, says);
  };

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'ps-cli-score-'));
    bundle = await buildBundle('cli');
    probe = (
      await trainProbeRun({
        modelDir: MODEL,
        dataPath: join(repoRoot, 'examples/span-sentiment.jsonl'),
        layer: 2,
        probe: 'attention',
        heads: 2,
        steps: 30,
        seed: 1,
        maxLength: 64,
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

  test('prints the documented object; contributions sum to the logit; offsets index the text in UTF-16', async () => {
    const r = json(await cli('score', '--probe', probe, '--text', TEXT, '--execution-provider', 'cpu'));
    assert.equal(r.probe, 'attention');
    assert.equal(r.class, '1');
    assert.equal(r.threshold, 0);
    // The 1 % FPR threshold recorded at training (probe.json fprThresholds) for the scored class.
    const recorded = (JSON.parse(readFileSync(join(probe, 'probe.json'), 'utf8')) as { fprThresholds: object[] })
      .fprThresholds;
    assert.deepEqual(r.fprThreshold, {
      available: true,
      source: 'probe.json',
      ...recorded.find((t) => (t as { class: string }).class === '1'),
    });
    const f = r.fprThreshold as unknown as { fpr: number; value: number };
    assert.ok(f.fpr <= 0.01 && Number.isFinite(f.value));
    assert.deepEqual(r.coverage, { start: 0, end: TEXT.length });
    assert.equal(r.windows.length, 1);
    assert.deepEqual([r.windows[0]!.start, r.windows[0]!.end], [0, TEXT.length]);
    assert.ok(Math.abs(r.windows[0]!.logit - r.logit) < 1e-9);
    const sum = r.tokens.reduce((a, t) => a + t.contribution!, 0);
    assert.ok(Math.abs(sum - r.logit) < 1e-9, `${sum} vs ${r.logit}`);
    assert.equal(r.tokens[0]!.text, '<bos>');
    assert.deepEqual([r.tokens[0]!.start, r.tokens[0]!.end], [0, 0]);
    const emoji = r.tokens.filter((t) => TEXT.slice(t.start, t.end) === '😀');
    assert.ok(emoji.length >= 1, 'the emoji (2 UTF-16 units) is a span of its own');
    for (const t of r.tokens) {
      assert.equal(t.attention!.length, 2);
      assert.ok(Number.isFinite(t.score));
    }
  });

  test('--file reads the same text; a long file is covered by windows set by --window and --stride', async () => {
    const path = join(tmp, 'doc.txt');
    writeFileSync(path, TEXT);
    const a = json(await cli('score', '--probe', probe, '--text', TEXT, '--execution-provider', 'cpu'));
    const b = json(await cli('score', '--probe', probe, '--file', path, '--execution-provider', 'cpu'));
    assert.deepEqual(b, a);
    const long = join(tmp, 'long.txt');
    const text = TEXT.repeat(20);
    writeFileSync(long, text);
    const r = await cli('score', '--probe', probe, '--file', long, '--window', '32', '--stride', '16');
    const w = json(r);
    assert.match(r.stderr, /windows of 32 tokens \(16 new tokens per window\)/);
    assert.deepEqual(w.coverage, { start: 0, end: text.length });
    // windows of 32 = <bos> + 31 tokens; later ones: <bos> + 15 context + 16 new tokens
    assert.equal(w.windows.length, 1 + Math.ceil((w.tokens.length - 32) / 16));
    for (let k = 1; k < w.windows.length; k++)
      assert.ok(w.windows[k]!.start < w.windows[k - 1]!.end, 'windows overlap');
  });

  test('bad input exits 2 with one line that says what to fix', async () => {
    refused(await cli('score', '--probe', probe), /Missing --text \(or --file\)/);
    refused(await cli('score', '--probe', probe, '--text', 'a', '--file', 'x'), /--text or --file, not both/);
    refused(await cli('score', '--probe', probe, '--text', TEXT, '--class', 'maybe'), /no class "maybe".*"0", "1"/);
    refused(await cli('score', '--probe', probe, '--text', TEXT, '--window', '1'), /--window must be an integer/);
    refused(await cli('score', '--probe', probe, '--text', TEXT, '--window', '32', '--stride', '40'), /stride/);
    // The tiny model's config.json: max_position_embeddings 512.
    refused(
      await cli('score', '--probe', probe, '--text', TEXT, '--window', '513'),
      /window of 513 tokens is longer than the model's max_position_embeddings \(512\).*at most 512/,
    );
    json(await cli('score', '--probe', probe, '--text', TEXT, '--window', '512'));
    refused(await cli('score', '--probe', probe, '--file', join(tmp, 'missing.txt')), /--file: cannot read/);
    // A probe whose recorded model folder moved: says so and how to point at it (--model).
    const moved = join(tmp, 'moved-probe');
    cpSync(probe, moved, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(moved, 'probe.json'), 'utf8'));
    manifest.model.dir = join(tmp, 'gone-model');
    writeFileSync(join(moved, 'probe.json'), JSON.stringify(manifest));
    refused(
      await cli('score', '--probe', moved, '--text', TEXT),
      /gone-model, which does not exist any more.*--model DIR/,
    );
    json(await cli('score', '--probe', moved, '--text', TEXT, '--model', MODEL));
    // A cp1252 file names the option this command has (--file), not classify's --text-file.
    writeFileSync(join(tmp, 'cp1252.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    refused(
      await cli('score', '--probe', probe, '--file', join(tmp, 'cp1252.txt')),
      /^probescope: error: --file: .*cp1252\.txt is not valid UTF-8/,
    );
  });
});
