/**
 * The text of `activations`/`classify`: `--text STR` or `--text-file FILE` (UTF-8; `-` reads stdin). A command line
 * holds at most 128 KiB per argument on Linux (MAX_ARG_STRLEN), so long documents come from a file.
 */
import { readFile } from 'node:fs/promises';
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
  try {
    if (file === '-') {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    }
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new ProbescopeError('BAD_ARGUMENT', `--${fileFlag}: cannot read ${file} (${(err as Error).message}).`);
  }
}
