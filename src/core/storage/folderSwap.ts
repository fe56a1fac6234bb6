/**
 * Writing a small folder of Probescope's own files (a probe: probe.json + probe.safetensors) so that no kill, crash or
 * full disk loses the previous version or anyone else's files:
 *
 *   1. a journal `{target, tmp, old, pid}` is written to the state folder (see stateDir);
 *   2. the new files are written (and fsync'd) into `<target>.tmp-<id>`;
 *   3. an existing target is renamed to `<target>.old-<id>`, the temp folder renamed to `<target>`;
 *   4. the old folder's own files are unlinked and the folder removed (never recursively), then the journal.
 *
 * recoverInterruptedSwaps() reads journals left by dead processes and finishes the swap when the new folder is
 * complete, else rolls it back (the old folder returns to its name), removing only Probescope's own files. Every
 * removal is file by file from a known list, then rmdir: a folder holding anything else is left and reported.
 */
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { lstat, mkdir, open, readdir, readFile, rename, rmdir, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ProbescopeError } from '../errors';
import { diskFullError, errnoOf, fsError } from './fsErrors';
import { beforeWrite, killPoint } from './testHooks';

/** Where Probescope keeps its journals: $PROBESCOPE_STATE_DIR, else ~/.probescope/state. */
export function stateDir(): string {
  return process.env.PROBESCOPE_STATE_DIR || join(homedir(), '.probescope', 'state');
}

const journalDir = (): string => join(stateDir(), 'pending-saves');

interface Journal {
  target: string;
  tmp: string;
  old: string;
  pid: number;
  startedAt: string;
}

/** How the target is to be written: it does not exist, is an empty folder, or holds a previous version to replace. */
export type SwapMode = 'new' | 'empty' | 'replace';

export async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/** true when a process with this id runs (EPERM: it runs under another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoOf(err) === 'EPERM';
  }
}

/**
 * Unlinks the listed own files of `dir` and removes it when nothing else is left. Returns false (and leaves the
 * folder) when it holds anything else. Never recursive.
 */
export async function removeOwnFolder(dir: string, ownFiles: readonly string[]): Promise<boolean> {
  const entries = await readdir(dir).catch(() => undefined);
  if (!entries) return true;
  for (const name of entries) if (ownFiles.includes(name)) await unlink(join(dir, name)).catch(() => undefined);
  try {
    await rmdir(dir);
    return true;
  } catch {
    return false;
  }
}

/** true when every entry of `dir` is one of `own` (an empty folder too). */
async function holdsOnly(dir: string, own: readonly string[]): Promise<boolean> {
  const entries = await readdir(dir).catch(() => undefined);
  return entries !== undefined && entries.every((e) => own.includes(e));
}

async function writeSynced(path: string, data: Uint8Array | string): Promise<void> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  beforeWrite(path, bytes.byteLength);
  const fh = await open(path, 'wx');
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Writes `files` (name → contents) as the folder `target` following the protocol above. `mode` comes from the
 * caller's check of the target (e.g. checkProbeOutput); a target that changed since is not overwritten: rename fails
 * and the error names it. Errors are ProbescopeErrors naming the file (IO_ERROR, DISK_FULL).
 */
