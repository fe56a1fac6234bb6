/**
 * Datasets as researchers export them, through the real CLI bundle: the dataset rules reach `train`'s stderr, its
 * JSON (textField, labelField) and probe.json; duplicates cannot leak across the split.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as iconv from 'iconv-lite';
import { createRng } from '../../../src/core/probes/rng';
import { buildBundle, repoRoot } from '../worker/buildBundle';
import { runCli, type CliRun } from './runCli';

const MODEL = join(repoRoot, 'models/tiny-gemma2');
const EXAMPLES = readFileSync(join(repoRoot, 'examples/span-sentiment.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { text: string; label: number });

type Run = CliRun;

describe('dataset exports through the CLI', () => {
  let bundle: Awaited<ReturnType<typeof buildBundle>>;
  let tmp: string;
  const cli = (...args: string[]): Promise<Run> => runCli(bundle.path, args, { cwd: tmp });
  const train = (data: string, out: string, ...extra: string[]) =>
    cli(
      'train',
      '--model',
      MODEL,
      '--data',
      data,
      '--layer',
      '3',
      '--probe',
      'mean',
      '--steps',
      '30',
      '--execution-provider',
      'cpu',
      '--cache-dir',
      join(tmp, 'cache'),
      '--out',
      join(tmp, out),
      ...extra,
    );

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'ps-cli-data-'));
    bundle = await buildBundle('cli');
  });
  after(async () => {
    bundle?.remove();
    await rm(tmp, { recursive: true, force: true });
  });

  test('an Excel semicolon CSV in Windows-1252 with pandas label spellings: refused, then read with --encoding', async () => {
    // Labels as pandas writes a float column with gaps: 0.0 / 1.0 next to 0 / 1, and nan.
    const label = (l: number, i: number) => (i === 7 || i === 9 ? 'nan' : i % 3 === 0 ? `${l}.0` : `${l}`);
    const rows = EXAMPLES.slice(0, 120).map((e, i) => `Classify:;"Café: ${e.text}";${label(e.label, i)}`);
    const p = join(tmp, 'excel.csv');
    writeFileSync(p, iconv.encode(`prompt;completion;label\r\n${rows.join('\r\n')}\r\n`, 'cp1252'));

    const refused = await train(p, 'refused');
    assert.notEqual(refused.status, 0);
    assert.equal(refused.stdout, '');
    const errLines = refused.stderr.split('\n').filter((l) => l.startsWith('probescope: error:'));
    assert.equal(errLines.length, 1);
    assert.match(errLines[0], /excel\.csv line 2: not valid UTF-8 .*--encoding cp1252/);

    const r = await train(p, 'excel-probe', '--encoding', 'cp1252');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
      textField: string;
      labelField: string;
      classes: string[];
      train: { n: number };
      test: { n: number };
    };
    assert.equal(out.textField, 'completion');
    assert.equal(out.labelField, 'label');
    assert.deepEqual(out.classes, ['0', '1'], '0 and 0.0 are one class, 1 and 1.0 another');
    assert.equal(out.train.n + out.test.n, 118, 'the two rows labelled nan are skipped');
    assert.match(r.stderr, /Dataset: Delimiter: semicolon/);
    assert.match(r.stderr, /Dataset: Columns chosen: text "completion", label "label"; passed over "prompt"/);
    assert.match(r.stderr, /Dataset: Skipped 2 row\(s\) with no "label" .*row 8 \(line 9\), row 10 \(line 11\)/);
    const manifest = JSON.parse(readFileSync(join(tmp, 'excel-probe', 'probe.json'), 'utf8')) as {
      training: Record<string, unknown>;
    };
    assert.deepEqual(manifest.training.skippedRows, { emptyText: 0, missingLabel: 2 });
    assert.equal(manifest.training.textField, 'completion');

    // eval's JSON names the columns it read, as train's does.
    const ev = await cli(
      'eval',
      '--probe',
      join(tmp, 'excel-probe'),
      '--data',
      p,
      '--encoding',
      'cp1252',
      '--execution-provider',
      'cpu',
      '--cache-dir',
      join(tmp, 'cache'),
    );
    assert.equal(ev.status, 0, ev.stderr);
    const evOut = JSON.parse(ev.stdout.trim().split('\n').pop()!) as {
      textField: string;
      labelField: string;
      n: number;
    };
    assert.equal(evOut.textField, 'completion');
    assert.equal(evOut.labelField, 'label');
    assert.equal(evOut.n, 118);
  });

  test('rows that each appear twice with random labels: identical texts stay in one split, so test accuracy is chance', async () => {
    const rng = createRng(11);
    const base = EXAMPLES.slice(0, 200).map((e) => ({ text: e.text, label: rng.next() < 0.5 ? 0 : 1 }));
    const p = join(tmp, 'twice.jsonl');
    writeFileSync(p, [...base, ...base].map((r) => JSON.stringify(r)).join('\n') + '\n');
    const r = await train(p, 'twice-probe', '--steps', '200');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
      train: { accuracy: number };
      test: { n: number; accuracy: number };
    };
    assert.match(r.stderr, /Dataset: 200 duplicate text\(s\)/);
    assert.ok(out.test.n >= 96 && out.test.n <= 104, `test rows ${out.test.n}`);
    // Measured: 0.41 with the grouped split; the ungrouped split of the same run scored 0.63 (copies in train).
    assert.ok(out.test.accuracy < 0.58, `test accuracy ${out.test.accuracy} must be near chance (random labels)`);
    const manifest = JSON.parse(readFileSync(join(tmp, 'twice-probe', 'probe.json'), 'utf8')) as {
      training: Record<string, unknown>;
    };
    assert.equal(manifest.training.duplicateTexts, 200);
    assert.equal(manifest.training.splitGroupedByText, true);
  });

  test('activations --data reads a TSV literally (a stray quote swallows nothing) and skips an empty text with a warning', async () => {
    const p = join(tmp, 'notes.tsv');
    const rows = ['text\tlabel', 'she wrote "free" in caps\t1', 'opens "a quote\t0', '   \t1', 'last row\t0'];
    writeFileSync(p, rows.join('\n') + '\n');
    const r = await cli(
      'activations',
      '--model',
      MODEL,
      '--layers',
      '0',
      '--data',
      p,
      '--execution-provider',
      'cpu',
      '--out',
      join(tmp, 'acts'),
    );
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { examples: number };
    assert.equal(out.examples, 3);
    assert.match(r.stderr, /Dataset: Skipped 1 row\(s\) whose "text" is empty or whitespace-only: row 3 \(line 4\)/);
  });
});
