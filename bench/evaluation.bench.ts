/**
 * Evaluation numbers of issue #13, measured in one run:
 * 1. Bootstrap speed: 95 % intervals of every metric from 1,000 stratified resamples of 10,000 binary test examples
 *    (target < 1 s), and of 10,000 five-class examples.
 * 2. Default preset vs reference on a needle-style task with a fixed split: 8-head attention probes, 3 seeds each;
 *    each sequence holds one "needle" token (a marker direction plus a weak class direction) among noise tokens.
 *    Reference = EleutherAI defaults on the whole train split (no validation carve-out); default ('fast') = early
 *    stopping on a 15 % validation carve-out, then a refit on all train rows for the chosen step count. Targets: mean
 *    test accuracy within 1 point of the reference's, in ≤ 0.1× its training time.
 *
 *   node --import tsx bench/index.ts evaluation
 */
import type { BenchRow } from './index';
import { validationSplit, stratifiedSplit } from '../src/core/data';
import { bootstrapIntervals } from '../src/core/evaluation';
import { ProbeComputer } from '../src/core/probes/probeComputer';
import { fitSeed, type FitSpec } from '../src/core/probes/probeFit';
import { createRng } from '../src/core/probes/rng';
import { needleTask } from './needleTask';
import { evaluateExamples } from '../src/core/probes/exampleMetrics';

/** Wall-clock and CPU seconds (user + system) of 1,000 resamples; CPU time stays honest on a crowded machine. */
function bootstrapTiming(n: number, K: number): { wall: number; cpu: number } {
  const rng = createRng(1);
  const labels = Array.from({ length: n }, () => rng.int(K));
  const probs = new Float64Array(n * K);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += probs[i * K + k] = rng.next() + (k === labels[i] ? 0.8 : 0);
    for (let k = 0; k < K; k++) probs[i * K + k] /= s;
  }
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  bootstrapIntervals({ labels, probs, K }, { resamples: 1000, seed: 0 });
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
}

const N = 1600;
const S = 48;
const D = 64;
const H = 8;

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1));

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  bootstrapTiming(2000, 2); // warm-up (JIT)
  const tBin = bootstrapTiming(10_000, 2);
  const tMulti = bootstrapTiming(10_000, 5);
  const load = (await import('node:os')).loadavg()[0]!.toFixed(1);
  const fmt = (t: { wall: number; cpu: number }) => `${t.wall.toFixed(3)} s wall, ${t.cpu.toFixed(3)} s CPU`;
  console.log(`bootstrap 1,000 resamples × 10,000 binary examples: ${fmt(tBin)} (target < 1 s; load average ${load})`);
  console.log(`bootstrap 1,000 resamples × 10,000 five-class examples: ${fmt(tMulti)}`);
  rows.push({ metric: 'bootstrap CIs, 1,000 × 10,000 binary', value: `${fmt(tBin)} (target < 1 s; load ${load})` });
  rows.push({ metric: 'bootstrap CIs, 1,000 × 10,000 five-class', value: fmt(tMulti) });

  const { examples, labels } = needleTask({ n: N, s: S, d: D, keys: 1, classScale: 1.5, seed: 7 });
  const split = stratifiedSplit(labels, 0.25, 0);
  const trainAll = Array.from(split.train, (i) => examples[i]);
  const test = Array.from(split.test, (i) => examples[i]);
  const inner = validationSplit(
    Array.from(split.train, (i) => labels[i]),
    0.15,
    1,
  );
  const classes = ['0', '1'];
  const computer = await ProbeComputer.create({ H, C: 1, D });
  const spec = (preset: 'fast' | 'reference', seed: number): FitSpec => ({
    computer,
    H,
    C: 1,
    D,
    optimizer: 'adamw',
    preset,
    seed,
    params: { modelDir: '', dataPath: '', layer: 0, probe: 'attention', outDir: '' },
  });
  const result: Record<string, { acc: number[]; seconds: number[] }> = {
    reference: { acc: [], seconds: [] },
    fast: { acc: [], seconds: [] },
  };
  for (const seed of [0, 1, 2]) {
    for (const preset of ['reference', 'fast'] as const) {
      const data =
        preset === 'reference'
          ? { train: trainAll, val: [], refit: false }
          : {
              train: Array.from(inner.train, (j) => trainAll[j]),
              val: Array.from(inner.validation, (j) => trainAll[j]),
              refit: true,
            };
      const t0 = performance.now();
      const f = await fitSeed(spec(preset, seed), data, 0, classes, {});
      const seconds = (performance.now() - t0) / 1000;
      const acc = (await evaluateExamples(computer, f.params, test, classes, false)).accuracy;
      result[preset].acc.push(acc);
      result[preset].seconds.push(seconds);
      console.log(
        `needle seed ${seed} ${preset.padEnd(9)}: test accuracy ${acc.toFixed(4)}, ${seconds.toFixed(1)} s, ` +
          `${f.loop.steps} steps${f.refit ? ` + refit ${f.refit.steps} steps on ${f.refit.rows} rows` : ''}`,
      );
    }
  }
  await computer.dispose();
  const ref = result.reference;
  const fast = result.fast;
  const gap = (mean(fast.acc) - mean(ref.acc)) * 100;
  const ratio = mean(fast.seconds) / mean(ref.seconds);
  console.log(
    `needle task (N=${N}, S=${S}, D=${D}, H=${H}; 3 seeds): reference ${mean(ref.acc).toFixed(4)} ± ${sd(ref.acc).toFixed(4)} ` +
      `in ${mean(ref.seconds).toFixed(1)} s; default ${mean(fast.acc).toFixed(4)} ± ${sd(fast.acc).toFixed(4)} in ${mean(fast.seconds).toFixed(1)} s`,
  );
  console.log(
    `default − reference: ${gap.toFixed(2)} points (target ≥ −1: ${gap >= -1 ? 'met' : 'NOT met'}); ` +
      `time ratio ${ratio.toFixed(3)} (target ≤ 0.1: ${ratio <= 0.1 ? 'met' : 'NOT met'})`,
  );
  rows.push({
    metric: 'needle task, default − reference test accuracy (3 seeds)',
    value: `${gap.toFixed(2)} points (target ≥ −1)`,
  });
  rows.push({ metric: 'needle task, default ÷ reference training time', value: `${ratio.toFixed(3)} (target ≤ 0.1)` });
  return rows;
}

if (require.main === module)
  run().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
