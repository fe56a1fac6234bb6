/**
 * CLI contract of issue #13's flags and fields, on the real CLI bundle: --split-field, --test-data, --preset reference,
 * --seeds, ci95 / recall_at_fpr in train and eval JSON, `probescope compare` with CSV and Markdown export, and the
 * tiny-class warning on stderr (issue #9 item 6).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildBundle, repoRoot } from '../worker/buildBundle';
import { runCli, type CliRun } from './runCli';

const MODEL = join(repoRoot, 'models/tiny-gemma2');
const ROWS = readFileSync(join(repoRoot, 'examples/span-sentiment.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as { text: string; label: number });

type Run = CliRun;
const lines = (s: string) => s.split('\n').filter((l) => l.length > 0);
function result<T>(r: Run): T {
  assert.equal(r.status, 0, r.stderr);
  const out = lines(r.stdout);
  assert.equal(out.length, 1, `stdout must hold only the JSON line, got:\n${r.stdout.slice(0, 300)}`);
  return JSON.parse(out[0]!) as T;
}
function refusal(r: Run, status: number, says: RegExp): void {
  assert.equal(r.status, status, r.stderr);
  assert.equal(r.stdout, '');
  const err = lines(r.stderr).filter((l) => l.startsWith('probescope: error: '));
  assert.equal(err.length, 1, r.stderr);
  assert.match(err[0]!, says);
}

interface Metrics {
  n: number;
  accuracy: number;
  roc_auc: number;
  recall_at_fpr: Record<string, number>;
  ci95: Record<string, [number, number]>;
}
const METRICS = [
  'accuracy',
  'balanced_accuracy',
  'f1',
  'roc_auc',
  'log_loss',
  'brier',
  'recall_at_fpr_0.01',
  'recall_at_fpr_0.05',
];

function checkIntervals(m: Metrics, what: string): void {
  assert.deepEqual(Object.keys(m.recall_at_fpr), ['0.01', '0.05'], what);
  for (const k of METRICS) {
    const ci = m.ci95[k];
    assert.ok(ci && ci.length === 2 && ci[0] <= ci[1], `${what}: ci95.${k} = ${JSON.stringify(ci)}`);
  }
  assert.ok(m.ci95.accuracy![0] <= m.accuracy && m.accuracy <= m.ci95.accuracy![1]);
}

describe('CLI: given splits, intervals, seeds, compare', () => {
  let bundle: Awaited<ReturnType<typeof buildBundle>>;
  let tmp: string;
  const cli = (...args: string[]): Promise<Run> => runCli(bundle.path, args, { cwd: tmp, timeoutMs: 180_000 });
  const file = (name: string, rows: object[]) => {
    const p = join(tmp, name);
    writeFileSync(p, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    return p;
  };
  const common = () => [
    '--model',
    MODEL,
    '--layer',
    '3',
    '--cache-dir',
    join(tmp, 'cache'),
    '--execution-provider',
    'cpu',
  ];

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'ps-cli-eval-'));
    bundle = await buildBundle('cli');
  });
  after(async () => {
    bundle?.remove();
    await rm(tmp, { recursive: true, force: true });
  });

  test('train --split-field --seeds 0,1: the given split, every metric with ci95, mean ± sd, the kept seed', async () => {
    const data = file(
      'split.jsonl',
      ROWS.map((r, i) => ({ ...r, Split: i % 5 === 0 ? 'TEST' : 'train' })),
    );
    const r = await cli(
      'train',
      ...common(),
      '--data',
      data,
      '--probe',
      'mean',
      '--split-field',
      'Split',
      '--seeds',
      '0,1',
      '--out',
      join(tmp, 'a'),
    );
    const out = result<{
      test: Metrics;
      split: { source: string; field: string; validation: string; counts: { test: number } };
      seeds: {
        seeds: number[];
        selectedSeed: number;
        selectedBy: string;
        mean: Record<string, number>;
        sd: Record<string, number>;
        runs: { seed: number; test: Metrics }[];
      };
    }>(r);
    assert.equal(out.test.n, 80);
    checkIntervals(out.test, 'train test');
    assert.deepEqual(
      { source: out.split.source, field: out.split.field, test: out.split.counts.test },
      { source: 'field', field: 'Split', test: 80 },
    );
    assert.equal(out.split.validation, 'carved', 'no validation rows given: the fast preset carves them');
    assert.deepEqual(out.seeds.seeds, [0, 1]);
    assert.ok([0, 1].includes(out.seeds.selectedSeed) && out.seeds.selectedBy === 'validation loss');
    for (const k of ['accuracy', 'roc_auc', 'recall_at_fpr_0.05']) {
      const xs = out.seeds.runs.map((x) =>
        k.startsWith('recall') ? x.test.recall_at_fpr['0.05']! : (x.test[k as 'accuracy'] as number),
      );
      assert.ok(Math.abs(out.seeds.mean[k]! - (xs[0]! + xs[1]!) / 2) < 1e-12, `mean ${k}`);
      assert.ok(Math.abs(out.seeds.sd[k]! - Math.abs(xs[0]! - xs[1]!) / Math.SQRT2) < 1e-12, `sd ${k}`);
    }
    const manifest = JSON.parse(readFileSync(join(tmp, 'a', 'probe.json'), 'utf8'));
    assert.equal(manifest.training.split.field, 'Split');
    assert.equal(manifest.training.seed, out.seeds.selectedSeed);
    assert.equal(manifest.metrics.seeds.runs.length, 2);
  });

  test('train --test-data --preset reference: all dataset rows train, the other file tests; eval prints the same intervals fields', async () => {
    const train = file('train.jsonl', ROWS.slice(0, 320));
    const test = file('test.jsonl', ROWS.slice(320));
    const out = result<{
      train: Metrics;
      test: Metrics;
      split: { source: string; validation: string; counts: Record<string, number> };
    }>(
      await cli(
        'train',
        ...common(),
        '--data',
        train,
        '--test-data',
        test,
        '--probe',
        'mean',
        '--preset',
        'reference',
        '--out',
        join(tmp, 'b'),
      ),
    );
    assert.deepEqual(out.split.counts, { train: 320, validation: 0, test: 80 });
    assert.equal(out.split.source, 'file');
    assert.equal(out.split.validation, 'none');
    const ev = result<Metrics>(
      await cli(
        'eval',
        '--probe',
        join(tmp, 'b'),
        '--data',
        test,
        '--cache-dir',
        join(tmp, 'cache'),
        '--execution-provider',
        'cpu',
      ),
    );
    checkIntervals(ev, 'eval');
    assert.equal(ev.accuracy, out.test.accuracy);
  });

  test('compare --probes A B --data: one row per probe, a paired test, CSV and Markdown files', async () => {
    const data = file('cmp.jsonl', ROWS.slice(300));
    const csv = join(tmp, 'cmp.csv');
    const md = join(tmp, 'cmp.md');
    const out = result<{
      n: number;
      rows: { name: string; kind: string; layer: number; metrics: Metrics }[];
      pairs: {
        a: string;
        b: string;
        differences: Record<
          string,
          { difference: number; ci95: [number, number]; p_value: number; significant: boolean }
        >;
      }[];
    }>(
      await cli(
        'compare',
        '--probes',
        join(tmp, 'a'),
        join(tmp, 'b'),
        '--data',
        data,
        '--csv',
        csv,
        '--markdown',
        md,
        '--cache-dir',
        join(tmp, 'cache'),
        '--execution-provider',
        'cpu',
      ),
    );
    assert.equal(out.n, 100);
    assert.deepEqual(
      out.rows.map((r) => r.name),
      ['a', 'b'],
    );
    for (const r of out.rows) checkIntervals(r.metrics, r.name);
    assert.equal(out.pairs.length, 1);
    const d = out.pairs[0]!.differences.accuracy!;
    assert.ok(Math.abs(d.difference - (out.rows[0]!.metrics.accuracy - out.rows[1]!.metrics.accuracy)) < 1e-12);
    assert.equal(d.significant, d.ci95[0] > 0 || d.ci95[1] < 0);
    assert.ok(d.p_value >= 0 && d.p_value <= 1);
    const csvLines = readFileSync(csv, 'utf8').trim().split('\n');
    assert.equal(csvLines.length, 3);
    assert.match(
      csvLines[0]!,
      /^probe,kind,layer,heads,optimizer,preset,model,n,accuracy,accuracy_ci_lo,accuracy_ci_hi,/,
    );
    assert.match(csvLines[1]!, /^a,mean,3,1,lbfgs,fast,tiny-gemma2,100,/);
    const mdText = readFileSync(md, 'utf8');
    assert.match(mdText, /\| a \| mean \| 3 \| 1 \| lbfgs \| \d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\] \|/);
    assert.match(mdText, /\| a \| b \| accuracy \| -?\d\.\d{3} \| \[/);
    // Comma-separated folders work too.
    const again = result<{ rows: unknown[] }>(
      await cli(
        'compare',
        '--probes',
        `${join(tmp, 'a')},${join(tmp, 'b')}`,
        '--data',
        data,
        '--cache-dir',
        join(tmp, 'cache'),
        '--execution-provider',
        'cpu',
      ),
    );
    assert.equal(again.rows.length, 2);
  });

  test('tiny classes: stderr warns as the dataset panel does and says validation is off', async () => {
    const sizes = [...Array<number>(10).fill(3), ...Array<number>(5).fill(2)];
    let at = 0;
    const rows = sizes.flatMap((n, c) => Array.from({ length: n }, () => ({ text: ROWS[at++]!.text, label: `c${c}` })));
    const r = await cli(
      'train',
      ...common(),
      '--data',
      file('tiny.jsonl', rows),
      '--probe',
      'mean',
      '--out',
      join(tmp, 'c'),
    );
    const out = result<{ split: { validation: string } }>(r);
    assert.equal(out.split.validation, 'none');
    assert.match(r.stderr, /warning: Class "c0" has only 3 row\(s\) of 40; its test metrics will be noisy\./);
    assert.match(r.stderr, /warning: no validation set: /);
  });

  describe('bad input', () => {
    test('a split value other than train/test/validation is named', async () => {
      const data = file(
        'badsplit.jsonl',
        ROWS.slice(0, 40).map((r, i) => ({ ...r, split: i % 4 ? 'train' : i % 8 ? 'test' : 'dev' })),
      );
      refusal(
        await cli(
          'train',
          ...common(),
          '--data',
          data,
          '--probe',
          'mean',
          '--split-field',
          'split',
          '--out',
          join(tmp, 'x'),
        ),
        1,
        /split field "split" holds "dev" \(5 rows, first row 1\); use train, test or validation/,
      );
    });
    test('--seeds must be integers; --split-field and --test-split do not combine; compare needs two probes', async () => {
      refusal(
        await cli('train', ...common(), '--data', file('s.jsonl', ROWS), '--seeds', '0,x', '--out', join(tmp, 'x')),
        2,
        /--seeds must be comma-separated integers/,
      );
      refusal(
        await cli(
          'train',
          ...common(),
          '--data',
          file(
            's2.jsonl',
            ROWS.map((r) => ({ ...r, split: 'train' })),
          ),
          '--split-field',
          'split',
          '--test-split',
          '0.2',
          '--out',
          join(tmp, 'x'),
        ),
        2,
        /--test-split .* cannot be combined with --split-field/,
      );
      refusal(
        await cli('compare', '--probes', join(tmp, 'a'), '--data', file('c.jsonl', ROWS)),
        2,
        /at least two probe folders/,
      );
    });
  });
});
