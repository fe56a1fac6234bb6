/**
 * Probe names and Rename Probe. One rule for every name a probe folder may take (validateProbeName), and a rename that
 * moves the folder first and rewrites probe.json second, rolling the folder back if the rewrite fails, and that never
 * replaces anything already at the new name (not even an empty folder).
 */
import { mkdir, rename, rmdir, unlink, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { ProbescopeError } from '../errors';
import { beforeWrite, errnoOf, fsError } from '../storage';
import { PROBE_MANIFEST, readProbeManifest } from './probeManifest';

/** Longest probe name in UTF-16 units (well under the 255-byte file-name limit of common file systems). */
export const MAX_PROBE_NAME = 100;
const SAFE_NAME = /^[\w.-][\w .-]*$/;
/** Suffixes Probescope's own temporary folders use; listings hide them, so a probe must not carry them. */
const RESERVED = /\.(tmp|old)-/i;

/** Why `name` cannot name a probe folder, or undefined when it can. Trim before calling. */
export function probeNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'Give the probe a name.';
  if (name === '.' || name === '..') return `"${name}" is not a folder name.`;
  if (name.length > MAX_PROBE_NAME) return `Use at most ${MAX_PROBE_NAME} characters (this name has ${name.length}).`;
  if (!SAFE_NAME.test(name))
    return 'Use letters, digits, spaces, dots, dashes and underscores (not starting with a space).';
  if (/[. ]$/.test(name)) return 'Do not end the name with a dot or a space.';
  if (RESERVED.test(name))
    return 'Names containing ".tmp-" or ".old-" are reserved for Probescope\'s temporary folders.';
  return undefined;
}

/** BAD_ARGUMENT unless probeNameProblem accepts the trimmed name; returns it trimmed. */
export function validateProbeName(name: string): string {
  const t = name.trim();
  const problem = probeNameProblem(t);
  if (problem) throw new ProbescopeError('BAD_ARGUMENT', `Invalid probe name "${name}": ${problem}`);
  return t;
}

/**
 * Renames the probe folder `dir` to `newName` (a sibling) and writes the name into its probe.json. The new name is
 * claimed with mkdir (fails if anything exists there), the folder renamed onto that claim, then probe.json rewritten
 * atomically; if the rewrite fails the folder is moved back. Returns the new folder. Errors: BAD_ARGUMENT (name),
 * OUTPUT_REFUSED (name taken), PROBE_INVALID (not a probe), IO_ERROR.
 */
export async function renameProbeFolder(dir: string, newName: string): Promise<string> {
  const name = validateProbeName(newName);
  const from = path.resolve(dir);
  const manifest = await readProbeManifest(from);
  const target = path.join(path.dirname(from), name);
  if (target !== from) {
    try {
      await mkdir(target);
    } catch (err) {
      if (errnoOf(err) === 'EEXIST')
        throw new ProbescopeError('OUTPUT_REFUSED', `${target} already exists; choose another name.`);
      throw fsError(err, target, 'create');
    }
    try {
      await rename(from, target);
    } catch (err) {
      const code = errnoOf(err);
      if (code !== 'EPERM' && code !== 'EEXIST' && code !== 'ENOTEMPTY' && code !== 'EACCES') {
        await rmdir(target).catch(() => undefined);
        throw fsError(err, from, 'rename');
      }
      await rmdir(target); // platforms where rename cannot replace our empty claim
      await rename(from, target).catch((e: unknown) => {
        throw fsError(e, from, 'rename');
      });
    }
  }
  const tmp = path.join(target, `${PROBE_MANIFEST}.${process.pid}.tmp`);
  try {
    const json = JSON.stringify({ ...manifest, name }, null, 2) + '\n';
    beforeWrite(tmp, json.length);
    await writeFile(tmp, json);
    await rename(tmp, path.join(target, PROBE_MANIFEST));
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    if (target !== from) await rename(target, from).catch(() => undefined);
    throw fsError(err, path.join(target, PROBE_MANIFEST), 'rewrite');
  }
  return target;
}
