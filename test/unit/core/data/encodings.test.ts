/** Encodings as exports write them: UTF-8/UTF-16 BOMs, UTF-16 without BOM, Windows-1252; never a silent U+FFFD. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as iconv from 'iconv-lite';
import { inspectDataset, readDataset } from '../../../../src/core/data';
import { ProbescopeError } from '../../../../src/core/errors';

const dir = mkdtempSync(join(tmpdir(), 'ps-enc-'));
function file(name: string, content: Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

const bodies = {
  csv: 'text,label\nCafé crème,1\nnaïve façade,0\nÜber größe,1\n',
  tsv: 'text\tlabel\nCafé crème\t1\nnaïve façade\t0\nÜber größe\t1\n',
  jsonl: '{"text":"Café crème","label":1}\n{"text":"naïve façade","label":0}\n{"text":"Über größe","label":1}\n',
  json: '[{"text":"Café crème","label":1},\n{"text":"naïve façade","label":0},\n{"text":"Über größe","label":1}]\n',
};
const expected = ['Café crème', 'naïve façade', 'Über größe'];

for (const [ext, body] of Object.entries(bodies)) {
  test(`${ext}: UTF-16 LE with BOM (Excel "Unicode text"), UTF-16 BE with BOM and UTF-8 with BOM decode exactly`, async () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(body, 'utf16le')]);
    const be = Buffer.from(le);
    be.swap16();
    const u8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body, 'utf8')]);
    for (const [name, bytes] of [
      ['le', le],
      ['be', be],
      ['u8', u8],
    ] as const) {
      const ds = await readDataset(file(`bom-${name}.${ext}`, bytes));
      assert.deepEqual(ds.texts, expected, `${name}`);
      assert.deepEqual(ds.labels, ['1', '0', '1']);
      assert.deepEqual(
        ds.columns.map((c) => c.name),
        ['text', 'label'],
        'the BOM is not part of the first column name',
      );
      const notes = ds.warnings.filter((w) => /^Read as/.test(w.message)).map((w) => w.message);
      assert.deepEqual(notes, name === 'u8' ? [] : [`Read as utf-16${name} (byte-order mark).`]);
    }
  });

  test(`${ext}: UTF-16 LE without a BOM is recognised from its NUL bytes`, async () => {
    const ds = await readDataset(file(`nobom.${ext}`, Buffer.from(body, 'utf16le')));
    assert.deepEqual(ds.texts, expected);
  });

  test(`${ext}: Windows-1252 bytes are refused naming the line and --encoding cp1252, which then decodes them`, async () => {
    const p = file(`cp1252.${ext}`, iconv.encode(body, 'cp1252'));
    const line = ext === 'csv' || ext === 'tsv' ? 2 : 1;
    await assert.rejects(
      readDataset(p),
      (e: unknown) =>
        e instanceof ProbescopeError &&
        e.code === 'DATASET_INVALID' &&
        new RegExp(`^cp1252\\.${ext} line ${line}: not valid UTF-8 \\(byte 0xE9 .*--encoding cp1252`).test(e.message),
    );
    // The panel gets the same refusal (inspectDataset reads through the same decoder).
    await assert.rejects(inspectDataset({ path: p }), /not valid UTF-8/);
    const ds = await readDataset(p, { encoding: 'cp1252' });
    assert.deepEqual(ds.texts, expected);
    assert.ok(!ds.texts.some((t) => t.includes('\uFFFD')));
  });
}

test('an invalid byte deep in a large file names its line (chunk boundaries counted)', async () => {
  const lines = ['text,label', ...Array.from({ length: 60000 }, (_, i) => `row ${i} with some padding text,${i % 2}`)];
  const good = Buffer.from(lines.join('\n') + '\n', 'utf8');
  const bad = Buffer.concat([good, Buffer.from('caf'), Buffer.from([0xe9]), Buffer.from(',1\n')]);
  await assert.rejects(readDataset(file('deep.csv', bad)), /deep\.csv line 60002: not valid UTF-8/);
});

test('a multi-byte character split across read chunks is decoded, not refused', async () => {
  // 1 MiB chunks: put a 4-byte emoji across the first boundary.
  const pad = 'x'.repeat((1 << 20) - 'text,label\n'.length - 2);
  const body = `text,label\n${pad}😀,1\nother,0\n`;
  const ds = await readDataset(file('split.csv', Buffer.from(body, 'utf8')));
  assert.equal(ds.texts[0], `${pad}😀`);
});

test('an unknown --encoding is a BAD_ARGUMENT with examples', async () => {
  const p = file('any.csv', Buffer.from('text,label\na,1\n'));
  await assert.rejects(
    readDataset(p, { encoding: 'klingon' }),
    (e: unknown) => e instanceof ProbescopeError && e.code === 'BAD_ARGUMENT' && /cp1252/.test(e.message),
  );
});

test('Excel "Unicode text" (.txt: UTF-16 LE with BOM, tab-separated) reads with quotes kept literally', async () => {
  const body = 'text\tlabel\r\nCafé "crème"\t1\r\nnaïve\t0\r\n';
  const p = file('excel-unicode.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(body, 'utf16le')]));
  const ds = await readDataset(p);
  assert.deepEqual(ds.texts, ['Café "crème"', 'naïve']);
  assert.deepEqual(ds.labels, ['1', '0']);
});
