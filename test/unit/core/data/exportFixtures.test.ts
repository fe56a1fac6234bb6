/**
 * Files written the ways researchers export them (test/fixtures/datasets-exports/make_exports.py, real pyarrow and
 * pandas) read to the values the script wrote, through the reader, the panel's streamed scan and its row pages.
 */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { datasetRows, inspectDataset, readDataset } from '../../../../src/core/data';

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
