/**
 * Files written by the real libraries researchers export with (test/fixtures/datasets-python/make_fixtures.py:
 * pyarrow 25 in every codec it writes, polars' default ZSTD with a Categorical label, pandas `to_parquet` with an index
 * column and a category label, pandas `to_json(orient="records")`) read to the rows the script wrote.
 */
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet';
import { inspectDataset, readDataset } from '../../../../src/core/data';
import { datasetRows } from '../../../../src/core/data/datasetRows';

const DIR = resolve(__dirname, '../../../fixtures/datasets-python');

// The rows of make_fixtures.py; rows 7 (null) and 8 (blank) have no text and are skipped.
const TEXTS = [
  'I loved this film',
  'Terrible, would not watch again',
  'Café crème — très bien',
  '数据集 测试',
  'multi\nline text',
  'emoji 🎉 party',
  null,
  '  ',
  'plain text 9',
  'she wrote "free" in caps',
  'tab\there',
  'last row',
];
const LABELS = ['pos', 'neg', 'pos', 'neg', 'pos', 'pos', 'neg', 'pos', 'neg', 'neg', 'pos', 'neg'];
const STARS = [5, 1, 4, 2, 5, 5, 1, 3, 2, 1, 4, 2];
const KEPT = [0, 1, 2, 3, 4, 5, 8, 9, 10, 11];

async function codecs(file: string): Promise<string[]> {
  const meta = await parquetMetadataAsync(await asyncBufferFromFile(file));
  return [...new Set(meta.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data!.codec)))];
}

function assertRows(ds: Awaited<ReturnType<typeof readDataset>>, labels = LABELS): void {
  assert.equal(ds.textField, 'text');
  assert.equal(ds.labelField, 'label');
  assert.equal(ds.rowCount, 12);
  assert.deepEqual(
    ds.texts,
    KEPT.map((i) => TEXTS[i]),
  );
  assert.deepEqual(
    ds.labels,
    KEPT.map((i) => labels[i]),
  );
  assert.deepEqual(ds.skipped, { emptyText: 2, missingLabel: 0 });
  assert.ok(ds.warnings.some((w) => w.kind === 'empty-text' && /Skipped 2 row\(s\)/.test(w.message)));
}

describe('datasets written by pyarrow, polars and pandas', () => {
  const pyarrow: [string, string][] = [
    ['snappy', 'SNAPPY'],
    ['gzip', 'GZIP'],
    ['brotli', 'BROTLI'],
    ['zstd', 'ZSTD'],
    ['lz4', 'LZ4_RAW'],
    ['none', 'UNCOMPRESSED'],
  ];
  for (const [name, codec] of pyarrow)
    it(`pyarrow compression="${name}" (${codec}, 3 row groups, dictionary-encoded strings) reads every row`, async () => {
      const file = join(DIR, `pyarrow-${name}.parquet`);
      assert.deepEqual(await codecs(file), [codec]);
      const ds = await readDataset(file);
      assertRows(ds);
      // int64 beyond 2^53 keeps its digits; numbers as labels are spelled as written.
      const uid = await readDataset(file, { labelField: 'uid' });
      assert.equal(uid.labels[0], '9007199254740993');
      assert.equal(uid.labels[9], '9007199254741004');
      const stars = await readDataset(file, { labelField: 'stars' });
      assert.deepEqual(
        stars.labels,
        KEPT.map((i) => String(STARS[i])),
      );
    });

  it('polars write_parquet (default ZSTD) with a Categorical label', async () => {
    const file = join(DIR, 'polars-default.parquet');
    assert.deepEqual(await codecs(file), ['ZSTD']);
    assertRows(await readDataset(file));
  });

  it('pandas to_parquet with an index column (__index_level_0__) and a category label', async () => {
    const file = join(DIR, 'pandas-index.parquet');
    const ds = await readDataset(file);
    assertRows(ds);
    assert.deepEqual(
      ds.columns.map((c) => c.name),
      ['text', 'label', 'stars', 'uid', '__index_level_0__'],
    );
    const summary = await inspectDataset({ path: file });
    assert.equal(summary.textField, 'text');
    assert.deepEqual(summary.classes, [
      { label: 'neg', count: 5 },
      { label: 'pos', count: 5 },
    ]);
    const page = await datasetRows({ path: file, textField: 'text', labelField: 'label', offset: 9, limit: 3 });
    assert.deepEqual(
      page.rows.map((r) => [r.index, r.text, r.label]),
      [
        [9, 'she wrote "free" in caps', 'neg'],
        [10, 'tab\there', 'pos'],
        [11, 'last row', 'neg'],
      ],
    );
  });

  it('pandas to_json(orient="records"): a JSON array with \\u escapes and 17-digit integers', async () => {
    const file = join(DIR, 'pandas-records.json');
    const ds = await readDataset(file);
    assertRows(ds);
    const uid = await readDataset(file, { labelField: 'uid' });
    assert.equal(uid.labels[0], '9007199254740993');
  });
});
