/**
 * Streams a text file as decoded string chunks, never replacing a character silently:
 * - a BOM picks the encoding (UTF-8 `EF BB BF`, UTF-16 LE `FF FE`, UTF-16 BE `FE FF`) and is dropped;
 * - without a BOM, a sample full of NUL bytes at odd (even) positions is read as UTF-16 LE (BE);
 * - otherwise the bytes must be valid UTF-8: the first invalid byte is refused with its line number and a hint
 *   (`--encoding cp1252`), because a legacy-encoded file decoded as UTF-8 turns every accent into U+FFFD;
 * - an explicit encoding (any name iconv-lite knows: cp1252, latin1, shift_jis, utf-16le, …) decodes with iconv-lite;
 *   bytes that encoding cannot map are refused too.
 * Chunks are ~1 MiB, so memory stays bounded whatever the file size. A gzip file is decompressed as it streams, and
 * other compressions are refused (compression.ts).
 */
import { isUtf8 } from 'node:buffer';
import * as path from 'node:path';
import * as iconv from 'iconv-lite';
import { ProbescopeError } from '../errors';
import { contentBytes, contentHead, firstBytes, isGzip, refuseCompressed } from './compression';

export interface DecodedText {
  /** The encoding used, e.g. "utf-8", "utf-16le", "cp1252". */
  encoding: string;
  /** How it was chosen: a BOM, a NUL-byte pattern, the default, or the caller. */
  source: 'bom' | 'sniffed' | 'default' | 'given';
  chunks: AsyncIterable<string>;
  /** The same text as UTF-8 bytes (no re-encoding for UTF-8 files); use either `chunks` or `utf8`, not both. */
  utf8: AsyncIterable<Buffer>;
}

function sniff(head: Buffer): { encoding: string; source: DecodedText['source']; skip: number } | undefined {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8', source: 'bom', skip: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', source: 'bom', skip: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', source: 'bom', skip: 2 };
  const pairs = Math.floor(Math.min(head.length, 4096) / 2);
  if (pairs < 2) return undefined;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < pairs; i++) {
    if (head[2 * i] === 0) evenNul++;
    if (head[2 * i + 1] === 0) oddNul++;
  }
  if (oddNul > 0.3 * pairs && evenNul < 0.05 * pairs) return { encoding: 'utf-16le', source: 'sniffed', skip: 0 };
  if (evenNul > 0.3 * pairs && oddNul < 0.05 * pairs) return { encoding: 'utf-16be', source: 'sniffed', skip: 0 };
  return undefined;
}

/** Index of the first byte that breaks UTF-8 (RFC 3629 table 3-7), or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const x = b[i + k];
      if (x === undefined) return i; // truncated at the end
      if (k === 1 ? x < lo || x > hi : x < 0x80 || x > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** Bytes at the end that start an incomplete UTF-8 sequence (0–3). */
