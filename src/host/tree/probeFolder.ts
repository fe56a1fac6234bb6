/**
 * Reads the probes folder directly (probe.json beside probe.safetensors), with the engine's own manifest reader but
 * in this process, so the Probes view works while the worker is busy training or restarting. No `vscode` import.
 */
import * as path from 'node:path';
import { readRegularFile } from '../../core/storage';
import {
  MAX_PROBE_WEIGHTS_BYTES,
  PROBE_WEIGHTS,
  readProbeManifest as readValidatedManifest,
  writeProbeFiles,
} from '../../core/probes/probeFile';
import { validateProbeName } from '../../core/probes/probeRename';
import type { ProbeManifest } from '../../protocol/types';

/** The folder's validated probe.json, or undefined when it is not a probe folder (the views skip those). */
export async function readProbeManifest(dir: string): Promise<ProbeManifest | undefined> {
  return readValidatedManifest(dir).catch(() => undefined);
}

/** How the views name a probe's kind: "attention ×8", "mean", "last" (one name everywhere: src/protocol/probeLabel). */
export { probeKindLabel } from '../../protocol/probeLabel';

/** A folder name for a new probe: `<kind>-L<layer>-<dataset>-<yyyymmdd-hhmmss>`, filesystem-safe. */
export function newProbeFolderName(kind: string, layer: string | number, dataPath: string, now = new Date()): string {
  // Clipped so the name stays within the probe-name length limit (MAX_PROBE_NAME).
  const data = path
    .basename(dataPath)
    .replace(/\.[^.]+$/, '')
    .slice(0, 48);
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${kind}-L${layer}-${data}-${stamp}`.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/**
 * Copies a probe folder (e.g. a layer-sweep probe kept in the cache) into `root` as `name`, with that name in its
 * probe.json. The source is read with bounded reads (regular files only, size-checked first); the copy is written by the engine's
 * safe save (temp folder + rename, which listings skip), and an existing `name` is never overwritten (OUTPUT_REFUSED).
 */
export async function keepProbeCopy(source: string, root: string, name: string): Promise<string> {
  const manifest = await readProbeManifest(source);
  if (!manifest) throw new Error(`${source} holds no readable probe.json`);
  const target = path.join(root, validateProbeName(name));
  const weights = await readRegularFile(path.join(source, PROBE_WEIGHTS), {
    maxBytes: MAX_PROBE_WEIGHTS_BYTES,
    code: 'PROBE_INVALID',
    what: PROBE_WEIGHTS,
  });
  await writeProbeFiles(target, weights, JSON.stringify({ ...manifest, name }, null, 2) + '\n', { force: false });
  return target;
}
