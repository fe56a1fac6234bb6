import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { detectSplitColumn, readDataset, splitRoles, validationSplit } from '../../../../src/core/data';
import { ProbescopeError } from '../../../../src/core/errors';

describe('given split column', () => {
  test('train / test / validation in any case and with spaces are read as roles', () => {
    assert.deepEqual(splitRoles(['train', 'TEST', ' Validation ', 'Train', 'test'], 'split', 'd.csv'), [
      'train',
      'test',
      'validation',
      'train',
      'test',
    ]);
  });

  test('other values are an error naming each value, its count and first row', () => {
    assert.throws(
      () => splitRoles(['train', 'dev', 'test', 'tset', 'dev', null], 'split', 'd.csv'),
      (e: unknown) =>
        e instanceof ProbescopeError &&
        e.code === 'DATASET_INVALID' &&
        /"dev" \(2 rows, first row 2\)/.test(e.message) &&
        /"tset" \(1 row, first row 4\)/.test(e.message) &&
        /"\(empty\)" \(1 row, first row 6\)/.test(e.message) &&
        /use train, test or validation/.test(e.message),
    );
  });

  test('a split without test rows (or without train rows) is refused', () => {
    assert.throws(() => splitRoles(['train', 'validation'], 'fold', 'd.csv'), /no "test" rows/);
    assert.throws(() => splitRoles(['test', 'TEST'], 'fold', 'd.csv'), /no "train" rows/);
  });

  test('readDataset returns the split column aligned with the rows, and names a missing one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ps-split-'));
    const file = join(dir, 'd.csv');
    writeFileSync(file, 'text,label,Split\na,0,train\nb,1,Test\nc,0,validation\n');
    const ds = await readDataset(file, { splitField: 'Split' });
    assert.deepEqual(ds.splits, ['train', 'Test', 'validation']);
    await assert.rejects(
      readDataset(file, { splitField: 'fold' }),
      /no split field "fold"\. Columns: text, label, Split/,
    );
  });

  test('inspectDataset reports a detected split column with its counts (the dataset panel shows "from column")', async () => {
    const { inspectDataset } = await import('../../../../src/core/data');
    const dir = mkdtempSync(join(tmpdir(), 'ps-split-'));
    const file = join(dir, 'd.jsonl');
    const rows = ['train', 'train', 'Test', 'validation', 'TRAIN'].map((s, i) => ({
      text: `t${i}`,
      label: i % 2,
      split: s,
    }));
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n'));
    const s = await inspectDataset({ path: file });
    assert.equal(s.splitField, 'split');
    assert.deepEqual(s.splitCounts, { train: 3, test: 1, validation: 1 });
    const plain = join(dir, 'p.jsonl');
    writeFileSync(plain, rows.map((r) => JSON.stringify({ ...r, split: 'dev' })).join('\n'));
    assert.equal((await inspectDataset({ path: plain })).splitField, undefined);
  });

  test('a split column is detected by name and values only', () => {
    const rows = [
      { text: 'a', split: 'train', fold: 'x' },
      { text: 'b', split: 'TEST', fold: 'y' },
    ];
    const valuesOf = (name: string) => rows.map((r) => (r as Record<string, unknown>)[name]);
    assert.equal(detectSplitColumn(['text', 'fold', 'split'], valuesOf), 'split');
    assert.equal(detectSplitColumn(['text', 'fold'], valuesOf), undefined);
  });
});

describe('validation carved from the train split', () => {
  test('never takes more than its fraction, and keeps classes in proportion', () => {
    const labels = [...Array(140).fill('a'), ...Array(60).fill('b')];
    const v = validationSplit(labels, 0.15, 1);
    assert.equal(v.validation.length, 30);
    assert.equal(v.validation.filter((i) => labels[i] === 'a').length, 21);
    assert.equal(v.train.length + v.validation.length, 200);
    assert.equal(new Set([...v.train, ...v.validation]).size, 200);
    assert.equal(v.skipped, undefined);
  });

  test('with many 2–3-row classes there is no validation set (all rows train) and the reason is given', () => {
    // Issue #9 item 6: one validation row per class would take ~40 % of these rows.
    const labels = Array.from({ length: 20 }, (_, c) => Array<string>(c % 2 ? 2 : 3).fill(`c${c}`)).flat();
    const v = validationSplit(labels, 0.15, 0);
    assert.equal(v.validation.length, 0);
    assert.equal(v.train.length, labels.length);
    assert.match(v.skipped!, /no validation set: \d+ of 20 classes would get no validation row within 15 % of the 50/);
  });

  test('the budget holds at every size: validation ≤ floor(fraction · n) on random class layouts', () => {
    for (let seed = 0; seed < 50; seed++) {
      const sizes = Array.from({ length: 2 + (seed % 6) }, (_, k) => 1 + ((seed * 7 + k * 13) % 40));
      const labels = sizes.flatMap((s, k) => Array<string>(s).fill(`k${k}`));
      const v = validationSplit(labels, 0.15, seed);
      assert.ok(v.validation.length <= Math.floor(0.15 * labels.length), `seed ${seed}: ${v.validation.length}`);
      // Every class keeps at least one training row.
      for (let k = 0; k < sizes.length; k++) assert.ok(v.train.some((i) => labels[i] === `k${k}`));
    }
  });
});
