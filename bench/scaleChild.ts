/**
 * Child of scale.bench.ts: trains an attention probe from a synthetic cache with a memory budget and prints one JSON
 * line: peak RSS (process.resourceUsage().maxRSS, KiB) and the peak RSS sampled every 5 ms in each phase (setup: data
 * and cache checks; steps: the AdamW steps; final: final metrics and saving), AdamW examples/s between the first and
 * last step, the steps run and the process CPU time between them, seconds.
 * argv: cacheDir dataPath budgetBytes steps batchSize outDir [drop]
 * With `drop`, the cache's shard files leave the page cache (dropPageCache) once the checksum pass has read them, just
 * before training, so the steps read from the disk, not from memory.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { trainProbeRun } from '../src/core/probes/trainProbe';
import { dropPageCache } from './pageCache';
import { SYNTH_LAYER } from './scaleCache';

void (async () => {
  const [cacheDir, dataPath, budget, steps, batchSize, outDir, drop] = process.argv.slice(2);
  const times: number[] = [];
  const cpu: NodeJS.CpuUsage[] = [];
  const peaks = { setup: 0, steps: 0, final: 0 };
  let phase: keyof typeof peaks = 'setup';
  const sample = () => (peaks[phase] = Math.max(peaks[phase], process.memoryUsage.rss() / 2 ** 20));
  const timer = setInterval(sample, 5);
  let dropped: { residentBefore: number; residentAfter: number; bytes: number } | undefined;
  const t0 = performance.now();
  const r = await trainProbeRun(
    {
      modelDir: '',
      cachePath: cacheDir,
      dataPath,
      layer: SYNTH_LAYER,
      probe: 'attention',
      heads: 2,
      optimizer: 'adamw',
      preset: 'reference',
      steps: Number(steps),
      batchSize: Number(batchSize),
      memoryBudget: Number(budget),
      executionProvider: 'cpu',
      outDir,
    },
    {
      onLog: (m) => {
        // Logged after the sha256 pass, before the first batch is read.
        if (drop && /streaming them from the activation cache/.test(m))
          dropped = dropPageCache(
            readdirSync(cacheDir)
              .filter((f) => f.endsWith('.bin'))
              .map((f) => join(cacheDir, f)),
          );
      },
      onStep: () => {
        // Until the next step, memory counts as 'final'; a next step moves it to 'steps'.
        sample();
        if (phase === 'final') peaks.steps = Math.max(peaks.steps, peaks.final);
        peaks.final = 0;
        phase = 'final';
        times.push(performance.now());
        cpu[cpu.length === 0 ? 0 : 1] = process.cpuUsage();
      },
    },
  );
  sample();
  clearInterval(timer);
  const stepSeconds = (times[times.length - 1] - times[0]) / 1000;
  process.stdout.write(
    JSON.stringify({
      maxRssKiB: process.resourceUsage().maxRSS,
      peakRssMiB: peaks,
      // Where the memory is at the end (V8 heap vs typed-array buffers), to tell bookkeeping from states.
      heapUsedMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
      arrayBuffersMiB: Math.round(process.memoryUsage().arrayBuffers / 2 ** 20),
      examplesPerSecond: ((times.length - 1) * Number(batchSize)) / stepSeconds,
      steps: times.length,
      stepSeconds,
      // Process CPU time (all threads: JS, ORT's, file reads) between the first and last step, in seconds.
      stepCpuSeconds: cpu[1] ? (cpu[1].user + cpu[1].system - cpu[0].user - cpu[0].system) / 1e6 : 0,
      seconds: (performance.now() - t0) / 1000,
      accuracy: r.test.accuracy,
      ...(dropped ? { dropped } : {}),
    }) + '\n',
  );
})();
