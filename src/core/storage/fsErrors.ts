/**
 * File-system failures as messages that name the file and say what to do, instead of "internal error: ENOSPC".
 * Disk full says how much space the write needs and how much the volume has (fs.statfs).
 */
import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ProbescopeError } from '../errors';

export function errnoOf(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** MiB/GiB, one decimal. */
export function formatBytes(n: number): string {
  return n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(2)} GiB` : `${(n / 2 ** 20).toFixed(1)} MiB`;
}

/**
 * A ProbescopeError for a failed fs call on `path` while trying to `action` ("write the activation cache shard").
 * ProbescopeErrors pass through. ENOSPC → DISK_FULL (use diskFullError for the size); ENOENT, EACCES, EROFS, EISDIR,
 * ENOTDIR, ELOOP, EMFILE … → IO_ERROR with a hint.
 */
export function fsError(err: unknown, path: string, action: string): ProbescopeError {
  if (err instanceof ProbescopeError) return err;
  const code = errnoOf(err);
  const hint: Record<string, string> = {
    ENOENT: 'it does not exist; check the path',
    EACCES: 'permission denied; check the file permissions',
    EPERM: 'the operation is not permitted; check the permissions',
    EROFS: 'the file system is read-only; choose a writable folder',
    EISDIR: 'it is a folder, not a file',
    ENOTDIR: 'a part of the path is a file, not a folder',
    ELOOP: 'it is a symbolic link loop',
    EMFILE: 'too many open files; close other programs or raise the limit (ulimit -n)',
    ENOSPC: 'the disk is full; free some space or choose a folder on another disk',
    EDQUOT: 'the disk quota is exhausted; free some space',
    ENAMETOOLONG: 'the path is too long; choose a shorter name',
    EIO: 'an I/O error occurred; the disk may be failing',
  };
  const why = (code && hint[code]) ?? (err instanceof Error ? err.message : String(err));
  return new ProbescopeError(
    code === 'ENOSPC' || code === 'EDQUOT' ? 'DISK_FULL' : 'IO_ERROR',
    `Could not ${action} ${path}: ${why}${code ? ` (${code})` : ''}.`,
  );
}

/** DISK_FULL naming the folder, the bytes still needed and the free space statfs reports there. */
export async function diskFullError(folder: string, neededBytes: number, what: string): Promise<ProbescopeError> {
  let free = '';
  for (let dir = folder; ; dir = dirname(dir)) {
    const s = await statfs(dir).catch(() => undefined);
    if (s) {
      free = ` (${formatBytes(Number(s.bavail) * Number(s.bsize))} free there)`;
      break;
    }
    if (dirname(dir) === dir) break;
  }
  return new ProbescopeError(
    'DISK_FULL',
    `The disk is full: ${what} needs about ${formatBytes(neededBytes)} more in ${folder}${free}. ` +
      'Free some space or choose a folder on another disk (--cache-dir / probescope.cacheFolder); completed parts are kept and the next run resumes.',
  );
}
