/**
 * Time to accuracy, 'fast' preset vs 'reference' (EleutherAI defaults), for an 8-head attention probe on a synthetic
 * task of 900 examples × 231 tokens × d_model 64: Gaussian token states, and in each example a few "key" tokens carry a
 * marker direction (so attention can find them) plus a class direction (the label). The reference runs to its end
 * (≤ 2000 steps at lr 1e-4, its own stopping rule); its final test accuracy is the target. The fast preset is timed
 * until its parameters first reach that test accuracy (test evaluations are not counted in its time; its own
 * validation passes are). Target: ratio ≤ 0.25.
 *
 *   node --import tsx bench/index.ts timeToAccuracy        (or: npm run bench)
 */
import { stratifiedSplit } from '../src/core/data';
import { adamwSettings } from '../src/core/probes/defaults';
import { ProbeComputer } from '../src/core/probes/probeComputer';
import { initProbeParams, type ProbeParams } from '../src/core/probes/probeParams';
import { createRng } from '../src/core/probes/rng';
import { needleTask } from './needleTask';
import { evaluateExamples } from '../src/core/probes/exampleMetrics';
import { trainAdamW } from '../src/core/probes/trainingLoop';

const N = 900;
const S = 231;
const D = 64;
const H = 8;
const KEYS = 3;

export async function run(): Promise<void> {
  const { examples, labels } = needleTask({ n: N, s: S, d: D, keys: KEYS, classScale: 2, seed: 42 });
  const split = stratifiedSplit(labels, 0.25, 0);
  const trainAll = Array.from(split.train, (i) => examples[i]);
  const inner = stratifiedSplit(
    Array.from(split.train, (i) => labels[i]),
    0.15,
    1,
  );
  const train = Array.from(inner.train, (j) => trainAll[j]);
  const val = Array.from(inner.test, (j) => trainAll[j]);
  const test = Array.from(split.test, (i) => examples[i]);
  const classes = ['0', '1'];
  const computer = await ProbeComputer.create({ H, C: 1, D });
  const init = (): ProbeParams => initProbeParams(H, 1, D, createRng(0));
  const testAccuracy = async (p: ProbeParams) => (await evaluateExamples(computer, p, test, classes, false)).accuracy;

  // Reference: no validation passes (EleutherAI's loop has none), final parameters.
  let t0 = performance.now();
  const ref = await trainAdamW(
    computer,
    init(),
    { train, val: [] },
    { ...adamwSettings('reference', {}), weightDecay: 0 },
    createRng(0),
  );
  const refSeconds = (performance.now() - t0) / 1000;
  const target = await testAccuracy(ref.params);
  console.log(`reference: ${ref.steps} steps, ${refSeconds.toFixed(1)} s, test accuracy ${target.toFixed(4)}`);

  // Fast: the clock pauses while the benchmark evaluates test accuracy at each checkpoint.
  let paused = 0;
  let reachedAt: number | undefined;
  let reachedStep: number | undefined;
  t0 = performance.now();
  const fast = await trainAdamW(
    computer,
    init(),
    { train, val },
    { ...adamwSettings('fast', {}), weightDecay: 0 },
    createRng(0),
    {
      onCheckpoint: async (step, p) => {
        if (reachedAt !== undefined) return;
        const p0 = performance.now();
        const acc = await testAccuracy(p);
        paused += performance.now() - p0;
        if (acc >= target) {
          reachedAt = (performance.now() - t0 - paused) / 1000;
          reachedStep = step;
        }
      },
    },
  );
  const fastSeconds = (performance.now() - t0 - paused) / 1000;
  const fastAcc = await testAccuracy(fast.params);
  console.log(
    `fast: ${fast.steps} steps, ${fastSeconds.toFixed(1)} s in all, final test accuracy ${fastAcc.toFixed(4)}`,
  );
  if (reachedAt === undefined) {
    console.log(`fast never reached the reference accuracy ${target.toFixed(4)} — ratio: n/a (FAIL)`);
  } else {
    const ratio = reachedAt / refSeconds;
    console.log(`fast reached ${target.toFixed(4)} at step ${reachedStep} after ${reachedAt.toFixed(2)} s`);
    console.log(
      `time-to-accuracy ratio fast/reference: ${ratio.toFixed(3)} (target ≤ 0.25: ${ratio <= 0.25 ? 'met' : 'NOT met'})`,
    );
  }
  await computer.dispose();
}

if (require.main === module)
  run().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
