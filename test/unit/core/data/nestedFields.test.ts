/**
 * Fields inside object (JSON object, Parquet struct) and list columns, named with dots as pandas.json_normalize names
 * its flattened columns: `--label-field meta.label`, `--text-field data.text`, `--label-field labels.0`. The same
 * rows, labels and pages in the reader, the large-file read, the streamed training read and the panel.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { datasetRows, inspectDataset, readDataset } from '../../../../src/core/data';
import { datasetRowsConfig } from '../../../../src/core/data/datasetRows';
import { readDatasetConfig } from '../../../../src/core/data/readDataset';
import { scanTrainingRows } from '../../../../src/core/data/trainingRows';
import { allTexts } from '../../../../src/core/data/textSource';
import { ProbescopeError } from '../../../../src/core/errors';

const dir = mkdtempSync(join(tmpdir(), 'ps-nested-'));
const TEXTS = ['alpha', 'beta', 'gamma', 'delta'];
const LABELS = ['x', 'y', 'x', 'y'];
const rows = TEXTS.map((t, i) => ({
  data: { text: t, lang: 'en' },
  meta: { label: LABELS[i], source: { name: `s${i}` } },
  labels: [LABELS[i], 'other'],
}));

async function files(): Promise<string[]> {
  const jl = join(dir, 'nested.jsonl');
  writeFileSync(jl, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const arr = join(dir, 'nested.json');
  writeFileSync(arr, JSON.stringify(rows, null, 2));
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const pq = join(dir, 'nested.parquet');
  writeFileSync(
    pq,
    Buffer.from(
      parquetWriteBuffer({
        columnData: [
          { name: 'data', data: rows.map((r) => r.data) },
          { name: 'meta', data: rows.map((r) => r.meta) },
          { name: 'labels', data: rows.map((r) => r.labels) },
        ],
      }),
    ),
  );
  return [jl, arr, pq];
}

for (const [textField, labelField, labels] of [
  ['data.text', 'meta.label', LABELS],
  ['data.text', 'labels.0', LABELS],
  ['data.text', 'meta.source.name', ['s0', 's1', 's2', 's3']],
] as const) {
  test(`--text-field ${textField} --label-field ${labelField} reads the nested values in every path and format`, async () => {
    for (const file of await files()) {
      const opts = { textField, labelField };
      const ds = await readDataset(file, opts);
      assert.deepEqual(ds.texts, TEXTS, file);
      assert.deepEqual(ds.labels, labels, file);
      assert.equal(ds.labelField, labelField);
      readDatasetConfig.memoMaxBytes = 0;
      try {
        assert.deepEqual((await readDataset(file, opts)).labels, labels, `${file} (large-file read)`);
      } finally {
        readDatasetConfig.memoMaxBytes = 64 * 2 ** 20;
      }
      const tr = await scanTrainingRows(file, opts);
      assert.deepEqual(await allTexts(tr.texts), TEXTS);
      assert.deepEqual(tr.labels.toArray(), labels);
      const s = await inspectDataset({ path: file, ...opts });
      assert.equal(
        s.classes.reduce((a, c) => a + c.count, 0),
        4,
      );
      for (const memo of [64 * 2 ** 20, 0]) {
        datasetRowsConfig.memoMaxBytes = memo;
        try {
          const page = await datasetRows({ path: file, ...opts, offset: 1, limit: 2 });
          assert.deepEqual(page.rows, [
            { index: 1, text: 'beta', label: labels[1] },
            { index: 2, text: 'gamma', label: labels[2] },
          ]);
        } finally {
          datasetRowsConfig.memoMaxBytes = 64 * 2 ** 20;
        }
      }
    }
  });
}

test('without a field, an object column is pointed at with the dotted spelling; a path into nothing is refused', async () => {
  for (const file of await files()) {
    for (const read of [() => readDataset(file), () => inspectDataset({ path: file })])
      await assert.rejects(read(), (e: unknown) => {
        assert.ok(e instanceof ProbescopeError && e.code === 'DATASET_INVALID', String(e));
        assert.match(
          e.message,
          /cannot tell which column is the text \(columns: data, meta, labels\)\. Pass --text-field NAME\. "data", "meta", "labels" hold objects or lists: name a field inside with a dot \(--text-field data\.NAME\)\./,
        );
        return true;
      });
    await assert.rejects(
      readDataset(file, { textField: 'data.text', labelField: 'meta.nothing' }),
      /no usable rows: every row lacks a text \("data\.text"\) or a label \("meta\.nothing"\)/,
    );
    await assert.rejects(
      readDataset(file, { textField: 'nothing.text' }),
      /no text field "nothing\.text"\. Columns: data, meta, labels\./,
    );
  }
});
