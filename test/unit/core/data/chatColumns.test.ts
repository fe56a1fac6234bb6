/**
 * Chat data read without --chat: a "messages" column and no text column, or a text column holding lists of
 * {role, content}, are refused saying how to train on them (--chat messages), in JSON Lines, JSON and Parquet
 * (pyarrow list<struct>: test/fixtures/datasets-exports/make_exports.py), by the reader and the panel alike.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { datasetRows, inspectDataset, readDataset } from '../../../../src/core/data';
import { ProbescopeError } from '../../../../src/core/errors';

const dir = mkdtempSync(join(tmpdir(), 'ps-chatcols-'));
const FIXTURES = resolve(__dirname, '../../../fixtures/datasets-exports');
const chat = (t: string) => [
  { role: 'user', content: t },
  { role: 'assistant', content: 'ok' },
];

async function refused(file: string, message: RegExp): Promise<void> {
  for (const read of [() => readDataset(file), () => inspectDataset({ path: file })])
    await assert.rejects(read(), (e: unknown) => {
      assert.ok(e instanceof ProbescopeError && e.code === 'DATASET_INVALID', String(e));
      assert.match(e.message, message);
      assert.equal(e.message.split('\n').length, 1);
      return true;
    });
}

test('a messages column and no text column: the error says --chat messages', async () => {
  const rows = ['a', 'b'].map((t, i) => ({ messages: chat(t), label: i }));
  const jl = join(dir, 'messages.jsonl');
  writeFileSync(jl, rows.map((r) => JSON.stringify(r)).join('\n'));
  const arr = join(dir, 'messages.json');
  writeFileSync(arr, JSON.stringify(rows));
  for (const file of [jl, arr, join(FIXTURES, 'chat-messages.parquet')])
    await refused(
      file,
      /cannot tell which column is the text \(columns: messages, label\)\. Pass --text-field NAME\. "messages" looks like chat messages: to train on the conversations pass --chat messages/,
    );
});

test('a text column of chat messages: the error names the row and says --chat messages --text-field text', async () => {
  const rows = ['a', 'b'].map((t, i) => ({ text: chat(t), label: i }));
  const jl = join(dir, 'text-chat.jsonl');
  writeFileSync(jl, rows.map((r) => JSON.stringify(r)).join('\n'));
  const arr = join(dir, 'text-chat.json');
  writeFileSync(arr, JSON.stringify(rows));
  for (const file of [jl, arr, join(FIXTURES, 'chat-in-text.parquet')])
    await refused(
      file,
      /row 1( \(line 1\))?: "text" holds chat messages \(a list of \{role, content\}\), not text\. To train on the conversations pass --chat messages --text-field text/,
    );
  // Any other list is still "a list, not text".
  const other = join(dir, 'text-list.jsonl');
  writeFileSync(other, '{"text": ["a", "b"], "label": 1}\n{"text": ["c"], "label": 0}\n');
  await refused(other, /row 1 \(line 1\): "text" is a list, not text\. Pass --text-field NAME for the text column\./);
});

test('the panel pages a text column of chat messages as their JSON, not as blank rows (memoised and streamed)', async () => {
  const rows = ['a', 'b', 'c'].map((t, i) => ({ text: chat(t), label: i % 2 }));
  const jl = join(dir, 'page-chat.jsonl');
  writeFileSync(jl, rows.map((r) => JSON.stringify(r)).join('\n'));
  const { datasetRowsConfig } = await import('../../../../src/core/data/datasetRows');
  for (const file of [jl, join(FIXTURES, 'chat-in-text.parquet')])
    for (const memo of [64 * 2 ** 20, 0]) {
      datasetRowsConfig.memoMaxBytes = memo;
      try {
        const page = await datasetRows({ path: file, textField: 'text', labelField: 'label', offset: 1, limit: 1 });
        const shown = JSON.parse(page.rows[0].text) as { role: string; content: string }[];
        assert.deepEqual(
          shown.map((m) => m.role),
          ['user', 'assistant'],
          `${file} memo ${memo}`,
        );
        assert.equal(shown[0].content, file === jl ? 'b' : 'bad film');
      } finally {
        datasetRowsConfig.memoMaxBytes = 64 * 2 ** 20;
      }
    }
});
