/**
 * The --test-data file is read by the dataset rules and options of --data on every route: its warnings (skipped rows)
 * are reported, and a layer sweep reads it with the same --encoding/--delimiter/--quote as each trained probe does.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { layerSweep, trainProbeRun } from '../../../../src/core/probes';

const root = resolve(__dirname, '../../../..');
const work = mkdtempSync(join(tmpdir(), 'ps-testdata-'));
const rows = readFileSync(join(root, 'examples/span-sentiment.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as { text: string; label: number });
const modelDir = join(root, 'models/tiny-gemma2');

/** A cp1252 CSV (é as the single byte 0xE9): not valid UTF-8. */
function cp1252Csv(file: string, rs: { text: string; label: number | string }[]): string {
  const body = ['text,label', ...rs.map((r) => `"${r.text.replace(/"/g, '""')} café",${r.label}`)].join('\r\n');
  writeFileSync(file, Buffer.from(body, 'latin1'));
  return file;
}

test('train --test-data reports the test file’s skipped rows', async () => {
  const trainFile = cp1252Csv(join(work, 'train.csv'), rows.slice(0, 80));
  const testFile = cp1252Csv(join(work, 'test.csv'), [
    ...rows.slice(300, 330),
    { text: 'no label here', label: 'nan' },
  ]);
  const logs: string[] = [];
  const r = await trainProbeRun(
    {
      modelDir,
      dataPath: trainFile,
      testDataPath: testFile,
      encoding: 'cp1252',
      layer: 1,
      probe: 'mean',
      cacheDir: join(work, 'cache'),
      outDir: join(work, 'p-train'),
    },
    { onLog: (m) => logs.push(m) },
  );
  assert.equal(r.test.n, 30);
  assert.ok(
    logs.some((m) => /^Test data: Skipped 1 row\(s\) with no "label"/.test(m)),
    `no test-file warning:\n${logs.join('\n')}`,
  );
});

test('layer sweep with --test-data and --encoding reads the test file as its probes do', async () => {
  const trainFile = cp1252Csv(join(work, 'sweep-train.csv'), rows.slice(0, 80));
  const testFile = cp1252Csv(join(work, 'sweep-test.csv'), rows.slice(300, 330));
  const logs: string[] = [];
  const r = await layerSweep(
    {
      modelDir,
      dataPath: trainFile,
      testDataPath: testFile,
      encoding: 'cp1252',
      layers: [1, 2],
      kinds: [{ probe: 'mean' }],
      cacheDir: join(work, 'cache'),
      outDir: join(work, 'sweep'),
    },
    { onLog: (m) => logs.push(m) },
  );
  assert.equal(r.points.length, 2);
  for (const p of r.points) assert.ok(p.accuracy >= 0 && p.accuracy <= 1);
});

test('a layer sweep says a split warning once, not once per probe', async () => {
  const trainFile = join(work, 'shared-train.jsonl');
  const testFile = join(work, 'shared-test.jsonl');
  const jsonl = (rs: { text: string; label: number }[]) => rs.map((x) => JSON.stringify(x)).join('\n') + '\n';
  writeFileSync(trainFile, jsonl(rows.slice(0, 80)));
  // Three test rows repeat training texts: a given split is used as given, with a warning.
  writeFileSync(testFile, jsonl([...rows.slice(0, 3), ...rows.slice(300, 327)]));
  const logs: string[] = [];
  const r = await layerSweep(
    {
      modelDir,
      dataPath: trainFile,
      testDataPath: testFile,
      layers: [1, 2],
      kinds: [{ probe: 'mean' }, { probe: 'last' }],
      cacheDir: join(work, 'cache'),
      outDir: join(work, 'sweep-shared'),
    },
    { onLog: (m) => logs.push(m) },
  );
  assert.equal(r.points.length, 4);
  const shared = logs.filter((m) => /^warning: 3 test row\(s\) have the same text as a training row/.test(m));
  assert.equal(shared.length, 1, logs.join('\n'));
});

