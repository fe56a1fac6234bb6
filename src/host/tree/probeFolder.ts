/**
 * Reads the probes folder directly (probe.json beside probe.safetensors), so the Probes view works while the worker
 * is busy training or restarting. No `vscode` import.
 */
import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { ProbeManifest, ProbeSummary } from '../../protocol/types';

export async function readProbeManifest(dir: string): Promise<ProbeManifest | undefined> {
  try {
    const m = JSON.parse(await readFile(path.join(dir, 'probe.json'), 'utf8')) as ProbeManifest;
    return m && typeof m === 'object' && typeof m.probe === 'string' ? m : undefined;
  } catch {
    return undefined;
  }
}

/** Probes directly under `root`, newest first; folders without a readable probe.json are skipped. */
export async function listProbeFolders(root: string): Promise<ProbeSummary[]> {
  let entries: string[];
  try {
    entries = (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
  const found = await Promise.all(
    entries.map(async (name) => {
      const dir = path.join(root, name);
      const manifest = await readProbeManifest(dir);
      return manifest ? { dir, manifest } : undefined;
    }),
  );
  return found
    .filter((p): p is ProbeSummary => p !== undefined)
    .sort((a, b) => String(b.manifest.createdAt ?? '').localeCompare(String(a.manifest.createdAt ?? '')));
}

/** A folder name for a new probe: `<kind>-L<layer>-<dataset>-<yyyymmdd-hhmmss>`, filesystem-safe. */
export function newProbeFolderName(kind: string, layer: string | number, dataPath: string, now = new Date()): string {
  const data = path.basename(dataPath).replace(/\.[^.]+$/, '');
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${kind}-L${layer}-${data}-${stamp}`.replace(/[^A-Za-z0-9._-]+/g, '_');
}