function incompleteTail(b: Buffer): number {
  for (let back = 1; back <= Math.min(3, b.length); back++) {
    const c = b[b.length - back];
    if ((c & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return len > back ? back : 0;
  }
  return 0;
}

function countNewlines(b: Uint8Array, end = b.length): number {
  let n = 0;
  for (let i = b.indexOf(10); i !== -1 && i < end; i = b.indexOf(10, i + 1)) n++;
  return n;
}

function invalidUtf8Error(file: string, buf: Buffer, bad: number, linesBefore: number): ProbescopeError {
  const line = linesBefore + countNewlines(buf, bad) + 1;
  const start = buf.lastIndexOf(10, bad - 1) + 1;
  const endNl = buf.indexOf(10, bad);
  const lineBytes = buf.subarray(start, endNl === -1 ? Math.min(buf.length, start + 200) : endNl);
  const preview = iconv.decode(lineBytes, 'cp1252').replace(/\r$/, '').slice(0, 60);
  return new ProbescopeError(
    'DATASET_INVALID',
    `${path.basename(file)} line ${line}: not valid UTF-8 (byte 0x${buf[bad].toString(16).toUpperCase()} at byte ` +
      `${bad - start + 1} of the line; read as Windows-1252 the line starts "${preview}"). The file is in a legacy ` +
      `encoding: pass --encoding cp1252 (what Excel writes on Western Windows; or latin1, shift_jis, …), or re-save ` +
      `it as UTF-8.`,
  );
}

async function* utf8Chunks(file: string, skip: number): AsyncGenerator<Buffer> {
  let carry: Buffer = Buffer.alloc(0);
  let lines = 0;
  for await (const raw of contentBytes(file, skip)) {
    const buf = carry.length > 0 ? Buffer.concat([carry, raw as Buffer]) : (raw as Buffer);
    const cut = buf.length - incompleteTail(buf);
    const whole = buf.subarray(0, cut);
    if (!isUtf8(whole)) {
      const bad = firstInvalidUtf8(whole);
      throw invalidUtf8Error(file, whole, bad < 0 ? 0 : bad, lines);
    }
    lines += countNewlines(whole);
    carry = Buffer.from(buf.subarray(cut));
    yield whole;
  }
  if (carry.length > 0) throw invalidUtf8Error(file, carry, 0, lines);
}

async function* iconvChunks(file: string, encoding: string, skip: number): AsyncGenerator<string> {
  const decoder = iconv.getDecoder(encoding, { stripBOM: true });
  const utf16 = /^utf-?16/i.test(encoding);
  let lines = 0;
  for await (const raw of contentBytes(file, skip)) {
    const s = decoder.write(raw as Buffer);
    // Single-byte code pages map unknown bytes to U+FFFD; refuse instead of replacing silently.
    const bad = utf16 ? -1 : s.indexOf('\uFFFD');
    if (bad !== -1) {
      const line = lines + (s.slice(0, bad).match(/\n/g)?.length ?? 0) + 1;
      throw new ProbescopeError(
        'DATASET_INVALID',
        `${path.basename(file)} line ${line}: a byte that ${encoding} cannot decode. Check --encoding (e.g. utf-8, cp1252, latin1).`,
      );
    }
    lines += s.match(/\n/g)?.length ?? 0;
    if (s) yield s;
  }
  const rest = decoder.end();
  if (rest) yield rest;
}

async function* asStrings(bytes: AsyncIterable<Buffer>): AsyncGenerator<string> {
  for await (const b of bytes) yield b.toString('utf8');
}

async function* asUtf8(strings: AsyncIterable<string>): AsyncGenerator<Buffer> {
  for await (const s of strings) yield Buffer.from(s, 'utf8');
}

function fromUtf8(encoding: string, source: DecodedText['source'], bytes: AsyncIterable<Buffer>): DecodedText {
  return { encoding, source, utf8: bytes, chunks: asStrings(bytes) };
}

function fromStrings(encoding: string, source: DecodedText['source'], strings: AsyncIterable<string>): DecodedText {
  return { encoding, source, chunks: strings, utf8: asUtf8(strings) };
}

/** The UTF-8 bytes of `strings` from byte `skip` on (a character boundary: a record start). */
async function* utf8From(strings: AsyncIterable<string>, skip: number): AsyncGenerator<Buffer> {
  let left = skip;
  for await (const s of strings) {
    const b = Buffer.from(s, 'utf8');
    if (left >= b.length) {
      left -= b.length;
      continue;
    }
    yield left > 0 ? b.subarray(left) : b;
    left = 0;
  }
}

/**
 * Opens `file` as decoded text (see the file comment). `encoding` overrides detection; unknown names are refused
 * with BAD_ARGUMENT. With `fromUtf8Byte` > 0 the text starts that many bytes into its UTF-8 form (a checkpoint of
 * the readers' sparse row index, always at a record start): a UTF-8 file is read from that file offset (past its
 * BOM), a file in another encoding is decoded from its start and the first bytes dropped (no parsing).
 */
export async function openDecodedText(file: string, encoding?: string, fromUtf8Byte = 0): Promise<DecodedText> {
  const d = await openDecodedTextFromStart(file, encoding, fromUtf8Byte);
  if (fromUtf8Byte === 0 || d.encoding === 'utf-8') return d;
  return fromUtf8(d.encoding, d.source, utf8From(d.chunks, fromUtf8Byte));
}

async function openDecodedTextFromStart(
  file: string,
  encoding: string | undefined,
  utf8Skip: number,
): Promise<DecodedText> {
  const raw = await firstBytes(file, 4096);
  refuseCompressed(file, raw);
  const sample = isGzip(raw) ? await contentHead(file, 4096) : raw;
  if (encoding !== undefined) {
    const name = encoding.trim().toLowerCase();
    if (!iconv.encodingExists(name))
      throw new ProbescopeError(
        'BAD_ARGUMENT',
        `--encoding: unknown encoding "${encoding}" (examples: utf-8, utf-16le, cp1252, latin1, shift_jis, gb18030).`,
      );
    const bom = sniff(sample);
    const skip = bom?.source === 'bom' && bom.encoding === name.replace(/^utf8$/, 'utf-8') ? bom.skip : 0;
    if (name === 'utf-8' || name === 'utf8') return fromUtf8('utf-8', 'given', utf8Chunks(file, skip + utf8Skip));
    return fromStrings(name, 'given', iconvChunks(file, name, skip));
  }
  const found = sniff(sample);
  if (!found) return fromUtf8('utf-8', 'default', utf8Chunks(file, utf8Skip));
  if (found.encoding === 'utf-8') return fromUtf8('utf-8', 'bom', utf8Chunks(file, found.skip + utf8Skip));
  return fromStrings(found.encoding, found.source, iconvChunks(file, found.encoding, found.skip));
}
