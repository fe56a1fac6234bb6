import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasetRows, inspectDataset, loadTable } from '../../../../src/core/data';

const dir = mkdtempSync(join(tmpdir(), 'ps-inspect-'));

test('inspectDataset reports class balance, a character histogram and every warning kind that applies', async () => {
  const rows = [
    ...Array.from({ length: 50 }, (_, i) => ({ text: `positive text number ${i}`, label: 1 })),
    ...Array.from({ length: 48 }, (_, i) => ({ text: `negative ${i}`, label: 0 })),
    { text: 'negative 0', label: 0 },
    { text: 'the only two', label: 2 },
    { text: '  ', label: 2 },
  ];
  const p = join(dir, 'a.jsonl');
  writeFileSync(p, rows.map((r) => JSON.stringify(r)).join('\n'));
  const s = await inspectDataset({ path: p });
  assert.equal(s.rows, 101);
  assert.deepEqual(s.classes, [
    { label: '0', count: 49 },
    { label: '1', count: 50 },
    { label: '2', count: 1 },
  ]);
  assert.equal(s.lengthUnit, 'characters');
  // The whitespace-only text is skipped (as in training), so 100 texts are measured.
  assert.equal(
    s.lengthHistogram.counts.reduce((a, b) => a + b, 0),
    100,
  );
  assert.equal(s.lengthHistogram.edges.length, s.lengthHistogram.counts.length + 1);
  const kinds = s.warnings.map((w) => w.kind).sort();
  assert.deepEqual(kinds, ['duplicates', 'empty-text', 'tiny-class']);
  assert.match(s.warnings.find((w) => w.kind === 'tiny-class')!.message, /"2"/);
  assert.match(s.warnings.find((w) => w.kind === 'empty-text')!.message, /Skipped 1 row\(s\).*row 101 \(line 101\)/);
});

test('a one-class dataset is flagged', async () => {
  const p = join(dir, 'b.jsonl');
  writeFileSync(p, '{"text":"a","label":"x"}\n{"text":"b","label":"x"}\n');
  const s = await inspectDataset({ path: p });
  assert.ok(s.warnings.some((w) => w.kind === 'one-class'));
});

test('datasetRows pages and searches a 100k-row file, parsing it only once', async () => {
  const p = join(dir, 'big.jsonl');
  const lines: string[] = [];
  for (let i = 0; i < 100_000; i++)
    lines.push(JSON.stringify({ text: `row ${i} ${i % 1000 === 0 ? 'Needle' : 'hay'}`, label: i % 2 }));
  writeFileSync(p, lines.join('\n'));
  const first = await datasetRows({ path: p, textField: 'text', labelField: 'label', offset: 99_998, limit: 10 });
  assert.equal(first.total, 100_000);
  assert.deepEqual(first.rows, [
    { index: 99_998, text: 'row 99998 hay', label: '0' },
    { index: 99_999, text: 'row 99999 hay', label: '1' },
  ]);
  const found = await datasetRows({
    path: p,
    textField: 'text',
    labelField: 'label',
    offset: 2,
    limit: 3,
    search: 'needle',
  });
  assert.equal(found.total, 100);
  assert.deepEqual(
    found.rows.map((r) => r.index),
    [2000, 3000, 4000],
  );
  // Memoised per path + mtime: later pages reuse the very same parsed table instead of re-parsing 100k rows.
  const table = await loadTable(p);
  await datasetRows({ path: p, textField: 'text', labelField: 'label', offset: 500, limit: 50 });
  assert.equal(await loadTable(p), table);
});

test('with a model folder the histogram counts tokens and texts over maxLength are flagged', async () => {
  const p = join(dir, 'tok.jsonl');
  writeFileSync(
    p,
    ['{"text":"Voters reported the turnout.","label":0}', `{"text":"${'the ballots '.repeat(40)}","label":1}`].join(
      '\n',
    ),
  );
  const s = await inspectDataset({
    path: p,
    modelDir: join(__dirname, '../../../../models/tiny-gemma2'),
    maxLength: 20,
  });
  assert.equal(s.lengthUnit, 'tokens');
  const lengths = s.lengthHistogram;
  assert.equal(
    lengths.counts.reduce((a, b) => a + b, 0),
    2,
  );
  assert.ok(lengths.edges.at(-1)! > 40 && lengths.edges.at(-1)! < 200);
  assert.ok(s.warnings.some((w) => w.kind === 'long-text' && /1 text/.test(w.message)));
});
