/**
 * `.txt` datasets: Excel's "Unicode text" export (tab-separated UTF-16) and ad-hoc dumps of JSON Lines or a JSON array
 * both end in .txt; the content decides (a first character `{` or `[` means JSON). A file of bare lines says what a
 * dataset needs instead of listing its first sentence as a column.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { datasetRows, inspectDataset, readDataset } from '../../../../src/core/data';
import { scanTrainingRows } from '../../../../src/core/data/trainingRows';
import { ProbescopeError } from '../../../../src/core/errors';

const dir = mkdtempSync(join(tmpdir(), 'ps-txt-'));
const rows = [
  { text: 'first, with a comma', label: 'a' },
  { text: 'second\twith a tab', label: 'b' },
  { text: 'third', label: 'a' },
];

test('.txt holding JSON Lines, a JSON array (one line or pretty) or gzip of one reads as JSON in every path', async () => {
  const files: [string, string | Buffer][] = [
    ['lines.txt', '\n' + rows.map((r) => JSON.stringify(r)).join('\n') + '\n'],
    ['array.txt', JSON.stringify(rows)],
    ['pretty.txt', JSON.stringify(rows, null, 2)],
    ['lines.txt.gz', gzipSync(rows.map((r) => JSON.stringify(r)).join('\n'))],
    ['bom-lines.txt', '\ufeff' + rows.map((r) => JSON.stringify(r)).join('\r\n')],
  ];
  for (const [name, body] of files) {
    const p = join(dir, name);
    writeFileSync(p, body);
    const ds = await readDataset(p);
    assert.deepEqual(
      ds.texts,
      rows.map((r) => r.text),
      name,
    );
    assert.deepEqual(ds.labels, ['a', 'b', 'a'], name);
    assert.equal(ds.format, 'jsonl', name);
    assert.deepEqual((await scanTrainingRows(p)).labels.toArray(), ds.labels, name);
    const s = await inspectDataset({ path: p });
    assert.equal(s.rows, 3, name);
    const page = await datasetRows({ path: p, textField: 'text', labelField: 'label', offset: 1, limit: 1 });
    assert.deepEqual(page.rows, [{ index: 1, text: 'second\twith a tab', label: 'b' }], name);
  }
  // A tab-separated .txt stays delimited text.
  const tsv = join(dir, 'table.txt');
  writeFileSync(tsv, 'text\tlabel\n{not json}\ta\n[x]\tb\n');
  assert.deepEqual((await readDataset(tsv)).texts, ['{not json}', '[x]']);
});

test('a file of bare lines (no header, no label) is refused saying what a dataset needs', async () => {
  for (const name of ['sentences.txt', 'sentences.csv']) {
    const p = join(dir, name);
    writeFileSync(p, 'I loved it\nI hated it\nmeh\n');
    for (const read of [() => readDataset(p), () => inspectDataset({ path: p })])
      await assert.rejects(read(), (e: unknown) => {
        assert.ok(e instanceof ProbescopeError && e.code === 'DATASET_INVALID', String(e));
        assert.match(
          e.message,
          /cannot tell which column is the text \(columns: I loved it\)\. Pass --text-field NAME\. The file has one column, headed "I loved it": a dataset needs a header line naming a text column and a label column/,
        );
        return true;
      });
  }
});
