/** listProbes: the probe folders directly under `dir` (newest first); folders without a valid probe.json are skipped. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ProbeSummary } from '../../protocol/types';
import { readProbeManifest } from './probeFile';

export async function listProbes(dir: string): Promise<ProbeSummary[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  const found: ProbeSummary[] = [];
  for (const e of entries) {
    if (!e.isDirectory() || e.name.includes('.tmp-') || e.name.includes('.old-')) continue;
    const sub = path.join(path.resolve(dir), e.name);
    try {
      found.push({ dir: sub, manifest: await readProbeManifest(sub) });
    } catch {
      // Not a probe folder (or a damaged one): the tree view lists only loadable probes.
    }
  }
  return found.sort((a, b) => b.manifest.createdAt.localeCompare(a.manifest.createdAt) || a.dir.localeCompare(b.dir));
}
