/**
 * Checksummed files Probescope wrote (activation shards, tapped graphs): a file is intact when it is a regular file of
 * the recorded size and sha256. The hash is computed in full the first time in a process; afterwards the (path, inode,
 * size, mtime) verified is trusted, so a rewritten or replaced file is hashed again.
 */
import { stat } from 'node:fs/promises';
import { hashRegularFile } from './boundedRead';

const verified = new Set<string>();

async function fileId(path: string): Promise<string | undefined> {
  const st = await stat(path).catch(() => undefined);
  return st?.isFile() ? `${path}\0${st.ino}\0${st.size}\0${st.mtimeMs}` : undefined;
}

/** Records a shard this process just wrote (its checksum was computed from the bytes written). */
export async function markVerified(path: string): Promise<void> {
  const id = await fileId(path);
  if (id) verified.add(id);
}

/**
 * true when `path` is a regular file of `bytes` bytes whose sha256 is `sha256`. Reads the whole file the first time
 * in a process (or always with `full`), then trusts the (path, inode, size, mtime) it verified.
 */
export async function shardIntact(path: string, bytes: number, sha256: string, full = false): Promise<boolean> {
  const st = await stat(path).catch(() => undefined);
  if (!st?.isFile() || st.size !== bytes) return false;
  const id = `${path}\0${st.ino}\0${st.size}\0${st.mtimeMs}`;
  if (!full && verified.has(id)) return true;
  const actual = await hashRegularFile(path, { maxBytes: bytes, what: 'checksummed file' }).catch(() => undefined);
  if (actual !== sha256) return false;
  verified.add(id);
  return true;
}
