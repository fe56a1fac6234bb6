/** Delimited text as Excel, pandas and hand-edited TSV write it: delimiters, sep= lines, quoting, duplicate headers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectDataset, readDataset } from '../../../../src/core/data';
import { ProbescopeError } from '../../../../src/core/errors';

const dir = mkdtempSync(join(tmpdir(), 'ps-csv-'));
function file(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

for (const [name, d] of [
  ['semicolon', ';'],
  ['tab', '\t'],
  ['pipe', '|'],
  ['comma', ','],
] as const) {
  test(`a .csv separated by ${name} is detected from the header and rows`, async () => {
    // Texts hold the other candidate characters unquoted; the third quotes the delimiter itself (not for tabs).
    const others = [',', ';', '|'].filter((c) => c !== d).join(' and ');
    const third = d === '\t' ? '"quoted" as written' : `"quoted ${d} delimiter"`;
    const p = file(
      `sep-${name}.csv`,
      [`text${d}label`, `good ${others} film${d}1`, `bad${d}0`, `${third}${d}1`].join('\r\n') + '\r\n',
    );
    const ds = await readDataset(p);
    assert.deepEqual(ds.labels, ['1', '0', '1']);
    assert.equal(ds.texts[0], `good ${others} film`);
    // Quotes are processed in comma/semicolon/pipe files; a tab-separated one is read literally.
    assert.equal(ds.texts[2], d === '\t' ? '"quoted" as written' : `quoted ${d} delimiter`);
  });
}

test('an Excel "sep=;" first line sets the delimiter and is not a header', async () => {
  const p = file('excel.csv', 'sep=;\r\ntext;label\r\nun, deux;1\r\ntrois;0\r\n');
  const ds = await readDataset(p);
  assert.deepEqual(ds.texts, ['un, deux', 'trois']);
  assert.deepEqual(
    ds.columns.map((c) => c.name),
    ['text', 'label'],
  );
});

test('--delimiter overrides detection; a wrong delimiter names the line and the flag', async () => {
  const p = file('override.csv', 'text|label\na;b|1\nc;d|0\n');
  const ds = await readDataset(p, { delimiter: '|' });
  assert.deepEqual(ds.texts, ['a;b', 'c;d']);
  const q = file('ragged.csv', 'text,label\nhello,1\nhello, world,0\n');
  await assert.rejects(
    readDataset(q),
    (e: unknown) =>
      e instanceof ProbescopeError &&
      /line 3: invalid CSV .*Fields are split on comma \(detected\); pass --delimiter/.test(e.message),
  );
  await assert.rejects(readDataset(p, { delimiter: 'ab' }), /--delimiter must be one character/);
});

test('TSV: quotes inside fields are literal by default, so a stray quote swallows no rows', async () => {
  const rows = Array.from(
    { length: 20 },
    (_, i) => `row ${i}${i === 3 ? ' opens "a quote' : ''}${i === 5 ? ' she wrote "free" in caps' : ''}\t${i % 2}`,
  );
  const p = file('quotes.tsv', `text\tlabel\n${rows.join('\n')}\n`);
  const ds = await readDataset(p);
  assert.equal(ds.texts.length, 20);
  assert.equal(ds.texts[3], 'row 3 opens "a quote');
  assert.equal(ds.texts[5], 'row 5 she wrote "free" in caps');
  assert.ok(!ds.warnings.some((w) => w.kind === 'multiline-record'));
});

test('TSV with --quote: records spanning lines are reported with their line numbers', async () => {
  const p = file('spans.tsv', 'text\tlabel\n"two\nlines"\t1\nplain\t0\n"three\nmore\nlines"\t1\n');
  const ds = await readDataset(p, { quote: true });
  assert.deepEqual(ds.texts, ['two\nlines', 'plain', 'three\nmore\nlines']);
  const w = ds.warnings.find((x) => x.kind === 'multiline-record')!;
  assert.match(w.message, /^2 record\(s\) span several lines .*lines 2–3, 5–7\./);
  assert.equal(ds.rowCount, 3);
  const s = await inspectDataset({ path: p, quote: true });
  assert.equal(s.warnings.find((x) => x.kind === 'multiline-record')?.message, w.message);
});

test('TSV cells wrapped in quotes are kept as written, with a note pointing at --quote', async () => {
  const p = file('pandas.tsv', 'text\tlabel\n"she said ""hi"""\t1\nplain\t0\n');
  const ds = await readDataset(p);
  assert.equal(ds.texts[0], '"she said ""hi"""');
  assert.match(ds.warnings.find((w) => /pass --quote/.test(w.message))!.message, /^1 field\(s\) are wrapped/);
  assert.equal((await readDataset(p, { quote: true })).texts[0], 'she said "hi"');
});

test('CSV: a quote inside an unquoted field is literal; an unclosed quote is refused at its line', async () => {
  const p = file('inner.csv', 'text,label\nshe wrote "free" in caps,1\nok,0\n');
  assert.equal((await readDataset(p)).texts[0], 'she wrote "free" in caps');
  const q = file('open.csv', 'text,label\nfine,1\n"never closed,0\nmore,1\n');
  await assert.rejects(readDataset(q), /open\.csv line \d+: invalid CSV \(Quote Not Closed.*--no-quote/);
  const ds = await readDataset(q, { quote: false });
  assert.equal(ds.texts[1], '"never closed');
});

for (const ext of ['csv', 'tsv'] as const) {
  test(`${ext}: duplicate column names are renamed as pandas does (label, label.1, label.1.1) with a warning`, async () => {
    const d = ext === 'csv' ? ',' : '\t';
    const p = file(
      `dup.${ext}`,
      [
        ['text', 'label', 'label', 'label.1'].join(d),
        ['hi', 'a', 'b', 'c'].join(d),
        ['yo', 'b', 'a', 'c'].join(d),
      ].join('\n'),
    );
    const ds = await readDataset(p);
    // pandas.read_csv gives exactly these names for this header (its _dedup_names).
    assert.deepEqual(
      ds.columns.map((c) => c.name),
      ['text', 'label', 'label.1', 'label.1.1'],
    );
    assert.equal(ds.labelField, 'label');
    assert.deepEqual(ds.labels, ['a', 'b']);
    assert.match(
      ds.warnings.find((w) => w.kind === 'duplicate-column')!.message,
      /"label" \(column 3\) → "label\.1", "label\.1" \(column 4\) → "label\.1\.1"/,
    );
    assert.deepEqual((await readDataset(p, { labelField: 'label.1' })).labels, ['b', 'a']);
    assert.deepEqual((await readDataset(p, { labelField: 'label.1.1' })).labels, ['c', 'c']);
  });
}

test('a --delimiter that does not fit the file: the one-column header is named with the delimiter to pass', async () => {
  const p = file('wrong-delim.tsv', 'text\tlabel\ngood film\t1\nbad film\t0\n');
  await assert.rejects(
    readDataset(p, { textField: 'text', delimiter: ';' }),
    (e: unknown) =>
      e instanceof ProbescopeError && /no text field "text"/.test(e.message) && /pass --delimiter tab/.test(e.message),
  );
  const ok = await readDataset(p, { textField: 'text', delimiter: '\t' });
  assert.deepEqual(ok.labels, ['1', '0']);
});

test('CRLF files with line breaks inside quotes: line numbers count each break once (\\r\\n, \\n or a lone \\r)', async () => {
  const crlf = file(
    'crlf-quoted.csv',
    'text,label\r\n"two\r\nlines",1\r\n"three\r\nmore\r\nlines",0\r\n"x",NA\r\n"y",1\r\n"",0\r\n',
  );
  const ds = await readDataset(crlf);
  assert.deepEqual(ds.texts, ['two\r\nlines', 'three\r\nmore\r\nlines', 'y']);
  const spans = ds.warnings.find((x) => x.kind === 'multiline-record')!;
  assert.match(spans.message, /^2 record\(s\) span several lines .*lines 2–3, 4–6\./);
  assert.match(ds.warnings.find((x) => x.kind === 'missing-label')!.message, /row 3 \(line 7\)/);
  assert.match(ds.warnings.find((x) => x.kind === 'empty-text')!.message, /row 5 \(line 9\)/);
  const s = await inspectDataset({ path: crlf });
  assert.equal(
    s.warnings.find((x) => x.kind === 'missing-label')?.message,
    ds.warnings.find((x) => x.kind === 'missing-label')!.message,
  );
  // Old Mac line ends (lone \r) and a lone \r inside quotes.
  const cr = file('cr-quoted.csv', 'text,label\r"a\rb",1\r"c",NA\r');
  const dc = await readDataset(cr);
  assert.deepEqual(dc.texts, ['a\rb']);
  assert.match(dc.warnings.find((x) => x.kind === 'multiline-record')!.message, /lines 2–3\./);
  assert.match(dc.warnings.find((x) => x.kind === 'missing-label')!.message, /row 2 \(line 4\)/);
});

test('an invalid record after quoted CRLF breaks is refused at its own line', async () => {
  const p = file('crlf-bad.csv', 'text,label\r\n"a\r\nb",1\r\n"c\r\nd",0\r\ne,1,extra\r\n');
  await assert.rejects(readDataset(p), /crlf-bad\.csv line 6: invalid CSV/);
});
