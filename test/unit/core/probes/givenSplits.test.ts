/**
 * Issue #13 (given splits, reference preset, refit, seeds) and #9 item 6 (tiny classes) on the bundled tiny model:
 * real extraction and training, answers checked against an independent evaluation of the saved probe.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import type { ProbeManifest, TrainProbeParams } from '../../../../src/protocol/types';
import { evaluateProbe, trainProbeRun } from '../../../../src/core/probes';

const root = resolve(__dirname, '../../../..');
const work = mkdtempSync(join(tmpdir(), 'ps-given-'));
const rows = readFileSync(join(root, 'examples/span-sentiment.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as { text: string; label: number });
const jsonl = (file: string, rs: object[]) => {
  writeFileSync(file, rs.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
};
const base: Omit<TrainProbeParams, 'probe' | 'outDir' | 'dataPath'> = {
  modelDir: join(root, 'models/tiny-gemma2'),
  layer: 3,
  cacheDir: join(work, 'cache'),
};
const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'probe.json'), 'utf8')) as ProbeManifest;

const role = (i: number) => (i % 4 === 0 ? 'Test' : i % 10 === 1 ? 'VALIDATION' : 'train');

test('--split-field: trains on the train rows, validates on the given validation rows, tests on the test rows', async () => {
  const data = jsonl(
    join(work, 'split.jsonl'),
    rows.map((r, i) => ({ ...r, split: role(i) })),
  );
  const r = await trainProbeRun({
    ...base,
    dataPath: data,
    splitField: 'split',
    probe: 'mean',
    outDir: join(work, 'p-split'),
  });
  const nTest = rows.filter((_, i) => role(i) === 'Test').length;
  const nVal = rows.filter((_, i) => role(i) === 'VALIDATION').length;
  assert.equal(r.test.n, nTest);
  assert.deepEqual(r.split, {
    source: 'field',
    field: 'split',
    validation: 'given',
    counts: { train: rows.length - nTest - nVal, validation: nVal, test: nTest },
  });
  assert.equal(r.validation!.n, nVal);
  assert.equal(r.refit, undefined, 'a given validation set is not trained on');
  assert.deepEqual(manifestOf(r.outDir).training.split, r.split);
  // The same numbers as evaluating the saved probe on a file of just the test rows.
  const testFile = jsonl(
    join(work, 'split-test.jsonl'),
    rows.filter((_, i) => role(i) === 'Test'),
  );
  const again = await evaluateProbe({ probeDir: r.outDir, dataPath: testFile, cacheDir: base.cacheDir });
  assert.equal(again.accuracy, r.test.accuracy);
  assert.equal(again.roc_auc, r.test.roc_auc);
  // Same resamples: rank metrics agree exactly; log loss and Brier up to float32 logits from other batch shapes.
  assert.deepEqual(Object.keys(again.ci95!), Object.keys(r.test.ci95!));
  for (const [k, [lo, hi]] of Object.entries(r.test.ci95!)) {
    const [lo2, hi2] = again.ci95![k]!;
    assert.ok(Math.abs(lo - lo2) <= 1e-5 && Math.abs(hi - hi2) <= 1e-5, `${k}: [${lo}, ${hi}] vs [${lo2}, ${hi2}]`);
  }
});

test('--test-data: trains on every row of the dataset and tests on the other file', async () => {
  const trainFile = jsonl(join(work, 'train.jsonl'), rows.slice(0, 300));
  const testFile = jsonl(join(work, 'test.jsonl'), rows.slice(300));
  const r = await trainProbeRun({
    ...base,
    dataPath: trainFile,
    testDataPath: testFile,
    probe: 'mean',
    preset: 'reference',
    outDir: join(work, 'p-file'),
  });
  assert.equal(r.test.n, 100);
  assert.equal(r.train.n, 300);
  assert.equal(r.split!.source, 'file');
  assert.equal(r.split!.testData, testFile);
  const again = await evaluateProbe({ probeDir: r.outDir, dataPath: testFile, cacheDir: base.cacheDir });
  assert.equal(again.accuracy, r.test.accuracy);
  assert.deepEqual(again.recall_at_fpr, r.test.recall_at_fpr);
});

test('the reference preset trains on the whole train split; the fast preset validates on ≤ 15 % and refits on all', async () => {
  const data = join(root, 'examples/span-sentiment.jsonl');
  const ref = await trainProbeRun({
    ...base,
    dataPath: data,
    probe: 'attention',
    heads: 2,
    preset: 'reference',
    steps: 30,
    outDir: join(work, 'p-ref'),
  });
  assert.equal(ref.split!.validation, 'none');
  assert.deepEqual(ref.split!.counts, { train: 300, validation: 0, test: 100 });
  assert.equal(ref.validation, undefined);
  assert.equal(manifestOf(ref.outDir).training.nTrain, 300);
  const fast = await trainProbeRun({
    ...base,
    dataPath: data,
    probe: 'attention',
    heads: 2,
    steps: 60,
    outDir: join(work, 'p-fast'),
  });
  assert.deepEqual(fast.split!.counts, { train: 255, validation: 45, test: 100 });
  assert.equal(fast.refit!.rows, 300);
  assert.ok(fast.refit!.steps <= fast.steps);
  assert.equal(manifestOf(fast.outDir).training.refit !== undefined, true);
});

test('--seeds: one probe per seed on the same split, mean ± sd per metric, the best-validation seed saved', async () => {
  const data = join(root, 'examples/span-sentiment.jsonl');
  const r = await trainProbeRun({
    ...base,
    dataPath: data,
    probe: 'attention',
    heads: 2,
    steps: 40,
    seeds: [0, 1, 2],
    outDir: join(work, 'p-seeds'),
  });
  const s = r.seeds!;
  assert.deepEqual(s.seeds, [0, 1, 2]);
  assert.equal(s.runs.length, 3);
  const accs = s.runs.map((x) => x.test.accuracy);
  const mean = accs.reduce((a, b) => a + b, 0) / 3;
  assert.ok(Math.abs(s.mean.accuracy - mean) < 1e-12);
  const sd = Math.sqrt(accs.reduce((a, x) => a + (x - mean) ** 2, 0) / 2);
  assert.ok(Math.abs(s.sd.accuracy - sd) < 1e-12);
  for (const run of s.runs) assert.equal(run.test.n, 100, 'same split for every seed');
  const losses = s.runs.map((x) => x.validation!.loss!);
  assert.equal(s.selectedBy, 'validation loss');
  assert.equal(s.selectedSeed, s.runs[losses.indexOf(Math.min(...losses))].seed);
  const m = manifestOf(r.outDir);
  assert.equal(m.training.seed, s.selectedSeed);
  assert.deepEqual(m.metrics.test, s.runs.find((x) => x.seed === s.selectedSeed)!.test);
  assert.deepEqual(m.metrics.seeds!.seeds, [0, 1, 2]);
  // The saved weights are that seed's: evaluating them gives its test accuracy.
  const testRows = jsonl(join(work, 'seed-test.jsonl'), rows);
  const again = await evaluateProbe({ probeDir: r.outDir, dataPath: testRows, cacheDir: base.cacheDir });
  assert.ok(again.n === 400 && again.accuracy > 0.5);
});

test('many 2–3-row classes: warnings as in the dataset panel, no validation carve-out, null metrics for a class without test rows', async () => {
  // 12 classes of 3 rows, 6 of 2 rows, one of a single row (never in test) = 49 rows.
  const sizes = [...Array<number>(12).fill(3), ...Array<number>(6).fill(2), 1];
  let at = 0;
  const tiny = sizes.flatMap((n, c) => Array.from({ length: n }, () => ({ text: rows[at++]!.text, label: `c${c}` })));
  const logs: string[] = [];
  const r = await trainProbeRun(
    { ...base, dataPath: jsonl(join(work, 'tiny.jsonl'), tiny), probe: 'mean', outDir: join(work, 'p-tiny') },
    { onLog: (m) => logs.push(m) },
  );
  assert.equal(r.split!.validation, 'none');
  assert.equal(r.split!.counts.validation, 0);
  assert.equal(r.split!.counts.train + r.split!.counts.test, 49);
  assert.match(r.split!.validationNote!, /no validation set/);
  assert.ok(
    logs.some((l) => /^warning: Class "c0" has only 3 row\(s\) of 49; its test metrics will be noisy\.$/.test(l)),
    logs.join('\n'),
  );
  assert.ok(logs.some((l) => /^warning: no validation set/.test(l)));
  assert.equal(r.test.per_class_accuracy!.c18, null, 'the one-row class has no test rows');
  assert.equal(typeof r.test.per_class_accuracy!.c0, 'number');
});

test('a Stop during the second of three seeds keeps the trained seeds and saves a probe (never lost work)', async () => {
  const ctrl = new AbortController();
  const r = await trainProbeRun(
    {
      ...base,
      dataPath: join(root, 'examples/span-sentiment.jsonl'),
      probe: 'attention',
      heads: 2,
      steps: 40,
      seeds: [0, 1, 2],
      outDir: join(work, 'p-seeds-stop'),
    },
    { signal: ctrl.signal, onProgress: (e) => /seed 1 \(2\/3\)/.test(e.message ?? '') && ctrl.abort() },
  );
  // The stopped seed (cut short) stays out of mean ± sd and the choice; the complete one is saved.
  assert.deepEqual(
    r.seeds!.runs.map((x) => x.seed),
    [0],
  );
  const m = manifestOf(r.outDir);
  assert.equal(m.training.stoppedByUser, true);
  assert.equal(m.training.seed, 0);
});

test('a given split is taken as given, but texts it shares between train and test/validation are counted and warned about', async () => {
  // Row 0 is a test row; its text is repeated as a train row, and row 1's (validation) text as another train row.
  const split = rows.slice(0, 120).map((r, i) => ({ ...r, split: role(i) }));
  const data = jsonl(join(work, 'split-dup.jsonl'), [
    ...split,
    { ...rows[0], split: 'train' },
    { ...rows[1], split: 'train' },
  ]);
  const logs: string[] = [];
  const r = await trainProbeRun(
    { ...base, dataPath: data, splitField: 'split', probe: 'mean', outDir: join(work, 'p-split-dup') },
    { onLog: (m) => logs.push(m) },
  );
  assert.deepEqual(r.split!.sharedTexts, { test: 1, validation: 1 });
  assert.ok(
    logs.some((m) =>
      /^warning: 1 test row\(s\) and 1 validation row\(s\) have the same text as a training row/.test(m),
    ),
    logs.join('\n'),
  );
  assert.ok(
    !logs.some((m) => /kept in the same split/.test(m)),
    'no claim that a given split keeps duplicates together',
  );
  // A given validation set is not trained on (no refit): the train metrics are the train rows' alone.
  assert.equal(r.train.n, r.split!.counts.train);

  // --test-data: test-file texts that are also training texts.
  const trainFile = jsonl(join(work, 'dup-train.jsonl'), rows.slice(0, 100));
  const testFile = jsonl(join(work, 'dup-test.jsonl'), [...rows.slice(98, 100), ...rows.slice(300, 340)]);
  const logs2: string[] = [];
  const r2 = await trainProbeRun(
    { ...base, dataPath: trainFile, testDataPath: testFile, probe: 'mean', outDir: join(work, 'p-file-dup') },
    { onLog: (m) => logs2.push(m) },
  );
  assert.deepEqual(r2.split!.sharedTexts, { test: 2, validation: 0 });
  assert.ok(
    logs2.some((m) => /^warning: 2 test row\(s\) have the same text as a training row/.test(m)),
    logs2.join('\n'),
  );
});
