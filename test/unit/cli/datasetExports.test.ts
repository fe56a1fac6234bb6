/**
 * Second round of datasets as researchers export them, through the real CLI bundle (train, then eval of the saved
 * probe on the same file): gzip-compressed JSON Lines, pandas orient="split" JSON, a nested label field, an id column
 * as the label, and a spreadsheet. Each reads the same rows as the readers (src/core/data tests), or fails with exit 1
 * and one error line that says what to do.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { buildBundle, repoRoot } from '../worker/buildBundle';
import { errorLines, lastJson, runCli, type CliRun } from './runCli';

const MODEL = join(repoRoot, 'models/tiny-gemma2');
const EXAMPLES = readFileSync(join(repoRoot, 'examples/span-sentiment.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .slice(0, 60)
  .map((l) => JSON.parse(l) as { text: string; label: number });

interface TrainOut {
  textField: string;
  labelField: string;
  classes: string[];
  split: { counts: { train: number; validation: number; test: number } };
}

describe('dataset exports through the CLI (round 2)', () => {
  let bundle: Awaited<ReturnType<typeof buildBundle>>;
  let tmp: string;
  const cli = (...args: string[]): Promise<CliRun> => runCli(bundle.path, args, { cwd: tmp });
  const common = ['--execution-provider', 'cpu', '--cache-dir'];
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
      '20',
      ...common,
      join(tmp, 'cache'),
      '--out',
      join(tmp, out),
      ...extra,
    );
  const evaluate = (probe: string, data: string) =>
    cli('eval', '--probe', join(tmp, probe), '--data', data, ...common, join(tmp, 'cache'));
  const errorLine = (r: CliRun) => {
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, '');
    const lines = errorLines(r);
    assert.equal(lines.length, 1, r.stderr);
    return lines[0];
  };

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'ps-cli-exports-'));
    bundle = await buildBundle('cli');
  });
  after(async () => {
    bundle?.remove();
    await rm(tmp, { recursive: true, force: true });
  });

  test('train.jsonl.gz and pandas orient="split" JSON train and evaluate on all 60 rows', async () => {
    const gz = join(tmp, 'train.jsonl.gz');
    writeFileSync(gz, gzipSync(EXAMPLES.map((e) => JSON.stringify(e)).join('\n') + '\n'));
    const split = join(tmp, 'split.json');
    writeFileSync(
      split,
      JSON.stringify({
        columns: ['text', 'label'],
        index: EXAMPLES.map((_, i) => i),
        data: EXAMPLES.map((e) => [e.text, e.label]),
      }),
    );
    for (const [file, probe] of [
      [gz, 'gz-probe'],
      [split, 'split-probe'],
    ]) {
      const r = await train(file, probe);
      assert.equal(r.status, 0, r.stderr);
      const out = lastJson<TrainOut>(r);
      assert.deepEqual(out.classes, ['0', '1']);
      const c = out.split.counts;
      assert.equal(c.train + c.validation + c.test, 60);
      const ev = await evaluate(probe, file);
      assert.equal(ev.status, 0, ev.stderr);
      assert.equal(lastJson<{ n: number }>(ev).n, 60);
    }
  });

  test('--label-field meta.label trains on a nested label, and eval reads it from the saved probe', async () => {
    const p = join(tmp, 'nested.jsonl');
    writeFileSync(p, EXAMPLES.map((e) => JSON.stringify({ text: e.text, meta: { label: e.label } })).join('\n') + '\n');
    const auto = await train(p, 'nested-auto');
    assert.match(errorLine(auto), /cannot tell which column is the label .*--label-field meta\.NAME/);
    const r = await train(p, 'nested-probe', '--label-field', 'meta.label');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(lastJson<TrainOut>(r).labelField, 'meta.label');
    const ev = await evaluate('nested-probe', p);
    assert.equal(ev.status, 0, ev.stderr);
    const evOut = lastJson<{ n: number; labelField: string }>(ev);
    assert.equal(evOut.labelField, 'meta.label');
    assert.equal(evOut.n, 60);
  });

  test('a nested .jsonl.gz: --split-field meta.split trains on the given split; activations reads data.text without labels', async () => {
    const p = join(tmp, 'nested-split.jsonl.gz');
    const role = (i: number) => (i % 4 === 0 ? 'test' : 'train');
    writeFileSync(
      p,
      gzipSync(
        EXAMPLES.map((e, i) =>
          JSON.stringify({ data: { text: e.text }, meta: { label: e.label, split: role(i) } }),
        ).join('\n') + '\n',
      ),
    );
    const r = await train(
      p,
      'nested-split',
      '--text-field',
      'data.text',
      '--label-field',
      'meta.label',
      '--split-field',
      'meta.split',
    );
    assert.equal(r.status, 0, r.stderr);
    const out = lastJson<TrainOut>(r);
    assert.equal(out.split.counts.test, 15);
    assert.equal(out.split.counts.train + out.split.counts.validation, 45);
    const texts = join(tmp, 'texts.jsonl.gz');
    writeFileSync(texts, gzipSync(EXAMPLES.map((e) => JSON.stringify({ data: { text: e.text } })).join('\n') + '\n'));
    const a = await cli(
      'activations',
      '--model',
      MODEL,
      '--layers',
      '1',
      '--data',
      texts,
      '--text-field',
      'data.text',
      '--execution-provider',
      'cpu',
      '--out',
      join(tmp, 'acts'),
    );
    assert.equal(a.status, 0, a.stderr);
    assert.equal(lastJson<{ examples: number }>(a).examples, 60);
  });

  test('an id column as the label: one error line naming the column and the class count', async () => {
    const p = join(tmp, 'ids.csv');
    writeFileSync(p, 'text,label\n' + EXAMPLES.map((e, i) => `"${e.text}",${1000 + i}`).join('\n') + '\n');
    const r = await train(p, 'ids-probe');
    assert.match(
      errorLine(r),
      /ids\.csv: no test rows: no class has enough rows to put one in the test split \(60 classes in 60 rows; is "label" the class column\?\)/,
    );
    // The dataset's warnings are printed before the refusal, as the panel lists them.
    assert.match(
      r.stderr,
      /Dataset: "label" has 60 different values in 60 rows \(60 of them on a single row\): it looks like an id/,
    );
  });

  test('an Excel workbook is refused naming how to save it as CSV', async () => {
    const p = join(tmp, 'sheet.xlsx');
    writeFileSync(p, 'PK\u0003\u0004');
    assert.match(
      errorLine(await train(p, 'xlsx-probe')),
      /sheet\.xlsx: an Excel workbook is not read; save the sheet as "CSV UTF-8/,
    );
  });
});
