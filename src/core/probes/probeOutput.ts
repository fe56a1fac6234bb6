/**
 * Where a probe may be saved. Probescope writes a probe only into a folder that is new, empty, or already a probe folder
 * (a probe.json of our format and nothing but probe files); replacing a probe needs `force` and keeps the previous one
 * until the new one is complete (storage/folderSwap.ts). Anything else is refused with OUTPUT_REFUSED, never deleted.
 */
import { lstat, readdir } from 'node:fs/promises';
import { ProbescopeError } from '../errors';
import { exists, fsError, recoverInterruptedSwaps, type SwapMode } from '../storage';
import { PROBE_MANIFEST, PROBE_WEIGHTS, readProbeManifest } from './probeManifest';

export const PROBE_FILES: readonly string[] = [PROBE_MANIFEST, PROBE_WEIGHTS];

/**
 * How `dir` can take a probe: 'new' (absent), 'empty' (an empty folder) or 'replace' (a probe folder, with force).
 * Throws OUTPUT_REFUSED for a file, a symbolic link, a folder with other contents, or a probe without force.
 */
export async function checkProbeOutput(dir: string, opts: { force?: boolean } = {}): Promise<SwapMode> {
  const st = await lstat(dir).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fsError(err, dir, 'inspect the output folder');
  });
  const refuse = (why: string): never => {
    throw new ProbescopeError('OUTPUT_REFUSED', `Not saving the probe to ${dir}: ${why}`);
  };
  if (!st) return 'new';
  if (st.isSymbolicLink()) refuse('it is a symbolic link; give the folder it points to, or a new folder.');
  if (!st.isDirectory()) refuse('it is a file. Choose a new or empty folder for the probe.');
  const entries = await readdir(dir);
  if (entries.length === 0) return 'empty';
  const foreign = entries.filter((e) => !PROBE_FILES.includes(e));
  if (!entries.includes(PROBE_MANIFEST) || foreign.length) {
    const shown = foreign.slice(0, 3).join(', ') + (foreign.length > 3 ? `, … (${foreign.length} in all)` : '');
    refuse(
      `it already holds ${entries.includes(PROBE_MANIFEST) ? 'files besides the probe' : 'files that are not a probe'} ` +
        `(${shown}). Probescope writes only into a new or empty folder or over a probe it saved; choose a new folder, ` +
        `e.g. ${dir}/probe.`,
    );
  }
  const manifest = await readProbeManifest(dir).catch(() =>
    refuse(`its ${PROBE_MANIFEST} is not a Probescope probe manifest. Choose a new folder.`),
  );
  if (!opts.force)
    refuse(
      `it already holds the probe "${manifest.name || dir}". Pass --force to replace it (the old probe is kept ` +
        'until the new one is complete), or choose a new folder.',
    );
  return 'replace';
}

/** A folder holding both probe files and a readable manifest (what a finished save leaves). */
export async function isCompleteProbe(dir: string): Promise<boolean> {
  const [m, w] = await Promise.all([
    readProbeManifest(dir).then(
      () => true,
      () => false,
    ),
    exists(`${dir}/${PROBE_WEIGHTS}`),
  ]);
  return m && w;
}

/** Finishes or rolls back probe saves a killed process left; one line per probe recovered. Run at CLI/worker start. */
export async function recoverInterruptedSaves(): Promise<string[]> {
  return recoverInterruptedSwaps(isCompleteProbe, PROBE_FILES);
}

/**
 * OUTPUT_REFUSED unless `dir` is a probe folder holding nothing but probe files: what Delete Probe may remove (a path
 * passed to the command could be any folder, the project root included).
 */
export async function checkDeletableProbe(dir: string): Promise<void> {
  const st = await lstat(dir).catch(() => undefined);
  if (!st?.isDirectory()) throw new ProbescopeError('OUTPUT_REFUSED', `Not deleting ${dir}: it is not a probe folder.`);
  try {
    await checkProbeOutput(dir, { force: true });
  } catch (err) {
    if (!(err instanceof ProbescopeError) || err.code !== 'OUTPUT_REFUSED') throw err;
    throw new ProbescopeError(
      'OUTPUT_REFUSED',
      `Not deleting ${dir}: only a folder holding just a probe (probe.json, probe.safetensors) is deleted. ` +
        err.message.replace(/^Not saving the probe to [^:]*: /, ''),
    );
  }
}
