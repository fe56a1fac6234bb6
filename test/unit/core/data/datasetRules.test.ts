/**
 * The dataset rules (docs/CONTRACTS.md) hold in every format: CSV, TSV, JSON arrays, JSON Lines and Parquet read the
 * same table to the same examples, labels, skipped rows and warnings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectDataset, readDataset, sortedClasses } from '../../../../src/core/data';
import { ProbescopeError } from '../../../../src/core/errors';
import { FORMATS, Literal, writeTable, type Cell } from './tableFiles';

const dir = mkdtempSync(join(tmpdir(), 'ps-rules-'));
const L = (s: string) => new Literal(s);
const texts = (n: number) => Array.from({ length: n }, (_, i) => `text number ${i}`);

for (const format of FORMATS) {
  test(`${format}: a numeric label column spelled 0, 1, 0.0, 1.0 is two classes, "0" and "1"`, async () => {
    const label: Cell[] = format === 'parquet' ? [0, 1, 0, 1] : [L('0'), L('1'), L('0.0'), L('1.0')];
    const p = await writeTable(dir, `num-${format}`, { text: texts(4), label }, format);
    const ds = await readDataset(p);
    assert.deepEqual(ds.labels, ['0', '1', '0', '1']);
    assert.deepEqual(sortedClasses(ds.labels), ['0', '1']);
  });

  test(`${format}: booleans true/True/TRUE/false/False/FALSE are two classes, "false" and "true"`, async () => {
    const label: Cell[] =
      format === 'parquet'
        ? [true, true, true, false, false, false]
        : format === 'json' || format === 'jsonl'
          ? [true, 'True', 'TRUE', false, 'False', 'FALSE']
          : ['true', 'True', 'TRUE', 'false', 'False', 'FALSE'];
    const p = await writeTable(dir, `bool-${format}`, { text: texts(6), label }, format);
    const ds = await readDataset(p);
    assert.deepEqual(ds.labels, ['true', 'true', 'true', 'false', 'false', 'false']);
  });

  test(`${format}: a label column mixing spellings of one value with text warns that they are separate classes`, async () => {
    // Not all numbers, not all booleans: the labels stay as written, so "1" / "1.0" and "True" / "true" are different
    // classes. That is kept (a text column has no numeric meaning), but it must be said, with what to do.
    const label: Cell[] =
      format === 'parquet'
        ? ['1', '1.0', 'True', 'true', 'maybe', '0']
        : format === 'json' || format === 'jsonl'
          ? [1, '1.0', true, 'True', 'maybe', 0]
          : ['1', '1.0', 'True', 'true', 'maybe', '0'];
    const p = await writeTable(dir, `mixed-${format}`, { text: texts(6), label }, format);
    const ds = await readDataset(p);
    assert.equal(new Set(ds.labels).size, 6);
    const w = ds.warnings.find((x) => x.kind === 'label-spellings');
    assert.ok(w, `no label-spellings warning: ${JSON.stringify(ds.warnings)}`);
    assert.match(w.message, /"1" and "1\.0"/);
    assert.match(w.message, /"(True|true)" and "(True|true)"/);
    assert.doesNotMatch(w.message, /maybe/);
    // A column of one spelling per value gets no such warning.
    const clean = await writeTable(dir, `clean-${format}`, { text: texts(3), label: ['yes', 'no', '1'] }, format);
    assert.equal((await readDataset(clean)).warnings.filter((x) => x.kind === 'label-spellings').length, 0);
  });

  test(`${format}: nan, NaN, None, null, NA and empty labels are missing: skipped and counted, never a class`, async () => {
    const label: Cell[] =
      format === 'parquet'
        ? ['1', '0', 'nan', 'NaN', 'None', 'null', 'NA', null]
        : format === 'json' || format === 'jsonl'
          ? [1, 0, 'nan', 'NaN', 'None', null, 'NA', '']
          : [L('1'), L('0'), L('nan'), L('NaN'), L('None'), L('null'), L('NA'), L('')];
    const p = await writeTable(dir, `miss-${format}`, { text: texts(8), label }, format);
    const ds = await readDataset(p);
    assert.deepEqual(ds.labels, ['1', '0']);
    assert.deepEqual(ds.texts, ['text number 0', 'text number 1']);
    assert.deepEqual(ds.skipped, { emptyText: 0, missingLabel: 6 });
    const w = ds.warnings.find((x) => x.kind === 'missing-label')!;
    assert.match(w.message, /^Skipped 6 row\(s\) with no "label"/);
    assert.match(w.message, /row 3\b/);
    // The dataset panel shows the same warning (it comes from inspectDataset, which the worker serves unchanged).
    const s = await inspectDataset({ path: p });
    assert.deepEqual(s.classes, [
      { label: '0', count: 1 },
      { label: '1', count: 1 },
    ]);
    assert.equal(s.warnings.find((x) => x.kind === 'missing-label')?.message, w.message);
  });

  test(`${format}: a float NaN label is missing too`, async () => {
    if (format !== 'parquet') return; // NaN is not a JSON or CSV value; its spellings are covered above
    const p = await writeTable(dir, `nan-${format}`, { text: texts(3), label: [1, Number.NaN, 0] }, format);
    const ds = await readDataset(p);
    assert.deepEqual(ds.labels, ['1', '0']);
    assert.equal(ds.skipped.missingLabel, 1);
  });

  test(`${format}: empty and whitespace-only texts are skipped with a count, in every format alike`, async () => {
    const text: Cell[] = [
      'kept one',
      '',
      '   ',
      format === 'parquet' || format.startsWith('json') ? null : '',
      'kept two',
    ];
    const p = await writeTable(dir, `empty-${format}`, { text, label: ['a', 'b', 'a', 'b', 'b'] }, format);
    const ds = await readDataset(p);
    assert.deepEqual(ds.texts, ['kept one', 'kept two']);
    assert.deepEqual(ds.labels, ['a', 'b']);
    assert.deepEqual(ds.skipped, { emptyText: 3, missingLabel: 0 });
    const w = ds.warnings.find((x) => x.kind === 'empty-text')!;
    assert.match(w.message, /^Skipped 3 row\(s\) whose "text" is empty or whitespace-only: row 2/);
    const s = await inspectDataset({ path: p });
    assert.equal(s.warnings.find((x) => x.kind === 'empty-text')?.message, w.message);
  });

  test(`${format}: a constant column is never auto-picked; the chosen columns are reported`, async () => {
    const p = await writeTable(
      dir,
      `const-${format}`,
      {
        prompt: ['Classify:', 'Classify:', 'Classify:'],
        completion: ['yes it is', 'no', 'maybe so'],
        label: ['a', 'b', 'a'],
      },
      format,
    );
    const ds = await readDataset(p);
    assert.equal(ds.textField, 'completion');
    assert.equal(ds.labelField, 'label');
    const note = ds.warnings.find((w) => w.kind === 'columns')!;
    assert.match(
      note.message,
      /text "completion", label "label"; passed over "prompt" \(the same value in every row\)/,
    );
    const s = await inspectDataset({ path: p });
    assert.equal(s.textField, 'completion');
    assert.equal(s.warnings.find((w) => w.kind === 'columns')?.message, note.message);
  });
}

for (const format of ['csv', 'tsv', 'json', 'jsonl'] as const) {
  test(`${format}: numbers beyond 2^53 keep their spelling as labels and as texts`, async () => {
    const p = await writeTable(
      dir,
      `big-${format}`,
      {
        text: [L('98765432109876543211'), L('1.10'), 'plain', 'more'],
        label: [L('98765432109876543210'), L('98765432109876543211'), L('98765432109876543210.0'), L('1')],
      },
      format,
    );
    const ds = await readDataset(p);
    assert.deepEqual(ds.texts, ['98765432109876543211', '1.10', 'plain', 'more']);
    assert.deepEqual(ds.labels, ['98765432109876543210', '98765432109876543211', '98765432109876543210', '1']);
    assert.deepEqual(sortedClasses(ds.labels).length, 3);
  });

  test(`${format}: one-item list labels are unwrapped with a note; several labels are refused with how to pick one`, async () => {
    const one: Cell[] =
      format === 'json' || format === 'jsonl' ? [['spam'], ['ham'], ['spam']] : ["['spam']", "['ham']", "['spam']"];
    const p = await writeTable(dir, `list-${format}`, { text: texts(3), labels: one }, format);
    const ds = await readDataset(p);
    assert.deepEqual(ds.labels, ['spam', 'ham', 'spam']);
    assert.match(ds.warnings.find((w) => w.kind === 'list-label')!.message, /one-item lists; 3 were unwrapped/);
    const many: Cell[] =
      format === 'json' || format === 'jsonl'
        ? [['spam'], ['ham', 'spam'], ['spam']]
        : ["['spam']", "['ham', 'spam']", "['spam']"];
    const q = await writeTable(dir, `lists-${format}`, { text: texts(3), labels: many }, format);
    await assert.rejects(
      readDataset(q),
      (e: unknown) =>
        e instanceof ProbescopeError &&
        e.code === 'DATASET_INVALID' &&
        /row 2\b.*a list of 2 labels.*multi-label probes are not supported.*Pick one label per row/.test(e.message),
    );
  });
}

test('parquet: INT64 labels beyond 2^53 stay distinct and exact', async () => {
  const p = await writeTable(
    dir,
    'big-int64',
    { text: texts(3), label: [L('9007199254740993'), L('9007199254740995'), L('9007199254740993')] },
    'parquet',
  );
  const ds = await readDataset(p);
  assert.deepEqual(ds.labels, ['9007199254740993', '9007199254740995', '9007199254740993']);
});

test('json: a column-oriented document (pandas to_json default) reads like records', async () => {
  const p = join(dir, 'columns.json');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(p, '{"text":{"0":"first","1":"second"},"label":{"0":1,"1":0}}');
  const ds = await readDataset(p);
  assert.deepEqual(ds.texts, ['first', 'second']);
  assert.deepEqual(ds.labels, ['1', '0']);
});

test('json: an array of non-records is refused in one line showing the expected shape', async () => {
  const p = join(dir, 'scalar.json');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(p, '[1, 2, 3]');
  await assert.rejects(
    readDataset(p),
    /item 1: expected a JSON object, got "1, 2, 3\]"; a JSON array of records like \[\{"text": "...", "label": 1\}, …\] is expected/,
  );
});

test('parquet: a list column of labels is unwrapped when each list holds one label, refused when one holds two', async () => {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const { writeFileSync } = await import('node:fs');
  const write = (name: string, labels: string[][]) => {
    const p = join(dir, name);
    writeFileSync(
      p,
      Buffer.from(
        parquetWriteBuffer({
          columnData: [
            { name: 'text', data: texts(labels.length), type: 'STRING' },
            { name: 'labels', data: labels },
          ],
        }),
      ),
    );
    return p;
  };
  const ds = await readDataset(write('list.parquet', [['spam'], ['ham'], []]));
  assert.deepEqual(ds.labels, ['spam', 'ham']);
  assert.equal(ds.skipped.missingLabel, 1, 'an empty list is a missing label');
  assert.match(ds.warnings.find((w) => w.kind === 'list-label')!.message, /2 were unwrapped/);
  await assert.rejects(
    readDataset(write('lists.parquet', [['spam'], ['ham', 'x']])),
    /row 2: "labels" holds a list of 2 labels/,
  );
});

test("jsonl: a bare NaN (Python's json.dumps of a float NaN) is a missing label, not a parse error", async () => {
  const { writeFileSync } = await import('node:fs');
  const p = join(dir, 'nan.jsonl');
  writeFileSync(p, '{"text":"NaN in a text stays","label":1}\n{"text":"b","label":NaN}\n{"text":"c","label":0}\n');
  const ds = await readDataset(p);
  assert.deepEqual(ds.texts, ['NaN in a text stays', 'c']);
  assert.equal(ds.skipped.missingLabel, 1);
});

test('json: a one-line array of records is streamed across read chunks, braces and quotes inside strings included', async () => {
  const { writeFileSync } = await import('node:fs');
  const p = join(dir, 'stream.json');
  const n = 20000; // ≈ 3 MiB on one line: records cross the 1 MiB chunk boundaries
  const records = Array.from({ length: n }, (_, i) => ({
    text: `item ${i} {not a brace} [nor "this"] \\ ${'x'.repeat(i % 200)}`,
    label: i % 3,
  }));
  writeFileSync(p, JSON.stringify(records));
  const ds = await readDataset(p);
  assert.equal(ds.texts.length, n);
  assert.deepEqual(
    ds.texts.slice(0, 2),
    records.slice(0, 2).map((r) => r.text),
  );
  assert.equal(ds.texts[n - 1], records[n - 1].text);
  assert.deepEqual(sortedClasses(ds.labels), ['0', '1', '2']);
});

test('json: a broken array is refused naming the item (not an object, unclosed, trailing text)', async () => {
  const { writeFileSync } = await import('node:fs');
  const cases: [string, RegExp][] = [
    ['[{"text":"a","label":1}, 7]', /item 2: expected a JSON object, got "7\]"/],
    ['[{"text":"a","label":1}, {"text":"b"', /item 2: the array is not closed/],
    ['[{"text":"a","label":1}] extra', /item 2: text after the closing "\]"/],
    ['[{"text":"a","label":1}, {"text": oops}]', /item 2: invalid JSON/],
  ];
  for (const [i, [body, says]] of cases.entries()) {
    const p = join(dir, `broken-${i}.json`);
    writeFileSync(p, body);
    await assert.rejects(readDataset(p), (e: unknown) => e instanceof ProbescopeError && says.test(e.message));
  }
});

test('json: a column-oriented object too large to parse at once is refused in one line that says to write JSON Lines', async () => {
  const { writeFileSync, truncateSync } = await import('node:fs');
  const p = join(dir, 'huge.json');
  writeFileSync(p, '{"text": {"0": "a"}, ');
  truncateSync(p, 300 * 2 ** 20); // sparse: no disk space used, and never read
  await assert.rejects(
    readDataset(p),
    (e: unknown) =>
      e instanceof ProbescopeError &&
      e.code === 'DATASET_INVALID' &&
      /^huge\.json: a 300 MiB JSON object is too large to read at once; write JSON Lines instead/.test(e.message) &&
      !e.message.includes('\n'),
  );
});

test('jsonl and json: a key given twice in one object is refused naming the line or item and the key', async () => {
  const { writeFileSync } = await import('node:fs');
  const good = (i: number) => JSON.stringify({ text: `row ${i} says "label": 1`, label: i % 2 });
  const cases: [string, string, RegExp][] = [
    // The example, in JSON Lines: line 3.
    [
      'dup.jsonl',
      [good(0), good(1), '{"text":"a","label":1,"label":0}', good(3)].join('\n') + '\n',
      /dup\.jsonl line 3: the key "label" appears twice in one object/,
    ],
    // A number beyond 2^53 takes the lossless path; the duplicate is still caught first.
    [
      'dupbig.jsonl',
      [good(0), '{"text":"a","label":98765432109876543210,"label":0}'].join('\n') + '\n',
      /dupbig\.jsonl line 2: the key "label" appears twice/,
    ],
    // The same key spelled with an escape.
    [
      'dupesc.jsonl',
      [good(0), '{"text":"a","label":1,"l\\u0061bel":0}'].join('\n') + '\n',
      /dupesc\.jsonl line 2: the key "label" appears twice/,
    ],
    // A JSON array of records (one line): item 2.
    [
      'dup.json',
      `[${good(0)},{"text":"a","text":"b","label":1},${good(2)}]`,
      /dup\.json item 2: the key "text" appears twice/,
    ],
    // pandas' column-oriented document with a column given twice.
    [
      'dupcols.json',
      '{"text":{"0":"a","1":"b"},"label":{"0":0,"1":1},"label":{"0":1,"1":0}}\n',
      /dupcols\.json .*the key "label" appears twice/,
    ],
  ];
  for (const [name, body, message] of cases) {
    const p = join(dir, name);
    writeFileSync(p, body);
    await assert.rejects(readDataset(p), (err: unknown) => {
      assert.ok(err instanceof ProbescopeError && err.code === 'DATASET_INVALID', String(err));
      assert.match(err.message, message);
      assert.equal(err.message.split('\n').length, 1);
      return true;
    });
  }
  // Keys repeated at another depth, or inside a string value, are not duplicates of the record's keys.
  const ok = join(dir, 'nodup.jsonl');
  writeFileSync(ok, [good(0), good(1), '{"text":"b","meta":{"label":5},"label":1}'].join('\n') + '\n');
  const ds = await readDataset(ok);
  assert.deepEqual(ds.labels, ['0', '1', '1']);
  assert.equal(ds.texts[0], 'row 0 says "label": 1');
});

for (const format of FORMATS) {
  test(`${format}: labels differing only in case, Unicode form or spacing stay classes but are named in a warning`, async () => {
    const label: Cell[] = ['pos', 'Pos', 'neg', 'NEG', 'caf\u00e9', 'cafe\u0301', 'very  good', 'very good', 'other'];
    const p = await writeTable(dir, `case-${format}`, { text: texts(label.length), label }, format);
    const ds = await readDataset(p);
    assert.equal(new Set(ds.labels).size, label.length);
    const s = await inspectDataset({ path: p });
    for (const warnings of [ds.warnings, s.warnings]) {
      const w = warnings.find((x) => x.kind === 'label-spellings');
      assert.ok(w, `no label-spellings warning: ${JSON.stringify(warnings)}`);
      assert.match(w.message, /^"label" has labels that look alike but are different classes: /);
      assert.ok(
        w.message.includes('"pos" and "Pos"; "neg" and "NEG"; "caf\u00e9" and "cafe\\u0301"; … (4 groups)'),
        w.message,
      );
      assert.doesNotMatch(w.message, /other/);
    }
  });
}
