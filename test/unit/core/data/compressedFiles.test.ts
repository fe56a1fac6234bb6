/**
 * Compressed datasets as researchers share them: gzip (`train.jsonl.gz`, `data.csv.gz`, as pandas writes by extension)
 * is read in every text format and every path (reader, large-file read, streamed training rows, the panel's scan and
 * pages) to exactly the rows of the plain file; zip, bzip2, xz and zstd, and gzip-compressed Parquet, are refused in
 * one line saying how to decompress. Files written by real pandas: test/fixtures/datasets-exports/make_exports.py.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import * as iconv from 'iconv-lite';
import { datasetRows, inspectDataset, readDataset } from '../../../../src/core/data';
import { readDatasetConfig } from '../../../../src/core/data/readDataset';
import { datasetBytes } from '../../../../src/core/data/records';
import { scanTrainingRows } from '../../../../src/core/data/trainingRows';
import { allTexts } from '../../../../src/core/data/textSource';
import { ProbescopeError } from '../../../../src/core/errors';
import { writeTable } from './tableFiles';

const dir = mkdtempSync(join(tmpdir(), 'ps-gz-'));
const FIXTURES = resolve(__dirname, '../../../fixtures/datasets-exports');
const TEXTS = ['good film', 'bad film', 'fine film', 'awful film', 'great film', 'dull film'];

async function everyPath(file: string, opts: { encoding?: string } = {}) {
  const ds = await readDataset(file, opts);
  readDatasetConfig.memoMaxBytes = 0;
  let big;
  try {
    big = await readDataset(file, opts);
  } finally {
    readDatasetConfig.memoMaxBytes = 64 * 2 ** 20;
  }
  const rows = await scanTrainingRows(file, opts);
  const summary = await inspectDataset({ path: file, ...opts });
  const page = await datasetRows({ path: file, textField: 'text', labelField: 'label', offset: 0, limit: 50, ...opts });
  assert.deepEqual(big.texts, ds.texts);
  assert.deepEqual(await allTexts(rows.texts), ds.texts);
  assert.deepEqual(rows.labels.toArray(), ds.labels);
  assert.equal(summary.rows, ds.rowCount);
  assert.deepEqual(
    page.rows.map((r) => r.text),
    ds.texts,
  );
  return ds;
}

for (const format of ['csv', 'tsv', 'json', 'jsonl'] as const) {
  test(`${format}.gz: read in every path to the rows of the plain file`, async () => {
    const texts = ['Café: "quoted", and; more', 'emoji 🎉', 'third', 'fourth'];
    const plain = await writeTable(dir, `t-${format}`, { text: texts, label: ['a', 'b', 'a', 'b'] }, format);
    const gz = `${plain}.gz`;
    writeFileSync(gz, gzipSync(readFileSync(plain)));
    const want = await readDataset(plain);
    const got = await everyPath(gz);
    assert.deepEqual(got.texts, want.texts);
    assert.deepEqual(got.labels, want.labels);
    assert.deepEqual(got.warnings, want.warnings);
    assert.equal(got.texts[0], texts[0]);
    // The panel's size rule uses the decompressed size (gzip's trailer), not the compressed one.
    assert.equal(await datasetBytes(gz), readFileSync(plain).length);
  });
}

test('pandas to_csv / to_json(lines=True) with a .gz name (compression inferred) read to the frame', async () => {
  for (const name of ['pandas-gzip.csv.gz', 'pandas-gzip.jsonl.gz']) {
    const ds = await everyPath(join(FIXTURES, name));
    assert.deepEqual(ds.texts, TEXTS, name);
    assert.deepEqual(ds.labels, ['1', '0', '1', '0', '1', '0'], name);
  }
});

test('gzip is recognised by its bytes whatever the name; encodings apply inside it', async () => {
  const hidden = join(dir, 'really-gzip.csv');
  writeFileSync(hidden, gzipSync(Buffer.from('text,label\nhello,1\nworld,0\n')));
  assert.deepEqual((await everyPath(hidden)).texts, ['hello', 'world']);
  const latin = join(dir, 'latin.csv.gz');
  writeFileSync(latin, gzipSync(iconv.encode('text,label\ncafé,1\nnaïve,0\n', 'cp1252')));
  await assert.rejects(readDataset(latin), /latin\.csv\.gz line 2: not valid UTF-8.*--encoding cp1252/);
  assert.deepEqual((await everyPath(latin, { encoding: 'cp1252' })).texts, ['café', 'naïve']);
  const utf16 = join(dir, 'excel-unicode.txt.gz');
  writeFileSync(
    utf16,
    gzipSync(Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode('text\tlabel\r\nhé\t1\r\nho\t0\r\n', 'utf-16le')])),
  );
  assert.deepEqual((await everyPath(utf16)).texts, ['hé', 'ho']);
});

test('a truncated gzip file is refused saying so', async () => {
  const p = join(dir, 'cut.jsonl.gz');
  const rows = Array.from({ length: 2000 }, (_, i) =>
    JSON.stringify({ text: `row ${i} ${'x'.repeat(i % 50)}`, label: i % 2 }),
  );
  writeFileSync(p, gzipSync(rows.join('\n')));
  truncateSync(p, Math.floor(readFileSync(p).length / 2));
  for (const read of [() => readDataset(p), () => inspectDataset({ path: p })])
    await assert.rejects(read(), (e: unknown) => {
      assert.ok(e instanceof ProbescopeError && e.code === 'DATASET_INVALID', String(e));
      assert.match(e.message, /^cut\.jsonl\.gz: cannot decompress gzip \(.*\); the file is truncated or not gzip\.$/);
      return true;
    });
});

test('zip, bzip2, xz, zstd and gzip-compressed Parquet are refused in one line naming how to decompress', async () => {
  const cases: [string, Buffer, RegExp][] = [
    ['data.csv.zip', Buffer.from('PK\u0003\u0004rest'), /data\.csv\.zip is a zip archive; .*\(unzip data\.csv\.zip\)/],
    ['data.jsonl.bz2', Buffer.from('BZh91AY'), /is bzip2-compressed; .*\(bunzip2 -k data\.jsonl\.bz2\)/],
    [
      'data.csv.xz',
      Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1]),
      /is xz-compressed; .*\(xz -dk data\.csv\.xz\)/,
    ],
    ['data.jsonl.zst', Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 1]), /is zstd-compressed; .*\(zstd -d data\.jsonl\.zst\)/],
    // Named like a CSV, zipped inside: the bytes decide.
    ['zipped.csv', Buffer.from('PK\u0003\u0004rest'), /zipped\.csv is a zip archive/],
    ['data.parquet.gz', gzipSync(Buffer.from('PAR1')), /gzip-compressed Parquet file; decompress it \(gunzip -k\)/],
  ];
  for (const [name, bytes, message] of cases) {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    for (const read of [() => readDataset(p), () => inspectDataset({ path: p })])
      await assert.rejects(read(), (e: unknown) => {
        assert.ok(e instanceof ProbescopeError && e.code === 'DATASET_INVALID', `${name}: ${String(e)}`);
        assert.match(e.message, message);
        assert.equal(e.message.split('\n').length, 1);
        return true;
      });
  }
});
