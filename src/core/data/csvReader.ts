/**
 * Delimited text (CSV, TSV, semicolon CSV from Excel, pipe tables), streamed through csv-parse.
 * - Delimiter: `--delimiter`, else an Excel `sep=X` first line, else detected from the header and first lines among
 *   `,` `;` tab `|` (the candidate found in the header with the steadiest count per line), `,` when none is.
 * - Quotes: processed (RFC 4180, `""` inside quotes) unless the delimiter is a tab: tab-separated files are read
 *   literally, as most TSV writers intend; `quote` overrides both. Quotes inside unquoted fields are literal.
 * - Header: duplicate names are renamed as pandas does (`label`, `label.1`, …), empty names become `Unnamed: j`.
 * - Records that span several lines (line breaks inside quotes, or an unclosed quote) are reported with line numbers.
 */
import { Readable } from 'node:stream';
import * as path from 'node:path';
import { parse } from 'csv-parse';
import { ProbescopeError } from '../errors';
import { ColumnTableBuilder, ScanStopped, type BuildOptions, type RawTable } from './columnTable';
import { uncompressedName } from './compression';
import { openDecodedText } from './textDecoding';

export interface CsvOptions {
  encoding?: string;
  /** One character; "\t", "tab", "\\t" all mean a tab. */
  delimiter?: string;
  /** Force quote processing on or off. */
  quote?: boolean;
}

const CANDIDATES = [',', ';', '\t', '|'];
const HEAD_CHARS = 64 * 1024;
const NAME: Record<string, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' };
const show = (d: string) => NAME[d] ?? `"${d}"`;

/** Normalises a --delimiter value; BAD_ARGUMENT unless it names one character. */
export function delimiterOf(given: string): string {
  const d = /^(tab|\\t)$/i.test(given) ? '\t' : given;
  if (d.length !== 1 || d === '"' || d === '\n' || d === '\r')
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      `--delimiter must be one character such as , ; | or tab; got "${given}".`,
    );
  return d;
}

/** Detects the delimiter from the first lines of a file (quoted sections ignored); undefined when none occurs. */
export function detectDelimiter(head: string): string | undefined {
  const lines = head
    .replace(/"(?:[^"]|"")*"/g, '""')
    .split(/\r?\n/)
    .slice(0, 30)
    .filter((l) => l.trim() !== '');
  if (head.length >= HEAD_CHARS && lines.length > 1) lines.pop(); // maybe cut short
  if (lines.length === 0) return undefined;
  let best: { d: string; score: number } | undefined;
  for (const d of CANDIDATES) {
    const counts = lines.map((l) => l.split(d).length - 1);
    if (counts[0] === 0) continue;
    const same = counts.filter((c) => c === counts[0]).length / counts.length;
    const score = same * 1000 + counts[0];
    if (!best || score > best.score) best = { d, score };
  }
  return best?.d;
}

/**
 * pandas' rule for repeated header names (pandas.io.common.dedup_names): the second `label` becomes `label.1`, and a
 * generated name that is itself taken gets another suffix (`label.1.1`). Empty names become `Unnamed: j`.
 */
export function dedupeHeader(raw: string[]): { names: string[]; renamed: string[] } {
  const counts = new Map<string, number>();
  const renamed: string[] = [];
  const names = raw.map((r, j) => {
    const original = r.trim() === '' ? `Unnamed: ${j}` : r;
    let col = original;
    let cur = counts.get(col) ?? 0;
    while (cur > 0) {
      counts.set(col, cur + 1);
      col = `${col}.${cur}`;
      cur = counts.get(col) ?? 0;
    }
    counts.set(col, cur + 1);
    if (col !== original) renamed.push(`"${original}" (column ${j + 1}) → "${col}"`);
    return col;
  });
  return { names, renamed };
}

function countOf(s: string, part: string): number {
  let n = 0;
  for (let p = s.indexOf(part); p !== -1; p = s.indexOf(part, p + part.length)) n++;
  return n;
}

function lineList(spans: [number, number][]): string {
  const shown = spans.slice(0, 5).map(([a, b]) => (a === b ? `${a}` : `${a}–${b}`));
  return shown.join(', ') + (spans.length > 5 ? `, … (${spans.length} in all)` : '');
}

