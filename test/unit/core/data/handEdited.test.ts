/**
 * Files edited by hand or on several systems: mixed line endings, header names with spaces around them, JSON Lines
 * with a comment, a comma between records or NUL padding, and spreadsheet / Arrow files given as datasets. Each reads
 * to the right rows or is refused in one line that says what to do, by the reader and the panel alike.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { datasetRows, inspectDataset, readDataset } from '../../../../src/core/data';
import { readDatasetConfig } from '../../../../src/core/data/readDataset';
import { scanTrainingRows } from '../../../../src/core/data/trainingRows';
import { ProbescopeError } from '../../../../src/core/errors';

const dir = mkdtempSync(join(tmpdir(), 'ps-handedited-'));

async function refused(file: string, message: RegExp): Promise<void> {
  for (const read of [() => readDataset(file), () => inspectDataset({ path: file })])
    await assert.rejects(read(), (e: unknown) => {
      assert.ok(e instanceof ProbescopeError && e.code === 'DATASET_INVALID', String(e));
      assert.match(e.message, message);
      assert.equal(e.message.split('\n').length, 1);
      assert.ok(!Array.from(e.message).some((c) => c.charCodeAt(0) < 0x20), 'no control character in the message');
      return true;
    });
}

test('csv and tsv: \\r\\n and \\n endings mixed in one file are all record ends; line numbers stay right', async () => {
  for (const [name, sep] of [
    ['mixed.csv', ','],
    ['mixed.tsv', '\t'],
  ]) {
    const p = join(dir, name);
    // Line 4 has an empty text; line 5 a quoted CSV field with a line break inside (CSV only).
    const fifth = sep === ',' ? '"two\nlines",0' : 'two lines\t0';
    writeFileSync(p, `text${sep}label\r\nhello${sep}1\nworld${sep}0\r\n${sep}1\n${fifth}\r\nlast${sep}1`);
    const ds = await readDataset(p);
    assert.deepEqual(ds.texts, ['hello', 'world', sep === ',' ? 'two\nlines' : 'two lines', 'last'], name);
    assert.deepEqual(ds.labels, ['1', '0', '0', '1']);
    assert.match(ds.warnings.find((w) => w.kind === 'empty-text')!.message, /row 3 \(line 4\)/);
    assert.equal((await inspectDataset({ path: p })).rows, 5);
    const page = await datasetRows({ path: p, textField: 'text', labelField: 'label', offset: 4, limit: 1 });
    assert.deepEqual(page.rows, [{ index: 4, text: 'last', label: '1' }]);
  }
});

test('header names with spaces around them (text , label) are found by auto-detection and by --text-field', async () => {
  for (const [name, body] of [
    ['spaced.csv', 'text , label \nhello,1\nworld,0\nagain,1\n'],
    ['spaced.tsv', ' Text \t Label\nhello\t1\nworld\t0\nagain\t1\n'],
  ]) {
    const p = join(dir, name);
    writeFileSync(p, body);
    for (const opts of [{}, { textField: 'text', labelField: 'label' }, { textField: 'Text', labelField: 'Label' }]) {
      // Given names are matched exactly except for the spaces around them (case counts).
      const headerCase = name === 'spaced.csv' ? 'text' : 'Text';
      if (opts.textField !== undefined && opts.textField !== headerCase) continue;
      const ds = await readDataset(p, opts);
      assert.deepEqual(ds.texts, ['hello', 'world', 'again'], `${name} ${JSON.stringify(opts)}`);
      assert.deepEqual(ds.labels, ['1', '0', '1']);
      readDatasetConfig.memoMaxBytes = 0;
      try {
        assert.deepEqual((await readDataset(p, opts)).labels, ['1', '0', '1']);
      } finally {
        readDatasetConfig.memoMaxBytes = 64 * 2 ** 20;
      }
      assert.deepEqual((await scanTrainingRows(p, opts)).labels.toArray(), ['1', '0', '1']);
      const s = await inspectDataset({ path: p, ...opts });
      assert.equal(s.textField, ds.textField);
      assert.equal(s.labelField, ds.labelField);
    }
  }
});

test('jsonl: a comment line, a comma between records and NUL padding are refused saying what is wrong', async () => {
  const rec = (i: number) => JSON.stringify({ text: `t${i}`, label: i % 2 });
  const cases: [string, string, RegExp][] = [
    [
      'comment.jsonl',
      `// exported 2024-01-01\n${rec(0)}\n${rec(1)}\n`,
      /line 1: invalid JSON .* This line looks like a comment: JSON has none, so remove it\.$/,
    ],
    ['hash.jsonl', `${rec(0)}\n# note\n${rec(1)}\n`, /line 2: invalid JSON .* looks like a comment/],
    [
      'commas.jsonl',
      `${rec(0)},\n${rec(1)},\n`,
      /line 1: invalid JSON .* It has a comma outside the object: JSON Lines has no separator between records/,
    ],
    [
      'padded.jsonl',
      `${rec(0)}\n${rec(1)}\n\u0000\u0000\u0000\u0000`,
      /line 3: invalid JSON \(.*U\+0000.*\)\. .* It holds the control character U\+0000/,
    ],
  ];
  // Any other broken line: the parser's reason and the rule, nothing more.
  cases.push([
    'single-quotes.jsonl',
    `${rec(0)}\n{'text': 'a', 'label': 1}\n`,
    /line 2: invalid JSON \(.*\)\. Each line must be one JSON object\.$/,
  ]);
  for (const [name, body, message] of cases) {
    const p = join(dir, name);
    writeFileSync(p, body);
    await refused(p, message);
  }
});

test('a file written without a header line says so; a label column with no values says how many rows lack which', async () => {
  const noHeader = join(dir, 'noheader.csv');
  writeFileSync(noHeader, 'I loved this film,1\nawful acting,0\ngreat,1\n');
  await refused(
    noHeader,
    /cannot tell which column is the text \(columns: I loved this film, 1\)\. Pass --text-field NAME\. The first line \("I loved this film", "1"\) looks like data, not column names: add a header line such as text,label/,
  );
  const empty = join(dir, 'nolabels.jsonl');
  writeFileSync(empty, '{"text": "a", "label": null}\n{"text": "b", "label": ""}\n{"text": "", "label": 1}\n');
  await refused(
    empty,
    /^nolabels\.jsonl: no usable rows: every row lacks a text \("text"\) or a label \("label"\) \(1 without a text, 2 without a label\)\.$/,
  );
  const allNull = join(dir, 'nulllabels.jsonl');
  writeFileSync(allNull, '{"text": "a", "label": null}\n{"text": "b", "label": null}\n');
  await refused(allNull, /\(0 without a text, 2 without a label: is "label" the label column\?\)\.$/);
});

test('spreadsheets, Arrow, Feather and pickles are refused naming how to convert them', async () => {
  const cases: [string, RegExp][] = [
    ['sheet.xlsx', /^sheet\.xlsx: an Excel workbook is not read; save the sheet as "CSV UTF-8 \(Comma delimited\)"/],
    ['old.xls', /an Excel workbook is not read/],
    [
      'data-00000-of-00001.arrow',
      /an Arrow file \(what datasets\.save_to_disk writes\) is not read; write Parquet \(datasets: ds\.to_parquet/,
    ],
    ['frame.feather', /a Feather file is not read; write Parquet/],
    ['frame.pkl', /a pickle is not read/],
  ];
  for (const [name, message] of cases) {
    const p = join(dir, name);
    writeFileSync(p, 'PK\u0003\u0004 not really');
    if (name.endsWith('.xlsx')) {
      // A real .xlsx is a zip: the name, not the bytes, decides the message.
      await refused(p, /sheet\.xlsx: an Excel workbook/);
      continue;
    }
    writeFileSync(p, 'ARROW1 bytes');
    await refused(p, message);
  }
});
