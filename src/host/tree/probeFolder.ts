/**
 * Reads the probes folder directly (probe.json beside probe.safetensors), with the engine's own manifest reader but
 * in this process, so the Probes view works while the worker is busy training or restarting. No `vscode` import.
 */
import { cp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { readProbeManifest as readValidatedManifest } from '../../core/probes/probeFile';
import type { ProbeManifest } from '../../protocol/types';

/** The folder's validated probe.json, or undefined when it is not a probe folder (the views skip those). */
export async function readProbeManifest(dir: string): Promise<ProbeManifest | undefined> {
  return readValidatedManifest(dir).catch(() => undefined);
}

/** How the views name a probe's kind: "attention ×8", "mean", "last" (one name everywhere: src/protocol/probeLabel). */
export { probeKindLabel } from '../../protocol/probeLabel';

/** A folder name for a new probe: `<kind>-L<layer>-<dataset>-<yyyymmdd-hhmmss>`, filesystem-safe. */
export function newProbeFolderName(kind: string, layer: string | number, dataPath: string, now = new Date()): string {
  const data = path.basename(dataPath).replace(/\.[^.]+$/, '');
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${kind}-L${layer}-${data}-${stamp}`.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/**
 * Copies a probe folder (e.g. a layer-sweep probe kept in the cache) into `root` as `name`, with that name in its
 * probe.json. The copy is assembled in a `.tmp-` folder (which listings skip) and renamed into place, so the Probes
 * view never lists half a probe; an existing `name` is never overwritten.
 */
export async function keepProbeCopy(source: string, root: string, name: string): Promise<string> {
  const manifest = await readProbeManifest(source);
  if (!manifest) throw new Error(`${source} holds no readable probe.json`);
  const target = path.join(root, name);
  const tmp = path.join(root, `${name}.tmp-${process.pid}`);
  await mkdir(root, { recursive: true });
  try {
    await cp(source, tmp, { recursive: true, errorOnExist: true, force: false });
    await writeFile(path.join(tmp, 'probe.json'), JSON.stringify({ ...manifest, name }, null, 2) + '\n');
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return target;
}
