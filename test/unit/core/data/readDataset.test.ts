import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDataset, sortedClasses } from '../../../../src/core/data';
import { ProbescopeError } from '../../../../src/core/errors';

const dir = mkdtempSync(join(tmpdir(), 'ps-data-'));
function file(name: string, content: string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

test('JSONL with numeric labels reads texts and labels as strings, fields auto-detected', async () => {
  const p = file(
    'a.jsonl',
    '{"sentence":"good","target":1}\n\n{"sentence":"bad","target":0}\n{"sentence":"ok","target":1.0}\n',
  );
  const ds = await readDataset(p);
  assert.equal(ds.format, 'jsonl');
  assert.equal(ds.textField, 'sentence');
  assert.equal(ds.labelField, 'target');
  assert.deepEqual(ds.texts, ['good', 'bad', 'ok']);
  assert.deepEqual(ds.labels, ['1', '0', '1']);
});

test('CSV with quoted commas and explicit fields reads every row', async () => {
  const p = file('b.csv', 'id,body,cls\n1,"hello, world",pos\n2,"say ""hi""",neg\n');
  const ds = await readDataset(p, { textField: 'body', labelField: 'cls' });
  assert.equal(ds.format, 'csv');
  assert.deepEqual(ds.texts, ['hello, world', 'say "hi"']);
  assert.deepEqual(ds.labels, ['pos', 'neg']);
  assert.deepEqual(
    ds.columns.map((c) => c.name),
    ['id', 'body', 'cls'],
  );
});

test('invalid JSON names the line number in a DATASET_INVALID error', async () => {
  const p = file('c.jsonl', '{"text":"a","label":0}\n{"text":"b","label":1}\n{"text": oops}\n');
  await assert.rejects(
    readDataset(p),
    (e: unknown) => e instanceof ProbescopeError && e.code === 'DATASET_INVALID' && /line 3/.test(e.message),
  );
});

test('a row without a label is skipped, and the warning counts it and names its row', async () => {
  const p = file('d.jsonl', '{"text":"a","label":0}\n{"text":"b"}\n{"text":"c","label":1}\n');
  const ds = await readDataset(p);
  assert.deepEqual(ds.texts, ['a', 'c']);
  assert.deepEqual(ds.sourceRows, [0, 2]);
  assert.deepEqual(ds.skipped, { emptyText: 0, missingLabel: 1 });
  const w = ds.warnings.find((x) => x.kind === 'missing-label');
  assert.match(w!.message, /Skipped 1 row\(s\) with no "label".*row 2 \(line 2\)/);
});

test('unknown columns give an error listing the available columns', async () => {
  const p = file('e.jsonl', '{"foo":"a","bar":0}\n');
  await assert.rejects(readDataset(p), (e: unknown) => e instanceof ProbescopeError && /foo, bar/.test(e.message));
  await assert.rejects(readDataset(p, { textField: 'foo', labelField: 'nope' }), /no label field "nope"/);
});

test('classes sort naturally: numbers by value, strings alphabetically with numeric runs', () => {
  assert.deepEqual(sortedClasses(['10', '2', '1', '2']), ['1', '2', '10']);
  assert.deepEqual(sortedClasses(['pos', 'neg', 'neutral']), ['neg', 'neutral', 'pos']);
  assert.deepEqual(sortedClasses(['class10', 'class9']), ['class9', 'class10']);
});

test('a changed file is re-read (memo keyed by mtime and size)', async () => {
  const p = file('f.jsonl', '{"text":"a","label":0}\n');
  assert.equal((await readDataset(p)).texts.length, 1);
  writeFileSync(p, '{"text":"a","label":0}\n{"text":"b","label":1}\n');
  assert.equal((await readDataset(p)).texts.length, 2);
});

test('Parquet with string texts and integer labels reads like JSONL', async () => {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const buf = parquetWriteBuffer({
    columnData: [
      { name: 'content', data: ['alpha', 'beta', 'gamma'], type: 'STRING' },
      { name: 'class', data: [2, 10, 2], type: 'INT32' },
    ],
  });
  const p = file('g.parquet', '');
  writeFileSync(p, Buffer.from(buf));
  const ds = await readDataset(p);
  assert.equal(ds.format, 'parquet');
  assert.equal(ds.textField, 'content');
  assert.equal(ds.labelField, 'class');
  assert.deepEqual(ds.texts, ['alpha', 'beta', 'gamma']);
  assert.deepEqual(ds.labels, ['2', '10', '2']);
  assert.deepEqual(sortedClasses(ds.labels), ['2', '10']);
});
