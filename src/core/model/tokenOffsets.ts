import type { TokenSpan } from '../../protocol/types';

const SPACE = 0x20;
const METASPACE = 0x2581; // '▁', what SentencePiece-style normalizers turn spaces into
const BYTE_PIECE = /^<0x([0-9A-Fa-f]{2})>$/;

/**
 * Recovers UTF-16 [start, end) offsets for tokens of `text` (the JS tokenizer gives ids and token strings only) by
 * walking the text alongside the token strings:
 * - `▁` in a piece matches a space (or a literal `▁`); a `▁` with no space under it is a dummy prefix and takes no
 *   characters.
 * - `<0xNN>` byte-fallback pieces collect UTF-8 bytes until one character is complete; every byte piece of a character
 *   gets that character's whole span (transformers' `return_offsets_mapping` convention, reference.json
 *   `offsets_utf16_hf`), so a character's attention is the sum over its pieces and no piece is left unpainted.
 *   Byte pieces of one character therefore share a span; spans are monotone (start and end never decrease).
 * - added tokens (`<start_of_turn>`, `\n` …) match their content literally where it is in the text; otherwise (Gemma's
 *   added `▁▁` that BPE also yields for two spaces) they align as ordinary pieces.
 * Everything else matches character by character. A piece that does not match (a normalizer that rewrote the text,
 * `<unk>`) takes its length in characters, so spans stay monotone and within the text whatever happens.
 * `tokens`/`ids` must be the encoding of `text` alone (no post-processor specials).
 */
export function alignTokens(
  text: string,
  ids: ArrayLike<number>,
  tokens: ArrayLike<string>,
  addedTokens: ReadonlyMap<number, string>,
  unkId?: number,
): TokenSpan[] {
  const spans: TokenSpan[] = new Array(ids.length);
  const n = text.length;
  let pos = 0;
  let bytesPending = 0; // byte pieces still expected for the character at `pos`
  let charEnd = 0; // end of the character the pending byte pieces encode

  for (let t = 0; t < ids.length; t++) {
    const id = ids[t];
    const piece = tokens[t];
    const start = pos;

    const byte = piece.length === 6 ? BYTE_PIECE.exec(piece) : null;
    if (byte) {
      if (bytesPending === 0) {
        bytesPending = utf8Length(parseInt(byte[1], 16));
        charEnd = Math.min(n, pos + charLength(text, pos));
      }
      bytesPending--;
      spans[t] = { id, text: piece, start, end: charEnd };
      if (bytesPending === 0) pos = charEnd;
      continue;
    }
    bytesPending = 0;

    const added = addedTokens.get(id);
    if (added !== undefined) {
      const at = findAfterWhitespace(text, pos, added); // lstrip/rstrip tokens may swallow spaces
      if (at >= 0) {
        spans[t] = { id, text: piece, start: at, end: at + added.length };
        pos = at + added.length;
        continue;
      }
      // Not literally in the text: the model produced the same id from normalized text (Gemma's added "▁▁" for
      // two spaces), so align it like any other piece.
    }

    if (id === unkId) {
      pos = Math.min(n, pos + charLength(text, pos));
      spans[t] = { id, text: piece, start, end: pos };
      continue;
    }

    pos = matchPiece(text, pos, piece);
    spans[t] = { id, text: piece, start, end: pos };
  }
  return spans;
}

/** Position after `piece` matched at `pos`; on a mismatch, `pos` plus the piece's remaining length (clamped). */
function matchPiece(text: string, pos: number, piece: string): number {
  const n = text.length;
  for (let i = 0; i < piece.length; i++) {
    const u = piece.charCodeAt(i);
    const c = pos < n ? text.charCodeAt(pos) : -1;
    if (u === METASPACE) {
      if (c === SPACE || c === METASPACE) pos++;
      continue; // no space in the text: a dummy prefix
    }
    if (c === u) {
      pos++;
      continue;
    }
    return Math.min(n, pos + piece.length - i);
  }
  return pos;
}

/** Where `needle` starts at `pos` or after whitespace following it; -1 when it does not. */
function findAfterWhitespace(text: string, pos: number, needle: string): number {
  let at = pos;
  while (at < text.length && !text.startsWith(needle, at) && /\s/.test(text[at])) at++;
  return text.startsWith(needle, at) ? at : -1;
}

/** Bytes in the UTF-8 sequence a lead byte starts (1 for stray continuation bytes, so they never stall). */
function utf8Length(lead: number): number {
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  if (lead >= 0xc0) return 2;
  return 1;
}

/** UTF-16 length of the code point at `pos` (a lone surrogate counts as one, as TextEncoder's U+FFFD does). */
function charLength(text: string, pos: number): number {
  const c = text.charCodeAt(pos);
  if (c >= 0xd800 && c <= 0xdbff && pos + 1 < text.length) {
    const d = text.charCodeAt(pos + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 2;
  }
  return 1;
}
