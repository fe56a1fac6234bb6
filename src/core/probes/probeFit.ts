/**
 * Fitting one probe: `fit` runs the preset's optimiser once; `fitSeed` adds the validation metrics and, when the
 * validation rows were carved out of the train split, the refit on all training rows.
 */
import type { SplitMetrics, TrainProbeParams } from '../../protocol/types';
import type { Example } from './batches';
import * as defaults from './defaults';
import type { ProbeComputer } from './probeComputer';
import { initProbeParams, type ProbeParams } from './probeParams';
import { createRng } from './rng';
import { evaluateExamples } from './exampleMetrics';
import { trainAdamW, trainLbfgs, type LoopHooks, type LoopResult } from './trainingLoop';

export interface FitSpec {
  computer: ProbeComputer;
  H: number;
  C: number;
  D: number;
  optimizer: 'adamw' | 'lbfgs';
  preset: defaults.Preset;
  params: TrainProbeParams;
  seed: number;
}

export async function fit(
  spec: FitSpec,
  train: Example[],
  val: Example[],
  weightDecay: number,
  hooks: LoopHooks,
): Promise<LoopResult> {
  const rng = createRng(spec.seed);
  const init = initProbeParams(spec.H, spec.C, spec.D, rng);
  const data = { train, val };
  if (spec.optimizer === 'adamw') {
    const s = defaults.adamwSettings(spec.preset, spec.params);
    return trainAdamW(spec.computer, init, data, { ...s, weightDecay }, rng, hooks);
  }
  return trainLbfgs(
    spec.computer,
    init,
    data,
    { ...defaults.lbfgsSettings(spec.preset, spec.params), weightDecay },
    hooks,
  );
}

export interface SeedFit {
  seed: number;
  params: ProbeParams;
  loop: LoopResult;
  refit?: { steps: number; rows: number };
  validation?: SplitMetrics;
}

/**
 * One seed: fit on train (validating on val), then — when the validation rows were carved out of the train split —
 * refit on train + val from the same init for the chosen number of updates (AdamW) or to convergence (LBFGS), so the
 * saved probe has seen every training row. A Stop keeps the best parameters so far and skips the refit.
 */
export async function fitSeed(
  spec: FitSpec,
  data: { train: Example[]; val: Example[]; refit: boolean },
  weightDecay: number,
  classes: string[],
  hooks: LoopHooks,
): Promise<SeedFit> {
  const loop = await fit(spec, data.train, data.val, weightDecay, hooks);
  const validation =
    data.val.length > 0 ? await evaluateExamples(spec.computer, loop.params, data.val, classes, false) : undefined;
  if (!data.refit || loop.cancelled || data.val.length === 0)
    return { seed: spec.seed, params: loop.params, loop, validation };
  const all = [...data.train, ...data.val];
  const steps = spec.optimizer === 'adamw' ? (loop.bestStep ?? loop.steps) : undefined;
  hooks.onLog?.(
    `Refit on all ${all.length} training rows` +
      (steps !== undefined ? ` for the ${steps} steps chosen on validation.` : '.'),
  );
  const rng = createRng(spec.seed);
  const init = initProbeParams(spec.H, spec.C, spec.D, rng);
  const refit =
    spec.optimizer === 'adamw'
      ? await trainAdamW(
          spec.computer,
          init,
          { train: all, val: [] },
          { ...defaults.adamwSettings(spec.preset, spec.params), weightDecay, fixedSteps: steps },
          rng,
          { signal: hooks.signal },
        )
      : await trainLbfgs(
          spec.computer,
          init,
          { train: all, val: [] },
          { ...defaults.lbfgsSettings(spec.preset, spec.params), weightDecay },
          { signal: hooks.signal },
        );
  // A Stop during the refit keeps the validated fit (and records the Stop).
  if (refit.cancelled)
    return { seed: spec.seed, params: loop.params, loop: { ...loop, cancelled: true, stoppedEarly: true }, validation };
  return { seed: spec.seed, params: refit.params, loop, validation, refit: { steps: refit.steps, rows: all.length } };
}
