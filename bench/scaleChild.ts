/**
 * Child of scale.bench.ts: trains an attention probe from a synthetic cache with a memory budget and prints one JSON
 * line: peak RSS (process.resourceUsage().maxRSS, KiB), AdamW examples/s between the first and last step, seconds.
 * argv: cacheDir dataPath budgetBytes steps batchSize outDir
 */
import { trainProbeRun } from '../src/core/probes/trainProbe';
import { SYNTH_LAYER } from './scaleCache';

void (async () => {
  const [cacheDir, dataPath, budget, steps, batchSize, outDir] = process.argv.slice(2);
  const times: number[] = [];
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
    { onStep: () => times.push(performance.now()) },
  );
  const stepSeconds = (times[times.length - 1] - times[0]) / 1000;
  process.stdout.write(
    JSON.stringify({
      maxRssKiB: process.resourceUsage().maxRSS,
      // Where the memory is at the end (V8 heap vs typed-array buffers), to tell bookkeeping from states.
      heapUsedMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
      arrayBuffersMiB: Math.round(process.memoryUsage().arrayBuffers / 2 ** 20),
      examplesPerSecond: ((times.length - 1) * Number(batchSize)) / stepSeconds,
      seconds: (performance.now() - t0) / 1000,
      accuracy: r.test.accuracy,
    }) + '\n',
  );
})();
