/**
 * The dataset panel's pages of a large file are streamed (no table held): they equal the pages of the memoised table
 * in every format, for plain pages (first, middle, last, past the end) and searches (first and later pages, by text
 * and by label), with labels spelled by the whole column's rule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasetRows } from '../../../../src/core/data';
import { datasetRowsConfig } from '../../../../src/core/data/datasetRows';
import type { DatasetRowsParams } from '../../../../src/protocol/types';
import { FORMATS, Literal, writeTable, type Cell } from './tableFiles';

const dir = mkdtempSync(join(tmpdir(), 'ps-pages-'));

async function both(params: DatasetRowsParams) {
  const saved = datasetRowsConfig.memoMaxBytes;
  try {
    datasetRowsConfig.memoMaxBytes = Infinity;
    const memo = await datasetRows(params);
    datasetRowsConfig.memoMaxBytes = 0;
    const streamed = await datasetRows(params);
    return { memo, streamed };
  } finally {
    datasetRowsConfig.memoMaxBytes = saved;
  }
}

for (const format of FORMATS) {
  test(`${format}: streamed pages equal the memoised table's pages`, async () => {
    const n = 5000; // several read batches
    const text = Array.from({ length: n }, (_, i) => `row ${i} ${i % 97 === 0 ? 'a NEEDLE here' : 'hay'}`);
    const label: Cell[] = Array.from({ length: n }, (_, i) =>
      i % 50 === 3 ? null : format === 'parquet' ? i % 2 : new Literal(i % 3 === 0 ? `${i % 2}.0` : `${i % 2}`),
    );
    const p = await writeTable(dir, `pages-${format}`, { text, label }, format);
    const base = { path: p, textField: 'text', labelField: 'label' };
    const queries: DatasetRowsParams[] = [
      { ...base, offset: 0, limit: 10 },
      { ...base, offset: 2040, limit: 20 }, // across a batch boundary
      { ...base, offset: n - 3, limit: 10 },
      { ...base, offset: n + 5, limit: 10 },
      { ...base, offset: 0, limit: 10, search: 'needle' },
      { ...base, offset: 10, limit: 10, search: 'needle' },
      { ...base, offset: 50, limit: 10, search: 'needle' },
      { ...base, offset: 3, limit: 4, search: '1' },
    ];
    for (const q of queries) {
      const { memo, streamed } = await both(q);
      assert.deepEqual(streamed, memo, JSON.stringify(q));
      if (q.offset < memo.total) assert.ok(streamed.rows.length > 0, JSON.stringify(q));
    }
    const { streamed } = await both({ ...base, offset: 0, limit: 4 });
    assert.deepEqual(
      streamed.rows.map((r) => r.label),
      ['0', '1', '0', ''],
      '0.0 is spelled 0 (the column is numeric); a missing label is empty',
    );
    const hits = await both({ ...base, offset: 0, limit: 3, search: 'needle' });
    assert.deepEqual(
      hits.streamed.rows.map((r) => r.index),
      [0, 97, 194],
    );
    assert.equal(hits.streamed.total, Math.ceil(n / 97));
    datasetRowsConfig.memoMaxBytes = 0;
    try {
      await assert.rejects(datasetRows({ ...base, labelField: 'nope', offset: 0, limit: 1 }), /No column "nope"/);
    } finally {
      datasetRowsConfig.memoMaxBytes = 64 * 2 ** 20;
    }
  });
}
