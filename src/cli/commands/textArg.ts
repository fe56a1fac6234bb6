/**
 * The text of `activations`/`classify`: `--text STR` or `--text-file FILE` (UTF-8; `-` reads stdin). A command line
 * holds at most 128 KiB per argument on Linux (MAX_ARG_STRLEN), so long documents come from a file.
 */
import { readFile } from 'node:fs/promises';
import { firstInvalidUtf8 } from '../../core/data/textDecoding';
import { ProbescopeError } from '../../core/errors';
import type { CliOption } from '../command';
import { str } from './args';

type Values = Record<string, string | boolean | undefined>;

export const textFileOption: CliOption = {
  type: 'string',
  description: 'Read the text from a UTF-8 file (- = stdin) instead of --text',
  valueName: 'FILE',
};

/** The text given by --text or --text-file, or undefined when neither is (BAD_ARGUMENT when both are). */
export async function textArg(values: Values, fileFlag = 'text-file'): Promise<string | undefined> {
  const text = str(values, 'text');
  const file = str(values, 'text-file');
  if (text !== undefined && file !== undefined)
    throw new ProbescopeError('BAD_ARGUMENT', `Give --text or --${fileFlag}, not both.`);
  if (file === undefined) return text;
  let bytes: Buffer;
  try {
    if (file === '-') {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      bytes = Buffer.concat(chunks);
    } else bytes = await readFile(file);
  } catch (err) {
    throw new ProbescopeError('BAD_ARGUMENT', `--${fileFlag}: cannot read ${file} (${(err as Error).message}).`);
  }
  return decodeTextFile(bytes, file === '-' ? 'stdin' : file, fileFlag);
}

/**
 * The text of a --text-file as the dataset readers decode text (textDecoding.ts): a UTF-8 or UTF-16 BOM picks the
 * encoding and is dropped (it is not part of the text, so offsets index what the user wrote); otherwise the bytes must
 * be valid UTF-8: a legacy-encoded file is refused with the line of its first bad byte instead of U+FFFD characters.
 */
export function decodeTextFile(bytes: Buffer, name: string, fileFlag = 'text-file'): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
  else if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) return Buffer.from(bytes.subarray(2)).swap16().toString('utf16le');
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    let line = 1;
    for (let i = 0; i < bad; i++) if (bytes[i] === 0x0a) line++;
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      `--${fileFlag}: ${name} is not valid UTF-8 (byte 0x${bytes[bad].toString(16).toUpperCase().padStart(2, '0')} on ` +
        `line ${line}); re-save it as UTF-8 (e.g. iconv -f cp1252 -t utf-8).`,
    );
  }
  return bytes.toString('utf8');
}
