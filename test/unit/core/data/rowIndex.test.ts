/**
 * The sparse row index of the dataset panel (streamedRows.ts): checkpoints recorded while a file is read let a deep
 * page start reading near its rows. Pages read through the index equal the pages of the whole table read from the
 * start, and every checkpoint resumes at exactly its row, for CSV with CRLF and line breaks inside quotes, an Excel
 * `sep=;` file, UTF-8 with a BOM, UTF-16 LE and BE, cp1252 (--encoding), JSON Lines, JSON arrays (one line and
 * pretty-printed), their gzip-compressed copies, and Parquet with several row groups.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import * as iconv from 'iconv-lite';
import { datasetRows } from '../../../../src/core/data';
import type { RowCheckpoint } from '../../../../src/core/data/columnTable';
import { datasetRowsConfig } from '../../../../src/core/data/datasetRows';
import { scanTable } from '../../../../src/core/data/records';
import { rowIndexConfig } from '../../../../src/core/data/streamedRows';
import type { DatasetReadParams } from '../../../../src/protocol/types';

const dir = mkdtempSync(join(tmpdir(), 'ps-rowindex-'));
const N = 47;
const text = (i: number, plain = false) =>
  `line ${i} é ü 中 🎉` + (plain || i % 5 !== 0 ? '' : ' with "quotes", commas; and\r\na break');
const label = (i: number) => ['pos', 'neg', 'mid'][i % 3];
const csvCell = (s: string) => `"${s.replace(/"/g, '""')}"`;

interface Case {
  name: string;
  file: string;
  read?: DatasetReadParams;
}

async function cases(): Promise<Case[]> {
  const out: Case[] = [];
  const put = (name: string, bytes: Buffer, read?: DatasetReadParams) => {
    const file = join(dir, name);
    writeFileSync(file, bytes);
    out.push({ name, file, ...(read ? { read } : {}) });
  };
  const csv = (sep: string, eol: string) =>
    ['text' + sep + 'label', ...Array.from({ length: N }, (_, i) => csvCell(text(i)) + sep + label(i))].join(eol) + eol;
  put('crlf.csv', Buffer.from(csv(',', '\r\n').replace('\r\nline 3', '\r\n\r\nline 3')));
  put('excel-sep.csv', Buffer.from('sep=;\r\n' + csv(';', '\r\n')));
  put('bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(csv(',', '\n'))]));
  const tsv = ['text\tlabel', ...Array.from({ length: N }, (_, i) => `${text(i, true)}\t${label(i)}`)].join('\r\n');
  put('excel-unicode.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(tsv, 'utf-16le')]));
  put('utf16be.csv', Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(csv(',', '\n'), 'utf-16be')]));
  const latin = ['text,label', ...Array.from({ length: N }, (_, i) => `"caf\u00e9 ${i}\nna\u00efve",${label(i)}`)];
  put('cp1252.csv', iconv.encode(latin.join('\r\n'), 'cp1252'), { encoding: 'cp1252' });
  const rows = Array.from({ length: N }, (_, i) => ({ text: text(i), label: label(i) }));
  put('crlf.jsonl', Buffer.from(rows.map((r, i) => JSON.stringify(r) + (i % 7 === 0 ? '\r\n\r\n' : '\r\n')).join('')));
  put('oneline.json', Buffer.from(JSON.stringify(rows)));
  put('pretty.json', Buffer.from(JSON.stringify(rows, null, 2)));
  // gzip-compressed copies (a deep page decompresses from the start and drops the bytes before its checkpoint), one
  // with no .gz in its name (the magic bytes decide).
  for (const name of ['crlf.csv', 'excel-unicode.txt', 'cp1252.csv', 'crlf.jsonl', 'oneline.json', 'pretty.json']) {
    const plain = out.find((c) => c.name === name)!;
    put(`${name}.gz`, gzipSync(readFileSync(plain.file)), plain.read);
  }
  put('gzip-inside.csv', gzipSync(readFileSync(join(dir, 'bom.csv'))));
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const columnData = [
    { name: 'text', data: rows.map((r) => r.text), type: 'STRING' as const },
    { name: 'label', data: rows.map((r) => r.label), type: 'STRING' as const },
  ];
  put('groups.parquet', Buffer.from(parquetWriteBuffer({ columnData, rowGroupSize: 6 })));
  return out;
}

describe('sparse row index', () => {
  it('every checkpoint resumes the read at exactly its row', async () => {
    for (const c of await cases()) {
      const all: { text: unknown; label: unknown }[] = [];
      const checkpoints: RowCheckpoint[] = [];
      const r = await scanTable(c.file, c.read ?? {}, {
        batchRows: 5,
        checkpointEvery: 4,
        onCheckpoint: (cp) => checkpoints.push(cp),
        onBatch: (b) => {
          for (let i = 0; i < b.rowCount; i++) all.push({ text: b.column('text')[i], label: b.column('label')[i] });
        },
      });
      assert.equal(r.stopped, false);
      assert.equal(all.length, N, c.name);
      if (c.name.endsWith('.parquet')) {
        assert.equal(checkpoints.length, 0);
        checkpoints.push({ row: 13, offset: 0 }, { row: 30, offset: 0 });
      } else
        assert.deepEqual(
          checkpoints.map((cp) => cp.row),
          Array.from({ length: Math.ceil(N / 4) }, (_, j) => 4 * j),
          c.name,
        );
      for (const cp of checkpoints) {
        const got: { row: number; text: unknown; label: unknown }[] = [];
        await scanTable(c.file, c.read ?? {}, {
          batchRows: 5,
          resume: cp,
          onBatch: (b) => {
            for (let i = 0; i < b.rowCount; i++)
              got.push({ row: b.start + i, text: b.column('text')[i], label: b.column('label')[i] });
            return false;
          },
        });
        const expected = c.name.endsWith('.parquet') ? Math.floor(cp.row / 6) * 6 : cp.row; // row groups of 6
        assert.equal(got[0]?.row, expected, `${c.name}: resumed at row ${got[0]?.row}, not ${expected}`);
        for (const g of got) assert.deepEqual({ text: g.text, label: g.label }, all[g.row], `${c.name} row ${g.row}`);
      }
    }
  });

  it('pages read through the index equal pages read from the start', async () => {
    const saved = { memo: datasetRowsConfig.memoMaxBytes, every: rowIndexConfig.checkpointRows };
    try {
      for (const c of await cases()) {
        const base = { path: c.file, textField: 'text', labelField: 'label', ...(c.read ?? {}) };
        for (let offset = 0; offset <= N + 2; offset += 3) {
          const q = { ...base, offset, limit: 5 };
          datasetRowsConfig.memoMaxBytes = Infinity;
          const whole = await datasetRows(q);
          datasetRowsConfig.memoMaxBytes = 0;
          rowIndexConfig.checkpointRows = 4;
          const indexed = await datasetRows(q);
          assert.deepEqual(indexed, whole, `${c.name} offset ${offset}`);
          if (offset < N) assert.equal(indexed.rows[0].index, offset);
        }
        const hits = { ...base, offset: 2, limit: 3, search: 'line 4' };
        datasetRowsConfig.memoMaxBytes = Infinity;
        const whole = await datasetRows(hits);
        datasetRowsConfig.memoMaxBytes = 0;
        await datasetRows(hits); // the search pass
        assert.deepEqual(await datasetRows(hits), whole, `${c.name} search`);
      }
    } finally {
      datasetRowsConfig.memoMaxBytes = saved.memo;
      rowIndexConfig.checkpointRows = saved.every;
    }
  });
});
