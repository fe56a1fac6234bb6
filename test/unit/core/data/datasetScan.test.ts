/**
 * The streamed summary (scanDataset, what inspectDataset shows) equals the rules applied to the whole table
 * (datasetFromTable, what training reads) in every format and at every batch size: the same columns, warnings (same
 * messages and row locators), classes, text lengths, row count and split column, including a choice of columns that
 * the first batch alone would get wrong (a column constant only in the first rows).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasetFromTable, detectSplitColumn, loadTable } from '../../../../src/core/data';
import { scanDataset, textHash } from '../../../../src/core/data/datasetScan';
import { ProbescopeError } from '../../../../src/core/errors';
import { FORMATS, Literal, writeTable, type Cell } from './tableFiles';

const dir = mkdtempSync(join(tmpdir(), 'ps-scan-'));
const L = (s: string) => new Literal(s);

async function compare(p: string, batchRows: number, opts: { textField?: string; labelField?: string } = {}) {
  const table = await loadTable(p);
  const ds = datasetFromTable(table, opts);
  const scan = await scanDataset(p, { ...opts, batchRows });
  const what = `${p} at ${batchRows} row(s) a batch`;
  assert.equal(scan.textField, ds.textField, what);
  assert.equal(scan.labelField, ds.labelField, what);
  assert.deepEqual(scan.warnings, ds.warnings, what);
  assert.equal(scan.rowCount, ds.rowCount, what);
  assert.equal(scan.kept, ds.texts.length, what);
  assert.deepEqual(scan.columns, ds.columns, what);
  const classes = new Map<string, number>();
  for (const l of ds.labels) classes.set(l, (classes.get(l) ?? 0) + 1);
  assert.deepEqual([...scan.classes].sort(), [...classes].sort(), what);
  const lengths = new Map<number, number>();
  for (const t of ds.texts) lengths.set(t.length, (lengths.get(t.length) ?? 0) + 1);
  assert.deepEqual([...scan.lengths].sort(), [...lengths].sort(), what);
  const split = detectSplitColumn(
    table.columns.map((c) => c.name),
    (n) => table.column(n),
  );
  assert.equal(scan.splitField, split, what);
  return { ds, scan };
}

for (const format of FORMATS) {
  test(`${format}: the streamed summary equals the whole table's rules at every batch size`, async () => {
    const n = 40;
    // prompt is constant in the first 6 rows only: the first batch alone would pass it over.
    const prompt = Array.from({ length: n }, (_, i) => (i < 6 ? 'Classify:' : `prompt ${i % 7}`));
    const completion = Array.from({ length: n }, (_, i) =>
      i % 9 === 4 ? '' : i % 11 === 3 ? '   ' : `completion text ${i % 13} ${'x'.repeat(i)}`,
    );
    const label: Cell[] = Array.from({ length: n }, (_, i) =>
      i % 10 === 7 ? null : format === 'parquet' ? i % 2 : i % 3 === 0 ? L(`${i % 2}.0`) : L(`${i % 2}`),
    );
    const split = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 'test' : ' Train'));
    const p = await writeTable(dir, `eq-${format}`, { prompt, completion, label, split }, format);
    for (const b of [1, 2, 3, 5, 8192]) await compare(p, b);
    for (const b of [1, 4, 8192]) await compare(p, b, { textField: 'completion', labelField: 'label' });
    const { scan } = await compare(p, 3);
    assert.equal(scan.textField, 'prompt', 'the whole file decides: prompt varies after row 6');
    assert.equal(scan.splitField, 'split');
    assert.deepEqual(scan.splitCounts, { train: 32, test: 8, validation: 0 });
    assert.ok(scan.warnings.some((w) => w.kind === 'missing-label' && /\(4 in all\)|row 8/.test(w.message)));
  });

  test(`${format}: one-item list labels are counted across batches; several items are refused as in training`, async () => {
    const text = Array.from({ length: 12 }, (_, i) => `text ${i}`);
    const one: Cell[] = text.map((_, i) => [i % 2 === 0 ? 'spam' : 'ham']);
    const p = await writeTable(dir, `list-${format}`, { text, label: one }, format);
    for (const b of [1, 5, 8192]) {
      const { scan } = await compare(p, b);
      assert.ok(scan.warnings.some((w) => w.kind === 'list-label' && w.message.includes('12 were unwrapped')));
    }
    const two: Cell[] = text.map((_, i) => (i === 9 ? ['spam', 'ham'] : ['ham']));
    const q = await writeTable(dir, `list2-${format}`, { text, label: two }, format);
    let expected = '';
    try {
      datasetFromTable(await loadTable(q));
    } catch (err) {
      expected = (err as Error).message;
    }
    assert.match(expected, /row 10.*a list of 2 labels/);
    await assert.rejects(scanDataset(q, { batchRows: 4 }), (err: unknown) => {
      assert.ok(err instanceof ProbescopeError);
      assert.equal(err.message, expected);
      return true;
    });
  });
}

test('textHash: equal texts hash equal; 200,000 distinct texts do not collide', () => {
  assert.equal(textHash('same text'), textHash('same ' + 'text'));
  const seen = new Set<number>();
  for (let i = 0; i < 200_000; i++) seen.add(textHash(`row ${i} text`));
  assert.equal(seen.size, 200_000);
  for (const h of seen) assert.ok(Number.isSafeInteger(h) && h >= 0);
});
