/**
 * Reading a large file for training stores only the columns it can use (the given fields, or every column named like
 * a text or a label when choosing automatically), and gives exactly the examples of the whole table.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasetFromTable, loadTable, readDataset } from '../../../../src/core/data';
import { readDatasetConfig, usableColumns } from '../../../../src/core/data/readDataset';
import { FORMATS, writeTable } from './tableFiles';

const dir = mkdtempSync(join(tmpdir(), 'ps-usable-'));

for (const format of FORMATS) {
  test(`${format}: a large-file read keeps only usable columns and gives the whole table's examples`, async () => {
    const n = 30;
    const cols = {
      id: Array.from({ length: n }, (_, i) => `id-${i}`),
      prompt: Array.from({ length: n }, () => 'Classify:'),
      completion: Array.from({ length: n }, (_, i) => (i === 4 ? ' ' : `completion ${i % 20}`)),
      meta: Array.from({ length: n }, (_, i) => `metadata ${'m'.repeat(50)} ${i}`),
      label: Array.from({ length: n }, (_, i) => (i === 6 ? null : i % 2)),
      split: Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 'test' : 'train')),
    };
    const p = await writeTable(dir, `usable-${format}`, cols, format);
    const whole = await loadTable(p);
    const filtered = await loadTable(p, {}, usableColumns({}));
    assert.deepEqual(filtered.columns, whole.columns, 'every column is still listed with its kind');
    assert.equal(filtered.column('meta').length, 0, 'meta is not stored');
    assert.equal(filtered.column('id').length, 0, 'id is not stored');
    assert.deepEqual([...filtered.column('completion')], [...whole.column('completion')]);
    assert.notEqual(await loadTable(p, {}, usableColumns({})), filtered, 'a filtered read is not memoised');

    const saved = readDatasetConfig.memoMaxBytes;
    readDatasetConfig.memoMaxBytes = 0;
    try {
      for (const opts of [{}, { textField: 'completion', labelField: 'label', splitField: 'split' }]) {
        const ds = await readDataset(p, opts);
        assert.deepEqual(ds, datasetFromTable(whole, opts), JSON.stringify(opts));
      }
      const given = await loadTable(p, {}, usableColumns({ textField: 'meta', labelField: 'label' }));
      assert.equal(given.column('completion').length, 0, 'with both fields given, other candidates are not stored');
      assert.equal(given.column('meta').length, n);
    } finally {
      readDatasetConfig.memoMaxBytes = saved;
    }
  });
}
