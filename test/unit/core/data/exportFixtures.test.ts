/**
 * Files written the ways researchers export them (test/fixtures/datasets-exports/make_exports.py, real pyarrow and
 * pandas) read to the values the script wrote, through the reader, the panel's streamed scan and its row pages.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { datasetRows, inspectDataset, readDataset } from '../../../../src/core/data';
import { ProbescopeError } from '../../../../src/core/errors';

const DIR = resolve(__dirname, '../../../fixtures/datasets-exports');
const TEXTS = ['good film', 'bad film', 'fine film', 'awful film', 'great film', 'dull film'];

async function labelsEverywhere(file: string, labelField: string): Promise<string[]> {
  const ds = await readDataset(file, { labelField });
  const s = await inspectDataset({ path: file, labelField });
  const page = await datasetRows({ path: file, textField: ds.textField, labelField, offset: 0, limit: 100 });
  assert.deepEqual(
    page.rows.map((r) => r.label),
    ds.labels,
  );
  const counts = new Map<string, number>();
  for (const l of ds.labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  assert.deepEqual(new Map(s.classes.map((c) => [c.label, c.count])), counts);
  return ds.labels;
}

test('pyarrow float32 labels are spelled as pyarrow prints them (0.1, not 0.10000000149011612), canonical as every numeric label', async () => {
  const file = resolve(DIR, 'pyarrow-types.parquet');
  assert.deepEqual(await labelsEverywhere(file, 'f32'), ['0.1', '0.2', '0.1', '0.2', '2.5', '0.0000001']);
  assert.deepEqual((await readDataset(file, { labelField: 'f32' })).texts, TEXTS);
});

test('pyarrow DATE and TIMESTAMP columns are ISO 8601 text (a date at midnight as the day)', async () => {
  const file = resolve(DIR, 'pyarrow-types.parquet');
  assert.deepEqual(await labelsEverywhere(file, 'day'), [
    '2024-01-01',
    '2024-01-02',
    '2024-01-01',
    '2024-01-02',
    '2024-01-01',
    '2024-01-02',
  ]);
  assert.deepEqual((await labelsEverywhere(file, 'ts')).slice(0, 2), ['2024-01-01', '2024-01-01T05:00:00.000Z']);
  // As the text column too.
  const ds = await readDataset(file, { textField: 'ts', labelField: 'f32' });
  assert.equal(ds.texts[1], '2024-01-01T05:00:00.000Z');
});

for (const layout of ['', '-indent']) {
  for (const orient of ['split', 'records', 'index', 'columns', 'table']) {
    test(`pandas to_json(orient="${orient}"${layout ? ', indent=2' : ''}) reads to the frame's rows`, async () => {
      const file = resolve(DIR, `pandas-orient-${orient}${layout}.json`);
      const ds = await readDataset(file);
      assert.deepEqual(ds.texts, TEXTS);
      assert.deepEqual(ds.labels, ['1', '0', '1', '0', '1', '0']);
      // The same table with only the usable columns stored (a large file's one-off read).
      const { readDatasetConfig } = await import('../../../../src/core/data/readDataset');
      readDatasetConfig.memoMaxBytes = 0;
      try {
        assert.deepEqual((await readDataset(file)).texts, TEXTS);
      } finally {
        readDatasetConfig.memoMaxBytes = 64 * 2 ** 20;
      }
      assert.deepEqual(await labelsEverywhere(file, 'label'), ds.labels);
      const note = ds.warnings.find((w) => w.kind === 'parse')?.message ?? '';
      if (orient === 'split') assert.match(note, /orient="split"/);
      if (orient === 'index') assert.match(note, /orient="index"/);
      if (orient === 'table') assert.match(note, /records under "data" \("schema" beside it is not rows\)/);
    });
  }

  test(`pandas to_json(orient="values"${layout ? ', indent=2' : ''}) is refused in one line naming orient="records"`, async () => {
    const file = resolve(DIR, `pandas-orient-values${layout}.json`);
    for (const read of [() => readDataset(file), () => inspectDataset({ path: file })])
      await assert.rejects(read(), (e: unknown) => {
        assert.ok(e instanceof ProbescopeError && e.code === 'DATASET_INVALID', String(e));
        assert.match(e.message, /item 1: an array, not a record: .*orient="values".*orient="records", lines=True/);
        assert.equal(e.message.split('\n').length, 1);
        return true;
      });
  });
}

test('json: records under "data" beside metadata ({"version": …, "data": [...]}) are read, with a note', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ps-wrap-'));
  const rows = TEXTS.map((text, i) => ({ text, label: i % 2 }));
  const one = join(dir, 'wrapped.json');
  writeFileSync(one, JSON.stringify({ version: '1.0', data: rows }));
  const pretty = join(dir, 'wrapped-pretty.json');
  writeFileSync(pretty, JSON.stringify({ data: rows }, null, 2));
  for (const file of [one, pretty]) {
    const ds = await readDataset(file);
    assert.deepEqual(ds.texts, TEXTS);
    assert.deepEqual(ds.labels, ['0', '1', '0', '1', '0', '1']);
    assert.deepEqual(await labelsEverywhere(file, 'label'), ds.labels);
  }
  assert.ok(
    (await readDataset(one)).warnings.some(
      (w) => w.message === 'Read the records under "data" ("version" beside it is not rows).',
    ),
  );
  // A single record stays one row; an object of no table shape is refused saying which shapes are read.
  const single = join(dir, 'single.json');
  writeFileSync(single, '{"text": "only one", "label": 1, "meta": {"a": 1}}');
  assert.deepEqual((await readDataset(single)).texts, ['only one']);
  const odd = join(dir, 'odd.json');
  writeFileSync(odd, '{\n  "version": "1.0",\n  "payload": [1, 2]\n}\n');
  await assert.rejects(
    readDataset(odd),
    /odd\.json: a JSON object with keys "version", "payload" is not a table\. .*orient="records", lines=True/,
  );
});

test('Hugging Face datasets ClassLabel (to_parquet): names noted, labels stay integers, -1 ("no label") skipped', async () => {
  const file = resolve(DIR, 'hf-classlabel.parquet');
  const ds = await readDataset(file);
  assert.equal(ds.textField, 'sentence');
  assert.deepEqual(ds.texts, ['good film', 'bad film', 'fine film', 'great film', 'dull film']);
  assert.deepEqual(ds.labels, ['1', '0', '1', '1', '0']);
  assert.equal(ds.skipped.missingLabel, 1);
  const note =
    '"label" is a Hugging Face ClassLabel (0 = negative, 1 = positive); labels stay the integers, and -1 ("no label") is a missing label.';
  const s = await inspectDataset({ path: file });
  for (const warnings of [ds.warnings, s.warnings]) {
    assert.ok(
      warnings.some((w) => w.kind === 'parse' && w.message === note),
      JSON.stringify(warnings),
    );
    assert.ok(warnings.some((w) => w.kind === 'missing-label' && /Skipped 1 row\(s\) .*row 4/.test(w.message)));
  }
  const page = await datasetRows({ path: file, textField: 'sentence', labelField: 'label', offset: 0, limit: 10 });
  assert.deepEqual(
    page.rows.map((r) => r.label),
    ['1', '0', '1', '', '1', '0'],
  );
  // to_json keeps no metadata: there -1 is a value like any other.
  assert.deepEqual((await readDataset(resolve(DIR, 'hf-classlabel.jsonl'))).labels, ['1', '0', '1', '-1', '1', '0']);
});

test('a folder of Parquet shards: datasets metadata files beside them are ignored; shards of several splits refused', async () => {
  const { copyFileSync, mkdirSync } = await import('node:fs');
  const root = mkdtempSync(join(tmpdir(), 'ps-hfdir-'));
  const one = join(root, 'train');
  mkdirSync(one);
  copyFileSync(resolve(DIR, 'hf-classlabel.parquet'), join(one, 'train-00000-of-00002.parquet'));
  copyFileSync(resolve(DIR, 'hf-classlabel.parquet'), join(one, 'train-00001-of-00002.parquet'));
  writeFileSync(join(one, 'dataset_info.json'), '{"features": {}}');
  writeFileSync(join(one, 'state.json'), '{}');
  const ds = await readDataset(one);
  assert.equal(ds.texts.length, 10);
  assert.equal((await inspectDataset({ path: one })).rows, 12);
  const mixed = join(root, 'data');
  mkdirSync(mixed);
  copyFileSync(resolve(DIR, 'hf-classlabel.parquet'), join(mixed, 'train-00000-of-00001.parquet'));
  copyFileSync(resolve(DIR, 'hf-classlabel.parquet'), join(mixed, 'test-00000-of-00001.parquet'));
  for (const read of [() => readDataset(mixed), () => inspectDataset({ path: mixed })])
    await assert.rejects(read(), (e: unknown) => {
      assert.ok(e instanceof ProbescopeError && e.code === 'DATASET_INVALID', String(e));
      assert.match(
        e.message,
        /holds the shards of several splits: test \(test-00000-of-00001\.parquet\), train \(train-00000-of-00001\.parquet\)\. A folder dataset is one split/,
      );
      return true;
    });
});

test('a folder of ClassLabel shards: the note is given once, the same -1 rows skipped, in memory, streamed and the panel', async () => {
  const { copyFileSync, mkdirSync } = await import('node:fs');
  const { bothWays } = await import('./streamedWays');
  const { datasetRowsConfig } = await import('../../../../src/core/data/datasetRows');
  const { scanTrainingRows } = await import('../../../../src/core/data/trainingRows');
  const dir = join(mkdtempSync(join(tmpdir(), 'ps-hfshards-')), 'train');
  mkdirSync(dir);
  for (let k = 0; k < 3; k++)
    copyFileSync(resolve(DIR, 'hf-classlabel.parquet'), join(dir, `train-0000${k}-of-00003.parquet`));
  const note =
    'Every shard: "label" is a Hugging Face ClassLabel (0 = negative, 1 = positive); labels stay the integers, and -1 ("no label") is a missing label.';
  const { memory, streamed } = await bothWays(async () => {
    datasetRowsConfig.memoMaxBytes = (
      await import('../../../../src/core/data/readDataset')
    ).readDatasetConfig.memoMaxBytes;
    try {
      const ds = await readDataset(dir);
      const scan = await scanTrainingRows(dir);
      const s = await inspectDataset({ path: dir });
      const page = await datasetRows({ path: dir, textField: 'sentence', labelField: 'label', offset: 8, limit: 4 });
      return {
        warnings: [ds.warnings, scan.ds.warnings, s.warnings].map((w) =>
          w.filter((x) => x.kind === 'parse').map((x) => x.message),
        ),
        labels: [ds.labels, scan.labels.toArray()],
        missing: ds.skipped.missingLabel,
        page: page.rows,
      };
    } finally {
      datasetRowsConfig.memoMaxBytes = 64 * 2 ** 20;
    }
  });
  assert.deepEqual(streamed, memory);
  assert.deepEqual(memory.warnings, [[note], [note], [note]]);
  assert.equal(memory.missing, 3);
  assert.deepEqual(memory.labels[0], memory.labels[1]);
  assert.equal(memory.labels[0].length, 15);
  // Rows 8–11: the second shard's rows 3–6; its row 4 (index 9) is the -1.
  assert.deepEqual(
    memory.page.map((r) => r.label),
    ['1', '', '1', '0'],
  );
});
