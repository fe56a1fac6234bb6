/**
 * JSON Lines (`.jsonl`, `.ndjson`, and `.json` files holding one object per line) and `.json` arrays of records
 * (`df.to_json(orient="records")`) or column objects (`df.to_json()`, orient="columns").
 * Numbers keep their literal spelling: a number whose text a float64 would not reproduce (`98765432109876543210`,
 * `1.10`) is parsed by lossless-json into a LosslessNumber; the rest parse natively (fast path).
 */
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { LosslessNumber, parse as losslessParse } from 'lossless-json';
import { ProbescopeError } from '../errors';
import { ColumnTableBuilder, type BuildOptions, type RawRow, type RawTable } from './columnTable';
import { contentSize, uncompressedName } from './compression';
import { documentRows } from './jsonDocument';
import { streamJsonArray } from './jsonArrayStream';
import { openDecodedText } from './textDecoding';

/** A column-oriented `.json` object is parsed whole; above this size it must be JSON Lines (V8 strings stop at ~512 MiB). */
export const MAX_JSON_ARRAY_BYTES = 256 * 1024 * 1024;

/** ±1e999: how patchPythonWords writes Python's ±Infinity, read as the float64 infinities. */
const INFINITY = /^-?1e999$/;
const keepSpelling = (s: string): unknown =>
  String(Number(s)) === s || INFINITY.test(s) ? Number(s) : new LosslessNumber(s);

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Index just past the string literal that opens at `text[start]` (a quote); text.length when it never closes. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  for (;;) {
    const q = text.indexOf('"', i);
    if (q === -1) return text.length;
    let back = 0;
    while (text.charCodeAt(q - 1 - back) === BACKSLASH) back++;
    if (back % 2 === 0) return q + 1;
    i = q + 1;
  }
}

/** Python's json.dumps writes float NaN and ±inf as these bare words (allow_nan=True, its default). */
const PYTHON_WORDS = /NaN|-?Infinity/g;

/**
 * `text` with Python's bare `NaN` → `null` (a missing value) and `Infinity` / `-Infinity` → `1e999` / `-1e999`
 * (JSON.parse reads those as ±Infinity), outside string literals; undefined when there is none. A loop over the
 * string literals, never a regular expression over them (a 10 MB string overflows V8's regexp backtracking stack).
 */
function patchPythonWords(text: string): string | undefined {
  let out = '';
  let from = 0;
  let i = 0;
  let changed = false;
  while (i < text.length) {
    const q = text.indexOf('"', i);
    const plainEnd = q === -1 ? text.length : q;
    const plain = text.slice(i, plainEnd);
    if (/NaN|Infinity/.test(plain)) {
      out +=
        text.slice(from, i) +
        plain.replace(PYTHON_WORDS, (m) => (m === 'NaN' ? 'null' : m.replace('Infinity', '1e999')));
      from = plainEnd;
      changed = true;
    }
    if (q === -1) break;
    i = stringEnd(text, q);
  }
  return changed ? out + text.slice(from) : undefined;
}

/**
 * JSON.parse, except that numbers whose spelling a float64 would change stay LosslessNumber (see file comment), and
 * Python's bare `NaN` (json.dumps of a float NaN) reads as null, i.e. a missing value, and `Infinity` / `-Infinity`
 * as the numbers ±Infinity (texts "Infinity", labels refused as not finite).
 */
export function parseJsonExact(text: string): unknown {
  try {
    return parseStrictJson(text);
  } catch (err) {
    if (err instanceof DuplicateKeyError || !/NaN|Infinity/.test(text)) throw err;
    const patched = patchPythonWords(text);
    if (patched === undefined) throw err;
    return parseStrictJson(patched);
  }
}

const isDigitStart = (c: number) => (c >= 0x30 && c <= 0x39) || c === 0x2d; // 0-9 or '-'
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * One scan of the text finds (1) numbers whose spelling a float64 would change (then lossless-json parses the text)
 * and (2) a key that appears twice in the top-level object (JSON.parse would keep the last silently): refused.
 * A character loop (string literals skipped with indexOf), so its cost and stack do not depend on a string's length.
 */
function parseStrictJson(text: string): unknown {
  let depth = 0;
  let lossless = false;
  let keys: Set<string> | undefined;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (depth === 1) {
        let j = end;
        while (j < n && /\s/.test(text[j])) j++;
        if (text[j] === ':') {
          const raw = text.slice(i, end);
          const key = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
          keys ??= new Set();
          if (keys.has(key)) throw new DuplicateKeyError(key);
          keys.add(key);
        }
      }
      i = end;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      i++;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
      i++;
    } else if (!lossless && isDigitStart(c)) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) i++;
      else {
        if (String(Number(m[0])) !== m[0] && !INFINITY.test(m[0])) lossless = true;
        i += m[0].length;
      }
    } else i++;
  }
  return lossless ? losslessParse(text, null, keepSpelling) : JSON.parse(text);
}

