/**
 * Label columns that are not classes: an id or score column (a different value on most rows) is named in one
 * `id-label` warning by the reader, the streamed training read and the panel in every format.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { inspectDataset, readDataset } from '../../../../src/core/data';
import { scanTrainingRows } from '../../../../src/core/data/trainingRows';
import { FORMATS, Literal, writeTable, type Cell } from './tableFiles';

const dir = mkdtempSync(join(tmpdir(), 'ps-labelshapes-'));
const texts = (n: number) => Array.from({ length: n }, (_, i) => `text number ${i}`);

for (const format of FORMATS) {
  test(`${format}: a label column of ids (a different value in every row) gets one id-label warning everywhere`, async () => {
    const ids: Cell[] = Array.from({ length: 40 }, (_, i) =>
      format === 'parquet' ? 1000 + i : new Literal(String(1000 + i)),
    );
    const p = await writeTable(dir, `ids-${format}`, { text: texts(40), label: ids }, format);
    const ds = await readDataset(p);
    const s = await inspectDataset({ path: p });
    const rows = await scanTrainingRows(p);
    for (const warnings of [ds.warnings, s.warnings, rows.ds.warnings]) {
      const w = warnings.filter((x) => x.kind === 'id-label');
      assert.equal(w.length, 1, JSON.stringify(warnings));
      assert.equal(
        w[0].message,
        '"label" has 40 different values in 40 rows (40 of them on a single row): it looks like an id or a score, not classes, and a probe needs several rows per class. Pass --label-field NAME for the class column, or bin the values into classes.',
      );
    }
    // The panel also names each of the 40 one-row classes as tiny (issue #9's rule, unchanged).
    assert.equal(s.warnings.filter((x) => x.kind === 'tiny-class').length, 40);
  });

  test(`${format}: real classes, even with a few rare ones, get no id-label warning`, async () => {
    const label: Cell[] = Array.from({ length: 40 }, (_, i) => (i < 36 ? ['a', 'b'][i % 2] : `rare${i}`));
    const p = await writeTable(dir, `classes-${format}`, { text: texts(40), label }, format);
    assert.equal((await readDataset(p)).warnings.filter((x) => x.kind === 'id-label').length, 0);
    const s = await inspectDataset({ path: p });
    assert.equal(s.warnings.filter((x) => x.kind === 'id-label').length, 0);
    // Four tiny classes: one warning each.
    assert.deepEqual(
      s.warnings.filter((x) => x.kind === 'tiny-class').map((x) => x.message),
      [36, 37, 38, 39].map((i) => `Class "rare${i}" has only 1 row(s) of 40; its test metrics will be noisy.`),
    );
  });
}
