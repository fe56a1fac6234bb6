/**
 * Values researchers really export: a 10 MB text in one cell (a whole book, a long transcript) and Python's
 * json.dumps non-standard floats (NaN, Infinity, -Infinity), in every format they apply to, through the reader, the
 * dataset panel's streamed scan and its row pages alike.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasetRows, inspectDataset, readDataset } from '../../../../src/core/data';
import { FORMATS, writeTable } from './tableFiles';

const dir = mkdtempSync(join(tmpdir(), 'ps-long-'));
// ~10 MB: words, quotes, backslashes, accents, an emoji and line breaks (JSON escapes them; CSV quotes them).
const HUGE = 'word "quoted" back\\slash café 🎉\n'.repeat(300_000);

for (const format of FORMATS) {
  test(`${format}: a 10 MB text in one cell is read whole, in every path`, async () => {
    // TSV is read literally: no line breaks inside a field there.
    const huge = format === 'tsv' ? HUGE.replace(/\n/g, ' ') : HUGE;
    const p = await writeTable(
      dir,
      `huge-${format}`,
      { text: ['short one', huge, 'short two'], label: ['a', 'b', 'a'] },
      format,
    );
    const ds = await readDataset(p);
    assert.equal(ds.texts.length, 3);
    assert.equal(ds.texts[1].length, huge.length);
    assert.equal(ds.texts[1], huge);
    assert.deepEqual(ds.labels, ['a', 'b', 'a']);
    const s = await inspectDataset({ path: p });
    assert.deepEqual(s.classes, [
      { label: 'a', count: 2 },
      { label: 'b', count: 1 },
    ]);
    const page = await datasetRows({ path: p, textField: 'text', labelField: 'label', offset: 1, limit: 1 });
    assert.equal(page.rows[0].label, 'b');
    assert.equal(page.rows[0].text.slice(0, 20), huge.slice(0, 20));
  });
}

test('jsonl and json: Python json.dumps NaN, Infinity and -Infinity read (NaN a missing value, ±Infinity numbers)', async () => {
  const rows = [
    '{"text": "a", "label": 1, "score": Infinity}',
    '{"text": "b", "label": 0, "score": -Infinity}',
    '{"text": "NaN and Infinity inside a text stay", "label": NaN, "score": NaN}',
    '{"text": -Infinity, "label": 0, "score": 1.5}',
  ];
  const jl = join(dir, 'python-floats.jsonl');
  writeFileSync(jl, rows.join('\n') + '\n');
  const arr = join(dir, 'python-floats.json');
  writeFileSync(arr, `[${rows.join(',\n')}]`);
  for (const p of [jl, arr]) {
    const ds = await readDataset(p);
    assert.deepEqual(ds.texts, ['a', 'b', '-Infinity'], p);
    assert.deepEqual(ds.labels, ['1', '0', '0'], p);
    assert.equal(ds.skipped.missingLabel, 1, p);
    const s = await inspectDataset({ path: p });
    assert.deepEqual(s.classes, [
      { label: '0', count: 2 },
      { label: '1', count: 1 },
    ]);
  }
});
