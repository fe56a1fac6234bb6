/**
 * The editor's dataset pickers accept exactly the file types the core readers read (formatOf), plain or gzip: a file
 * the CLI trains on is never refused at the picker, and a refused type is refused by both.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatOf } from '../../../src/core/data/records';
import { DATASET_EXTENSIONS, datasetExtensionProblem } from '../../../src/host/commands/datasetExtensions';

const readable = (f: string) => {
  try {
    formatOf(f);
    return true;
  } catch {
    return false;
  }
};

test('every picker extension is one the readers read, plain and gzip (Parquet: plain only)', () => {
  for (const ext of DATASET_EXTENSIONS) {
    assert.equal(datasetExtensionProblem(`/nowhere/d.${ext}`), undefined, ext);
    assert.ok(readable(`d.${ext}`), ext);
    if (ext !== 'parquet' && ext !== 'pq') assert.ok(readable(`d.${ext}.gz`), `${ext}.gz`);
  }
  assert.ok(readable('d.pq'));
});

test('types the readers refuse are refused at the picker too, naming the file', () => {
  for (const f of ['d.xlsx', 'd.arrow', 'd.pkl', 'd.feather', 'd.zip', 'notes.md', 'noext']) {
    assert.ok(!readable(f), f);
    assert.match(
      datasetExtensionProblem(`/nowhere/${f}`) ?? '',
      new RegExp(`^${f.replace('.', '\\.')} is not a dataset`),
    );
  }
});

test('of common data file types, the picker takes exactly those the readers read', () => {
  const candidates = ['jsonl', 'ndjson', 'json', 'csv', 'tsv', 'tab', 'txt', 'parquet', 'pq', 'xlsx', 'xls', 'arrow'];
  for (const ext of [...candidates, 'feather', 'pkl', 'h5', 'npy', 'zip', 'md', 'yaml', 'xml', 'avro', 'orc'])
    assert.equal((DATASET_EXTENSIONS as readonly string[]).includes(ext), readable(`d.${ext}`), ext);
});
