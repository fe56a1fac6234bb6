/**
 * Streams the records of a top-level JSON array (`[{…}, {…}]`, what `df.to_json(orient="records")` writes, often on
 * one line) without holding the file: a scanner tracks string and nesting state across decoded chunks, cuts out each
 * top-level object's text and hands it to `parse`. Memory: one record at a time.
 */
import { ProbescopeError } from '../errors';

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xfeff;

/**
 * Where the stream starts: `first` is the index of its first element; `inside` when it starts at an element (a
 * checkpoint) rather than before the '['. With `every`, `onStart(index, byte)` is called for each element whose index
 * is a multiple of it, with the UTF-8 byte (from the stream's start) where the element begins.
 */
export interface ArrayPosition {
  first: number;
  inside: boolean;
  every?: number;
  onStart?(index: number, byte: number): void;
}

/**
 * Calls `onRecord(text, index)` for each element of the array in `chunks`. Elements must be objects; anything else,
 * text after the closing bracket, or an unclosed array is refused with DATASET_INVALID naming the item.
 */
export async function streamJsonArray(
  file: string,
  chunks: AsyncIterable<string>,
  at: ArrayPosition,
  onRecord: (text: string, index: number) => void,
): Promise<number> {
  let depth = at.inside ? 1 : 0; // 0: before '['; 1: inside the array; ≥2: inside an element
  let inString = false;
  let escaped = false;
  let pending = ''; // text of the current element from earlier chunks
  let index = at.first;
  let bytesBefore = 0; // UTF-8 bytes of the earlier chunks (counted only for the sparse row index)
  let closed = false;
  const bad = (what: string): ProbescopeError =>
    new ProbescopeError(
      'DATASET_INVALID',
      `${file} item ${index + 1}: ${what}; a JSON array of records like [{"text": "...", "label": 1}, …] is expected.`,
    );
  for await (const chunk of chunks) {
    let start = depth >= 2 ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) inString = false;
        continue;
      }
      if (depth >= 2) {
        if (c === QUOTE) inString = true;
        else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
        else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
          depth--;
          if (depth === 1) {
            onRecord(pending + chunk.slice(start, i + 1), index++);
            pending = '';
            start = -1;
          }
        }
        continue;
      }
      if (isSpace(c)) continue;
      if (closed) throw bad('text after the closing "]"');
      if (depth === 0) {
        if (c !== OPEN_BRACKET) throw bad('the file does not start with "["');
        depth = 1;
      } else if (c === OPEN_BRACE) {
        depth = 2;
        start = i;
        if (at.every && index % at.every === 0) at.onStart?.(index, bytesBefore + Buffer.byteLength(chunk.slice(0, i)));
      } else if (c === CLOSE_BRACKET) {
        depth = 0;
        closed = true;
      } else if (c === OPEN_BRACKET)
        throw new ProbescopeError(
          'DATASET_INVALID',
          `${file} item ${index + 1}: an array, not a record: rows written as arrays (pandas orient="values") have no column names. Write records instead (pandas: df.to_json("data.jsonl", orient="records", lines=True)).`,
        );
      else if (c !== COMMA) throw bad(`expected a JSON object, got "${chunk.slice(i, i + 20)}"`);
    }
    if (depth >= 2) pending += chunk.slice(start);
    if (at.every) bytesBefore += Buffer.byteLength(chunk);
  }
  if (!closed) throw bad('the array is not closed (the file ends inside it)');
  return index;
}