export async function writeFolderSwap(
  target: string,
  files: Record<string, Uint8Array | string>,
  mode: SwapMode,
): Promise<void> {
  const id = `${process.pid}-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const tmp = `${target}.tmp-${id}`;
  const old = `${target}.old-${id}`;
  const own = Object.keys(files);
  const journal = join(journalDir(), `${id}.json`);
  const record: Journal = { target, tmp, old, pid: process.pid, startedAt: new Date().toISOString() };
  try {
    await mkdir(journalDir(), { recursive: true });
    await writeFile(journal, JSON.stringify(record));
  } catch (err) {
    throw fsError(err, journal, 'write the save journal');
  }
  killPoint('swap:after-journal');
  let moved = false;
  try {
    await mkdir(tmp);
    for (const [name, data] of Object.entries(files)) {
      try {
        await writeSynced(join(tmp, name), data);
      } catch (err) {
        throw errnoOf(err) === 'ENOSPC' ? err : fsError(err, join(tmp, name), 'write');
      }
    }
    killPoint('swap:after-temp');
    if (mode === 'replace') {
      await rename(target, old);
      moved = true;
      killPoint('swap:after-move-old');
    }
    await renameOntoEmpty(tmp, target, mode === 'empty');
    killPoint('swap:after-move-new');
    if (moved && !(await removeOwnFolder(old, own))) {
      throw new ProbescopeError(
        'IO_ERROR',
        `The previous version was kept at ${old}: it holds files Probescope did not write.`,
      );
    }
  } catch (err) {
    if (moved && !(await exists(target))) await rename(old, target).catch(() => undefined);
    await removeOwnFolder(tmp, own);
    await unlink(journal).catch(() => undefined);
    if (errnoOf(err) === 'ENOSPC') {
      const bytes = Object.values(files).reduce((a, d) => a + Buffer.byteLength(d), 0);
      throw await diskFullError(dirname(target), bytes, `saving ${basename(target)}`);
    }
    throw fsError(err, target, 'save');
  }
  await unlink(journal).catch(() => undefined);
}

/** rename(from, to) where `to` may be an empty folder (POSIX replaces it; elsewhere it is removed first). */
async function renameOntoEmpty(from: string, to: string, toIsEmptyFolder: boolean): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    const code = errnoOf(err);
    if (!toIsEmptyFolder || !(code === 'EPERM' || code === 'EEXIST' || code === 'ENOTEMPTY' || code === 'EACCES'))
      throw err;
    await rmdir(to); // fails unless still empty
    await rename(from, to);
  }
}

/**
 * Finishes or rolls back the swaps that dead processes left (journals in stateDir). `isComplete(dir)` says whether a
 * written folder is whole; `ownFiles` are the only names ever removed. Returns one line per recovered swap.
 */
export async function recoverInterruptedSwaps(
  isComplete: (dir: string) => Promise<boolean>,
  ownFiles: readonly string[],
): Promise<string[]> {
  const names = await readdir(journalDir()).catch(() => [] as string[]);
  const report: string[] = [];
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const file = join(journalDir(), name);
    let j: Journal;
    try {
      j = JSON.parse(await readFile(file, 'utf8')) as Journal;
      if (typeof j.target !== 'string' || typeof j.tmp !== 'string' || typeof j.old !== 'string') throw new Error();
    } catch {
      await unlink(file).catch(() => undefined);
      continue;
    }
    if (j.pid === process.pid || processAlive(j.pid)) continue; // a save in progress
    try {
      const line = await recoverOne(j, isComplete, ownFiles);
      if (line) report.push(line);
      await unlink(file).catch(() => undefined);
    } catch (err) {
      // Left for the next start; the others still recover.
      report.push(`${basename(j.target)}: could not recover an interrupted save yet (${(err as Error).message}).`);
    }
  }
  return report;
}

async function recoverOne(
  j: Journal,
  isComplete: (dir: string) => Promise<boolean>,
  own: readonly string[],
): Promise<string | undefined> {
  const [hasTmp, hasOld, hasTarget] = await Promise.all([exists(j.tmp), exists(j.old), exists(j.target)]);
  const name = basename(j.target);
  if (hasTmp && (await isComplete(j.tmp))) {
    if (hasTarget && hasOld) return `${name}: left as found (${j.target}, ${j.tmp} and ${j.old} all exist).`;
    // Something appeared at the target since: move it aside only when it is one of our own folders.
    if (hasTarget && !((await holdsOnly(j.target, own)) && (await isComplete(j.target))))
      return `${name}: left as found (${j.target} now holds other files; the unfinished save is at ${j.tmp}).`;
    if (hasTarget) await rename(j.target, j.old);
    await rename(j.tmp, j.target);
    if (hasTarget || hasOld) await removeOwnFolder(j.old, own);
    return `${name}: finished an interrupted save (the new version is at ${j.target}).`;
  }
  if (hasTmp) await removeOwnFolder(j.tmp, own);
  if (!hasTarget && hasOld) {
    await rename(j.old, j.target);
    return `${name}: rolled back an interrupted save (the previous version is back at ${j.target}).`;
  }
  if (hasTarget && hasOld) {
    await removeOwnFolder(j.old, own);
    return `${name}: removed the previous version left by a finished save.`;
  }
  return hasTmp ? `${name}: removed an incomplete save (${j.tmp}).` : undefined;
}