test('--delimiter for a semicolon CSV does not re-parse a TSV test file (its dialect is detected)', async () => {
  const semi = join(work, 'semi.csv');
  writeFileSync(
    semi,
    ['text;label', ...rows.slice(0, 80).map((r) => `"${r.text.replace(/"/g, '""')}";${r.label}`)].join('\n') + '\n',
  );
  const tsv = join(work, 'test.tsv');
  writeFileSync(tsv, ['text\tlabel', ...rows.slice(300, 330).map((r) => `${r.text}\t${r.label}`)].join('\n') + '\n');
  const r = await trainProbeRun({
    modelDir,
    dataPath: semi,
    testDataPath: tsv,
    delimiter: ';',
    layer: 1,
    probe: 'mean',
    cacheDir: join(work, 'cache'),
    outDir: join(work, 'p-semi-tsv'),
  });
  assert.equal(r.test.n, 30);
  // The same extension: the option applies to both files.
  const semiTest = join(work, 'semi-test.csv');
  writeFileSync(
    semiTest,
    ['text;label', ...rows.slice(300, 330).map((r) => `"${r.text.replace(/"/g, '""')}";${r.label}`)].join('\n') + '\n',
  );
  const r2 = await trainProbeRun({
    modelDir,
    dataPath: semi,
    testDataPath: semiTest,
    delimiter: ';',
    layer: 1,
    probe: 'mean',
    cacheDir: join(work, 'cache'),
    outDir: join(work, 'p-semi-semi'),
  });
  assert.equal(r2.test.n, 30);
});

test('--delimiter/--quote reach a gzip test file of the same format, and not a gzip file of another', async () => {
  const { gzipSync } = await import('node:zlib');
  const { planSplits } = await import('../../../../src/core/probes/trainingSplits');
  const { allTexts } = await import('../../../../src/core/data/textSource');
  // Texts wrapped in literal double quotes, read as written with --no-quote (quote: false).
  const quoted = (rs: typeof rows, sep: string) =>
    ['text' + sep + 'label', ...rs.map((r) => `"${r.text.replace(/"/g, "'")}"${sep}${r.label}`)].join('\n') + '\n';
  const trainFile = join(work, 'gz-train.csv');
  writeFileSync(trainFile, quoted(rows.slice(0, 80), ';'));
  const sameGz = join(work, 'gz-test.csv.gz');
  writeFileSync(sameGz, gzipSync(quoted(rows.slice(300, 330), ';')));
  const plan = (dataPath: string, testDataPath: string, delimiter: string) =>
    planSplits(
      {
        modelDir,
        layer: 1,
        probe: 'mean',
        outDir: join(work, 'unused'),
        dataPath,
        testDataPath,
        delimiter,
        quote: false,
      },
      'fast',
      0,
    );
  const p = await plan(trainFile, sameGz, ';');
  const texts = await allTexts(p.texts);
  const testTexts = Array.from(p.test, (i) => texts[i]);
  assert.equal(testTexts.length, 30);
  // --no-quote applied to test.csv.gz as to train.csv: the quotes stay, as in the training texts.
  assert.deepEqual(
    testTexts,
    rows.slice(300, 330).map((r) => `"${r.text.replace(/"/g, "'")}"`),
  );
  // train.csv.gz with --delimiter ';' and a tab-separated test.tsv.gz: the test file keeps its own dialect.
  const gzTrain = join(work, 'gz-train.csv.gz');
  writeFileSync(gzTrain, gzipSync(quoted(rows.slice(0, 80), ';')));
  const tsvGz = join(work, 'gz-test.tsv.gz');
  writeFileSync(tsvGz, gzipSync(quoted(rows.slice(300, 330), '\t')));
  assert.equal((await plan(gzTrain, tsvGz, ';')).test.length, 30);
});

test('--test-data labels spelled like a training class in another case are named in the error', async () => {
  const { planSplits } = await import('../../../../src/core/probes/trainingSplits');
  const jsonl = (file: string, rs: { text: string; label: string }[]) => {
    writeFileSync(file, rs.map((r) => JSON.stringify(r)).join('\n') + '\n');
    return file;
  };
  const names = ['neg', 'pos'];
  const trainFile = jsonl(
    join(work, 'case-train.jsonl'),
    rows.slice(0, 40).map((r) => ({ text: r.text, label: names[r.label] })),
  );
  const testFile = jsonl(
    join(work, 'case-test.jsonl'),
    rows.slice(300, 320).map((r) => ({ text: r.text, label: names[r.label].toUpperCase() })),
  );
  await assert.rejects(
    planSplits(
      { modelDir, layer: 1, probe: 'mean', outDir: join(work, 'unused'), dataPath: trainFile, testDataPath: testFile },
      'fast',
      0,
    ),
    /no training rows: (NEG, POS|POS, NEG) \(training classes: neg, pos\); .* "(NEG|POS)" looks like "(neg|pos)", "(POS|NEG)" looks like "(pos|neg)": labels are compared as written/,
  );
});