/** A key given twice in one JSON object (`{"label": 1, "label": 0}`): refused, since readers disagree on which wins. */
export class DuplicateKeyError extends Error {
  constructor(readonly key: string) {
    super(
      `the key "${key}" appears twice in one object; JSON readers keep only one of the two values, so rename or remove one (as pandas renames duplicate CSV headers: "${key}.1")`,
    );
  }
}

/** A control character as U+XXXX (for messages: a NUL or Ctrl-Z printed raw is invisible or breaks the terminal). */
function escapeControl(c: string): string {
  return `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** What is probably wrong with a JSON Lines line that does not parse (a comment, a separator, a stray byte). */
function lineHint(line: string): string {
  if (/^(\/\/|#)/.test(line)) return ' This line looks like a comment: JSON has none, so remove it.';
  if (line.endsWith(',') || line.startsWith(','))
    return ' It has a comma outside the object: JSON Lines has no separator between records (an array of records goes in a .json file).';
  const odd = [...line].find((c) => c.charCodeAt(0) < 0x20 && c !== '\t' && c !== '\n' && c !== '\r');
  if (odd !== undefined) return ` It holds the control character ${escapeControl(odd)} (a truncated or padded file?).`;
  return '';
}

/** DATASET_INVALID for a record that does not parse, or repeats a key, naming where it is. */
function jsonError(file: string, where: string, err: unknown, hint = ''): ProbescopeError {
  if (err instanceof DuplicateKeyError)
    return new ProbescopeError('DATASET_INVALID', `${file} ${where}: ${err.message}.`);
  // JSON.parse quotes the bad text, control characters (NUL padding, Ctrl-Z) included: shown as U+XXXX instead.
  const reason = Array.from((err as Error).message, (c) => (c.charCodeAt(0) < 0x20 ? escapeControl(c) : c)).join('');
  return new ProbescopeError('DATASET_INVALID', `${file} ${where}: invalid JSON (${reason}).${hint}`);
}

const isRecord = (v: unknown): v is RawRow => v !== null && typeof v === 'object' && !Array.isArray(v);

function objectError(file: string, where: string, got: unknown): ProbescopeError {
  const what = Array.isArray(got) ? 'an array' : got === null ? 'null' : typeof got;
  return new ProbescopeError(
    'DATASET_INVALID',
    `${file} ${where}: expected a JSON object like {"text": "...", "label": 1}, got ${what}.`,
  );
}

async function readWhole(abs: string, encoding?: string): Promise<string> {
  const decoded = await openDecodedText(abs, encoding);
  let text = '';
  for await (const chunk of decoded.chunks) text += chunk;
  return text;
}

/** A `.json` array of records, streamed one record at a time (jsonArrayStream). */
async function readJsonArray(
  abs: string,
  builder: ColumnTableBuilder,
  encoding?: string,
  sink?: BuildOptions['sink'],
): Promise<void> {
  const file = path.basename(abs);
  const resume = sink?.resume;
  const decoded = await openDecodedText(abs, encoding, resume?.offset ?? 0);
  const every = sink?.checkpointEvery;
  const index = {
    first: resume?.row ?? 0,
    inside: resume !== undefined,
    ...(every && sink?.onCheckpoint
      ? {
          every,
          onStart: (row: number, offset: number) =>
            sink.onCheckpoint!({ row, offset: (resume?.offset ?? 0) + offset, array: true }),
        }
      : {}),
  };
  await streamJsonArray(file, decoded.chunks, index, (text, i) => {
    let row: unknown;
    try {
      row = parseJsonExact(text);
    } catch (err) {
      throw jsonError(file, `item ${i + 1}`, err);
    }
    if (!isRecord(row)) throw objectError(file, `item ${i + 1}`, row);
    builder.addObject(row);
  });
}

/** A `.json` file holding one table-shaped object (jsonDocument.ts: pandas' orients, `{"data": [...]}`), parsed whole. */
async function readJsonColumns(abs: string, builder: ColumnTableBuilder, encoding?: string): Promise<void> {
  const file = path.basename(abs);
  const size = await contentSize(abs, (await fs.stat(abs)).size);
  if (size > MAX_JSON_ARRAY_BYTES)
    throw new ProbescopeError(
      'DATASET_INVALID',
      `${file}: a ${Math.round(size / 2 ** 20)} MiB JSON object is too large to read at once; write JSON Lines instead (pandas: df.to_json("data.jsonl", orient="records", lines=True)).`,
    );
  let doc: unknown;
  try {
    doc = parseJsonExact(await readWhole(abs, encoding));
  } catch (err) {
    if (err instanceof ProbescopeError) throw err;
    throw jsonError(file, 'top level', err);
  }
  const found = documentRows(doc);
  if (!found) throw documentError(file, doc);
  if (found.note) builder.notes.push(found.note);
  for (const row of found.rows()) {
    if (!isRecord(row)) throw objectError(file, `${found.shape} row ${builder.rowCount + 1}`, row);
    builder.addObject(row);
  }
}

/** A .json object that is none of documentRows' shapes, nor one record. */
function documentError(file: string, doc: unknown): ProbescopeError {
  if (!isRecord(doc)) return objectError(file, 'top level', doc);
  const keys = Object.keys(doc);
  return new ProbescopeError(
    'DATASET_INVALID',
    `${file}: a JSON object with keys ${keys
      .slice(0, 8)
      .map((k) => `"${k}"`)
      .join(', ')}${keys.length > 8 ? ', …' : ''} is not a table. ` +
      `Write records, one per line (pandas: df.to_json("data.jsonl", orient="records", lines=True)), or an array of records; ` +
      `pandas' orients "columns", "index", "split" and "table" are read too.`,
  );
}

