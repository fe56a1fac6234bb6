/**
 * Bounded reads of files a user (or anyone who can write into a project) controls: only regular files are read
 * (a FIFO, a socket or a symlink to /dev/zero is refused at once, never waited on or streamed), and the size is checked
 * against a limit before a byte is read. Symlinks to regular files are followed (Hugging Face cache folders are links).
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { ProbescopeError, type ProbescopeErrorCode } from '../errors';
import { fsError } from './fsErrors';

/** probe.json and other small manifests Probescope writes. */
export const SMALL_JSON_LIMIT = 1 << 20;

export interface BoundedReadOptions {
  /** Largest size accepted, in bytes. */
  maxBytes: number;
  /** Error code for a file that is not a regular file or too large (default BAD_ARGUMENT). */
  code?: ProbescopeErrorCode;
  /** What the file is, for messages ("probe.json", "tokenizer.json"). */
  what?: string;
}

/**
 * Opens `path` without blocking (O_NONBLOCK: opening a FIFO never waits for a writer) and checks it is a regular file
 * of at most maxBytes. The caller must close the handle. Errors: ENOENT etc. → IO_ERROR naming the file; not a
 * regular file or too large → `code`.
 */
export async function openRegularFile(
  path: string,
  opts: BoundedReadOptions,
): Promise<{ fh: FileHandle; size: number }> {
  const what = opts.what ?? 'file';
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw fsError(err, path, `read the ${what}`);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) {
      const kind = st.isFIFO()
        ? 'a pipe (FIFO)'
        : st.isCharacterDevice()
          ? 'a device'
          : st.isDirectory()
            ? 'a folder'
            : 'not a regular file';
      throw new ProbescopeError(
        opts.code ?? 'BAD_ARGUMENT',
        `${path} is ${kind}, not a regular file; the ${what} must be a plain file.`,
      );
    }
    if (st.size > opts.maxBytes) {
      throw new ProbescopeError(
        opts.code ?? 'BAD_ARGUMENT',
        `${path} is ${st.size} bytes; a ${what} is at most ${opts.maxBytes} bytes. Is this the right file?`,
      );
    }
    return { fh, size: st.size };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** The whole file (regular, at most maxBytes), read in one positioned loop that stops at the size seen at open. */
export async function readRegularFile(path: string, opts: BoundedReadOptions): Promise<Buffer> {
  const { fh, size } = await openRegularFile(path, opts);
  try {
    const buf = Buffer.alloc(size);
    let pos = 0;
    while (pos < size) {
      const { bytesRead } = await fh.read(buf, pos, size - pos, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
    }
    return pos === size ? buf : buf.subarray(0, pos);
  } catch (err) {
    throw err instanceof ProbescopeError ? err : fsError(err, path, `read the ${opts.what ?? 'file'}`);
  } finally {
    await fh.close();
  }
}

/** readRegularFile as UTF-8 text. */
export async function readRegularText(path: string, opts: BoundedReadOptions): Promise<string> {
  return (await readRegularFile(path, opts)).toString('utf8');
}

/** sha256 hex of a regular file of at most maxBytes, streamed (files may exceed Node's 2 GiB buffer limit). */
export async function hashRegularFile(path: string, opts: BoundedReadOptions): Promise<string> {
  const { fh, size } = await openRegularFile(path, opts);
  try {
    const h = createHash('sha256');
    const buf = Buffer.alloc(Math.min(size, 4 << 20) || 1);
    for (let pos = 0; pos < size;) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - pos), pos);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
    return h.digest('hex');
  } finally {
    await fh.close();
  }
}