/** Reads a delimited text file; with a sink the rows stream to it in batches (TableSink) instead of being held. */
export async function readCsv(abs: string, opts: CsvOptions = {}, build: BuildOptions = {}): Promise<RawTable> {
  const file = path.basename(abs);
  const decoded = await openDecodedText(abs, opts.encoding);
  const it = decoded.utf8[Symbol.asyncIterator]();
  const headParts: Buffer[] = [];
  let headBytes = 0;
  let done = false;
  while (headBytes < HEAD_CHARS && !done) {
    const r = await it.next();
    if (r.done) done = true;
    else {
      headParts.push(r.value);
      headBytes += r.value.length;
    }
  }
  const headBuf = Buffer.concat(headParts);
  // Whole characters: the chunks are valid UTF-8 and end on character boundaries.
  const head = headBuf.toString('utf8');
  if (head.includes('\u0000'))
    throw new ProbescopeError(
      'DATASET_INVALID',
      `${file}: contains NUL characters, so it is not ${decoded.encoding} text. If it is UTF-16 without a BOM, pass --encoding utf-16le.`,
    );
  const builder = new ColumnTableBuilder(abs, 'csv', [], build);
  if (decoded.source !== 'default' && decoded.encoding !== 'utf-8')
    builder.notes.push({
      kind: 'parse',
      message: `Read as ${decoded.encoding} (${decoded.source === 'given' ? '--encoding' : decoded.source === 'bom' ? 'byte-order mark' : 'detected from NUL bytes'}).`,
    });
  const sepLine = /^"?sep=(.)"?\r?\n/i.exec(head);
  const isTsv = /\.(tsv|tab)$/i.test(uncompressedName(abs));
  let delimiter: string;
  let how: string;
  if (opts.delimiter !== undefined) [delimiter, how] = [delimiterOf(opts.delimiter), '--delimiter'];
  else if (sepLine) [delimiter, how] = [sepLine[1], 'the sep= line'];
  else if (isTsv) [delimiter, how] = ['\t', 'the file extension'];
  else {
    const found = detectDelimiter(head);
    [delimiter, how] = [found ?? ',', found ? 'detected' : 'default'];
    if (found && found !== ',')
      builder.notes.push({
        kind: 'parse',
        message: `Delimiter: ${show(found)} (detected from the header; --delimiter to override).`,
      });
  }
  const quote = opts.quote ?? delimiter !== '\t';
  // Resuming at a checkpoint of the sparse row index: the dialect comes from the head as always, the header from the
  // checkpoint, and the records from the checkpoint's byte on.
  const resume = build.sink?.resume;
  let doubleCounted = 0;
  const parser = parse({
    delimiter,
    quote: quote ? '"' : false,
    relax_quotes: true,
    relax_column_count: false,
    skip_empty_lines: true,
    // Files edited on several systems mix \r\n and \n endings; csv-parse would otherwise take the first line's ending
    // as the only one and read the rest as one record (a lone-\r file keeps csv-parse's detection).
    ...(head.includes('\n') ? { record_delimiter: ['\r\n', '\n'] } : {}),
    from_line: sepLine && !resume ? 2 : 1,
    // Each record carries the line it ends on and the byte after it (read from the live parser state: cheaper than
    // `info: true`).
    // csv-parse counts a quoted \r\n as two line breaks: each is taken back here, in parse order, so line numbers
    // (of records and of parse errors) count it once.
    on_record: (record: string[], ctx) => {
      for (const f of record) if (f.length > 1 && f.includes('\r\n')) doubleCounted += countOf(f, '\r\n');
      return Object.assign(record, { endLine: ctx.lines - doubleCounted, endByte: ctx.bytes });
    },
  });
  let rest: AsyncIterator<Buffer> = it;
  if (resume) {
    await it.return?.(undefined);
    rest = (await openDecodedText(abs, opts.encoding, resume.offset)).utf8[Symbol.asyncIterator]();
  }
  async function* all(): AsyncGenerator<Buffer> {
    if (!resume) yield headBuf;
    if (done && !resume) return;
    for (let r = await rest.next(); !r.done; r = await rest.next()) yield r.value;
  }
  const source = Readable.from(all(), { objectMode: false });
  source.on('error', (e) => parser.destroy(e)).pipe(parser);

  const every = build.sink?.checkpointEvery;
  const base = resume?.offset ?? 0;
  let recordStart = 0;
  let names: string[] | undefined = resume?.names;
  const spans: [number, number][] = [];
  let quotedFields = 0;
  try {
    for await (const record of parser as AsyncIterable<string[] & { endLine: number; endByte: number }>) {
      let breaks = 0;
      for (const f of record) {
        // A line break inside a field is \r\n, \n or a lone \r.
        const lf = countOf(f, '\n');
        const cr = lf === 0 && !f.includes('\r') ? 0 : countOf(f, '\r');
        breaks += lf + cr - (cr === 0 ? 0 : countOf(f, '\r\n'));
        if (!quote && f.length >= 2 && f.startsWith('"') && f.endsWith('"')) quotedFields++;
      }
      const lines = record.endLine;
      const start = lines - breaks;
      if (breaks > 0) spans.push([start, lines]);
      if (!names) {
        const h = dedupeHeader(record);
        names = h.names;
        if (h.renamed.length > 0)
          builder.notes.push({
            kind: 'duplicate-column',
            message: `Duplicate column names renamed as pandas does: ${h.renamed.join(', ')}.`,
          });
        recordStart = record.endByte;
        continue;
      }
      if (every && builder.rowCount % every === 0)
        build.sink!.onCheckpoint?.({ row: builder.rowCount, offset: base + recordStart, names });
      recordStart = record.endByte;
      builder.addValues(names, record, start);
    }
  } catch (err) {
    if (err instanceof ScanStopped) {
      source.destroy(); // close the file now, not at garbage collection
      await rest.return?.(undefined);
      throw err;
    }
    if (err instanceof ProbescopeError) throw err;
    const e = err as Error & { lines?: number; code?: string };
    const where = e.lines !== undefined ? ` line ${e.lines - doubleCounted}` : '';
    const hint =
      e.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH'
        ? ` Fields are split on ${show(delimiter)} (${how}); pass --delimiter if that is wrong${quote ? '' : ', or --quote if fields are quoted'}.`
        : e.code?.includes('QUOTE')
          ? ` A quote opened there never closes; fix it, or pass --no-quote to read quotes literally.`
          : '';
    const reason = e.message.replace(/ on line (\d+)/, (_m, n: string) => ` on line ${Number(n) - doubleCounted}`);
    throw new ProbescopeError(
      'DATASET_INVALID',
      `${file}${where}: invalid ${isTsv ? 'TSV' : 'CSV'} (${reason}).${hint}`,
    );
  }
  if (spans.length > 0)
    builder.notes.push({
      kind: 'multiline-record',
      message: `${spans.length} record(s) span several lines (line breaks inside quotes): lines ${lineList(spans)}. If that is not intended, a quote is left open there.`,
    });
  if (quotedFields > 0)
    builder.notes.push({
      kind: 'parse',
      message: `${quotedFields} field(s) are wrapped in double quotes and were kept as written (tab-separated files are read without quote processing); pass --quote if the file uses CSV quoting.`,
    });
  return builder.finish(abs);
}