/** Reads JSON Lines or a .json document; with a sink the rows stream to it in batches (TableSink). */
export async function readJson(
  abs: string,
  opts: { encoding?: string } = {},
  build: BuildOptions = {},
): Promise<RawTable> {
  const file = path.basename(abs);
  const resume = build.sink?.resume;
  if (resume?.array) {
    const doc = new ColumnTableBuilder(abs, 'jsonl', [], build);
    await readJsonArray(abs, doc, opts.encoding, build.sink);
    return doc.finish(abs);
  }
  const builder = new ColumnTableBuilder(abs, 'jsonl', [], build);
  const decoded = await openDecodedText(abs, opts.encoding, resume?.offset ?? 0);
  const every = build.sink?.checkpointEvery;
  // UTF-8 byte where the current line starts (counted only for the sparse row index).
  let lineByte = resume?.offset ?? 0;
  if (decoded.source !== 'default' && decoded.encoding !== 'utf-8')
    builder.notes.push({
      kind: 'parse',
      message: `Read as ${decoded.encoding} (${decoded.source === 'given' ? '--encoding' : 'byte-order mark'}).`,
    });
  let rest = '';
  let lineNo = 0;
  let first = !resume;
  const handle = (raw: string): boolean => {
    lineNo++;
    const at = lineByte;
    if (every) lineByte += Buffer.byteLength(raw) + 1;
    const line = raw.trim();
    if (line === '') return true;
    if (first) {
      first = false;
      // A .json document (array, or pretty-printed object) rather than one object per line.
      if (line.startsWith('[')) isArray = true;
      if (isArray || (/\.(json|txt)$/i.test(uncompressedName(abs)) && line === '{')) return false;
    }
    let value: unknown;
    try {
      value = parseJsonExact(line);
    } catch (err) {
      throw jsonError(file, `line ${lineNo}`, err, ` Each line must be one JSON object.${lineHint(line)}`);
    }
    if (!isRecord(value)) throw objectError(file, `line ${lineNo}`, value);
    firstRecord ??= value;
    if (every && builder.rowCount % every === 0) build.sink!.onCheckpoint?.({ row: builder.rowCount, offset: at });
    builder.addObject(value, resume ? 0 : lineNo);
    return true;
  };
  let asDocument = false;
  let isArray = false;
  // The first record as parsed (the builder may store only some columns: BuildOptions.keep).
  let firstRecord: RawRow | undefined;
  const isJsonFile = /\.(json|txt)$/i.test(uncompressedName(abs));
  const size = await contentSize(abs, (await fs.stat(abs)).size);
  outer: for await (const chunk of decoded.chunks) {
    rest += chunk;
    // A JSON array (often written on one line) is a document: do not wait for a newline that may never come.
    if (first && rest.trimStart().startsWith('[')) {
      asDocument = isArray = true;
      break;
    }
    // A huge .json object on one line is a column-oriented document (refused by size), not a JSON Lines record.
    if (
      first &&
      isJsonFile &&
      rest.trimStart().startsWith('{') &&
      !rest.includes('\n') &&
      size > MAX_JSON_ARRAY_BYTES
    ) {
      asDocument = true;
      break;
    }
    if (rest.length > MAX_JSON_ARRAY_BYTES)
      throw new ProbescopeError(
        'DATASET_INVALID',
        `${file} line ${lineNo + 1}: longer than ${MAX_JSON_ARRAY_BYTES / 2 ** 20} MiB without a line break; JSON Lines needs one record per line.`,
      );
    let nl = rest.indexOf('\n');
    let start = 0;
    while (nl !== -1) {
      if (!handle(rest.slice(start, nl))) {
        asDocument = true;
        break outer;
      }
      start = nl + 1;
      nl = rest.indexOf('\n', start);
    }
    rest = rest.slice(start);
  }
  if (!asDocument && rest.trim() !== '' && !handle(rest)) asDocument = true;
  // One object in a .json file shaped like a table (pandas' orients "columns", "index", "split", "table", or a
  // {"data": [...]} wrapper) written on one line: read it as that table.
  if (!asDocument && builder.rowCount === 1 && /\.(json|txt)$/i.test(uncompressedName(abs)))
    asDocument = documentRows(firstRecord) !== undefined;
  if (asDocument) {
    const doc = new ColumnTableBuilder(abs, 'jsonl', [], build);
    doc.notes.push(...builder.notes);
    if (isArray) await readJsonArray(abs, doc, opts.encoding, build.sink);
    else await readJsonColumns(abs, doc, opts.encoding);
    return doc.finish(abs);
  }
  return builder.finish(abs);
}
