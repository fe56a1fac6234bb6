import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProbe } from '../src/core/probes/probeFile';
import { trainProbeRun } from '../src/core/probes/trainProbe';
(async () => {
  const work = await mkdtemp(join(tmpdir(), 'ps16b-'));
  const base = { modelDir: 'models/tiny-gemma2', dataPath: 'examples/span-sentiment.jsonl', layer: 2 as const, executionProvider: 'cpu' as const, cacheDir: join(work, 'cache') };
  for (const extra of [{ probe: 'mean' as const, weightDecay: 0.1 }, { probe: 'mean' as const, weightDecay: 0.1, preset: 'reference' as const }, { probe: 'attention' as const, heads: 2, steps: 20 }]) {
    const logs: string[] = [];
    const mem = await trainProbeRun({ ...base, ...extra, outDir: join(work, `${extra.probe}${extra.preset ?? ''}-mem`) }, { onLog: (m) => logs.push('M ' + m) });
    const disk = await trainProbeRun({ ...base, ...extra, memoryBudget: 64 * 1024, outDir: join(work, `${extra.probe}${extra.preset ?? ''}-disk`) }, { onLog: (m) => logs.push('D ' + m) });
    const a = (await loadProbe(mem.outDir)).params, b = (await loadProbe(disk.outDir)).params;
    const out: Record<string, number> = {};
    for (const k of ['V', 'b', 'q', 'w'] as const) { let m = 0, mx = 0; for (let i = 0; i < a[k].length; i++) { m = Math.max(m, Math.abs(a[k][i] - b[k][i])); mx = Math.max(mx, Math.abs(a[k][i])); } out[k] = m; out[k + 'max'] = mx; }
    console.log(JSON.stringify(extra), JSON.stringify(out), mem.steps, disk.steps, mem.test.accuracy, disk.test.accuracy);
    console.log(logs.filter((l) => /LBFGS|stop|line search|refit/i.test(l)).join('\n'));
  }
})();
