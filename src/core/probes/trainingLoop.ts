/**
 * The optimisation loops: AdamW (attention probes) and LBFGS (mean/last), on examples already pooled and padded.
 * Both honour an AbortSignal by returning the best parameters so far (never losing work) with `cancelled` set.
 */
import { ProbescopeError, isCancelled } from '../errors';
import { AdamW } from './adamw';
import { makeBatch, makeChunks, type Example } from './batches';
import type { AdamWSettings, LbfgsSettings } from './defaults';
import { VALIDATION_EVERY } from './defaults';
import { featureScaling, type FeatureScaling } from './featureScaling';
import { lbfgsMinimize } from './lbfgs';
import { argmax, entropyTermsInto, meanOfTerms, probabilities } from './metrics';
import type { ProbeComputer } from './probeComputer';
import { flattenParams, unflattenParams, type ProbeBatch, type ProbeParams } from './probeParams';
import { createRng, type Rng } from './rng';
import { ShardBatchSampler } from './shardBatchSampler';

export interface StepEvent {
  step: number;
  trainLoss: number;
  valLoss?: number;
  valAccuracy?: number;
}

export interface LoopHooks {
  onStep?(e: StepEvent): void;
  /** After each validation (AdamW) with the parameters just validated; benchmarks measure time-to-accuracy here. */
  onCheckpoint?(step: number, params: ProbeParams): Promise<void> | void;
  onLog?(message: string): void;
  signal?: AbortSignal;
}

export interface LoopResult {
  params: ProbeParams;
  steps: number;
  /** Ended before its step budget: early stopping or a Stop. */
  stoppedEarly: boolean;
  /** A Stop (abort) ended training; params are the best so far. */
  cancelled: boolean;
  /** AdamW: optimizer updates behind the returned params (the best-validating step with validation). */
  bestStep?: number;
}

type Chunks = { batch: ProbeBatch; indices: number[] }[];

/** Full-data loss and gradient: per-chunk means weighted by chunk size (= one big batch, less memory). */
export async function lossAndGradOver(
  computer: ProbeComputer,
  p: ProbeParams,
  chunks: Chunks,
): Promise<{ loss: number; grad: Float64Array }> {
  const total = chunks.reduce((n, c) => n + c.batch.B, 0);
  let loss = 0;
  let grad: Float64Array | undefined;
  for (const { batch } of chunks) {
    const r = await computer.lossAndGrad(p, batch);
    const wgt = batch.B / total;
    loss += r.loss * wgt;
    const g = flattenParams(r.grad);
    if (!grad) grad = g.map((v) => v * wgt);
    else for (let i = 0; i < g.length; i++) grad[i] += g[i] * wgt;
  }
  return { loss, grad: grad! };
}

/**
 * Logits [n*C] in the original example order and, with `withEntropy`, the mean normalised attention entropy
 * (metrics.ts entropyRatioOf, the same sum) kept as H numbers per example rather than each example's attention.
 */
export async function predictOver(
  computer: ProbeComputer,
  p: ProbeParams,
  chunks: Chunks,
  n: number,
  withEntropy = false,
): Promise<{ logits: Float32Array; entropyRatio?: number }> {
  const C = p.C;
  const logits = new Float32Array(n * C);
  const terms = withEntropy ? new Float64Array(n * p.H) : undefined;
  for (const { batch, indices } of chunks) {
    const r = await computer.forward(p, batch);
    indices.forEach((idx, j) => {
      logits.set(r.logits.subarray(j * C, (j + 1) * C), idx * C);
      if (terms) {
        let len = 0;
        for (let t = 0; t < batch.S; t++) len += batch.mask[j * batch.S + t] > 0 ? 1 : 0;
        entropyTermsInto(r.attention, j * batch.S * p.H, len, p.H, terms, idx * p.H);
      }
    });
  }
  return terms ? { logits, entropyRatio: meanOfTerms(terms) } : { logits };
}

/** Mean BCE-with-logits (C=1) or softmax cross-entropy, matching the probe graph's loss. */
export function lossFromLogits(logits: ArrayLike<number>, labels: ArrayLike<number>, C: number): number {
  const n = labels.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    if (C === 1) {
      const z = logits[i];
      const y = labels[i];
      sum += Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
    } else {
      let max = -Infinity;
      for (let c = 0; c < C; c++) max = Math.max(max, logits[i * C + c]);
      let s = 0;
      for (let c = 0; c < C; c++) s += Math.exp(logits[i * C + c] - max);
      sum += max + Math.log(s) - logits[i * C + labels[i]];
    }
  }
  return n > 0 ? sum / n : 0;
}

export function accuracyFromLogits(logits: ArrayLike<number>, labels: ArrayLike<number>, C: number): number {
  const probs = probabilities(logits, C);
  let ok = 0;
  probs.forEach((p, i) => (ok += argmax(p) === labels[i] ? 1 : 0));
  return labels.length > 0 ? ok / labels.length : 0;
}

async function validate(computer: ProbeComputer, p: ProbeParams, val: Example[], valChunks: Chunks) {
  const { logits } = await predictOver(computer, p, valChunks, val.length);
  const labels = val.map((e) => e.label);
  return { valLoss: lossFromLogits(logits, labels, p.C), valAccuracy: accuracyFromLogits(logits, labels, p.C) };
}

function l2(flat: Float64Array): number {
  let s = 0;
  for (let i = 0; i < flat.length; i++) s += flat[i] * flat[i];
  return s;
}

export async function trainAdamW(
  computer: ProbeComputer,
  init: ProbeParams,
  data: { train: Example[]; val: Example[] },
  settings: AdamWSettings & {
    weightDecay: number;
    /** Refit: exactly this many updates on the same LR schedule, no validation or early stop, final params. */
    fixedSteps?: number;
  },
  rng: Rng,
  hooks: LoopHooks = {},
): Promise<LoopResult> {
  const { H, C, D } = init;
  const fixed = settings.fixedSteps !== undefined;
  const stepLimit = settings.fixedSteps ?? settings.steps;
  const theta = flattenParams(init);
  const opt = new AdamW({ lr: settings.lr, weightDecay: settings.weightDecay });
  const fullBatch = data.train.length <= settings.batchSize;
  const trainChunks = fullBatch ? makeChunks(data.train, D) : [];
  const valChunks = makeChunks(data.val, D);
  const hasVal = data.val.length > 0 && !fixed;
  const losses: number[] = [];
  let best = { theta: theta.slice(), valLoss: Infinity, trainLoss: Infinity, step: 0 };
  // Patience counts validations without real progress: val accuracy up, or val loss down by MIN_REL_IMPROVEMENT.
  let progress = { valLoss: Infinity, valAccuracy: -1 };
  let sinceBest = 0;
  let step = 0;
  let stoppedEarly = false;
  let cancelled = false;
  // Examples on disk (streamingTrainer.ts): mini-batches in shard order, the next one read while this one runs.
  const sampler =
    !fullBatch && data.train[0]?.lazy
      ? new ShardBatchSampler(
          data.train,
          settings.batchSize,
          createRng(Math.floor(rng.next() * 2 ** 31)),
          data.train[0].lazy.budget,
        )
      : undefined;

  try {
    for (step = 0; step < stepLimit; step++) {
      if (hooks.signal?.aborted) {
        cancelled = stoppedEarly = true;
        break;
      }
      if (settings.schedule === 'cosine')
        opt.lr = settings.lr * 0.5 * (1 + Math.cos((Math.PI * step) / settings.steps));
      const p = unflattenParams(theta, H, C, D);
      let r: { loss: number; grad: Float64Array };
      if (fullBatch) r = await lossAndGradOver(computer, p, trainChunks);
      else if (sampler) {
        const batch = await sampler.next();
        const g = await computer.lossAndGrad(p, batch);
        sampler.release(batch);
        r = { loss: g.loss, grad: flattenParams(g.grad) };
      } else {
        const pick = rng.shuffle(data.train.map((_, i) => i)).slice(0, settings.batchSize);
        const batch = makeBatch(
          pick.map((i) => data.train[i]),
          D,
        );
        const g = await computer.lossAndGrad(p, batch);
        r = { loss: g.loss, grad: flattenParams(g.grad) };
      }
      if (!Number.isFinite(r.loss))
        throw new ProbescopeError(
          'INTERNAL',
          `Training diverged at step ${step} (loss ${r.loss}); lower the learning rate.`,
        );
      losses.push(r.loss);
      const event: StepEvent = { step, trainLoss: r.loss };
      const validating = hasVal && (step % VALIDATION_EVERY === 0 || step === settings.steps - 1);
      if (validating) {
        const v = await validate(computer, p, data.val, valChunks);
        Object.assign(event, v);
        if (v.valLoss < best.valLoss) best = { theta: theta.slice(), valLoss: v.valLoss, trainLoss: r.loss, step };
        if (v.valAccuracy > progress.valAccuracy || v.valLoss < progress.valLoss * (1 - MIN_REL_IMPROVEMENT)) {
          progress = {
            valLoss: Math.min(v.valLoss, progress.valLoss),
            valAccuracy: Math.max(v.valAccuracy, progress.valAccuracy),
          };
          sinceBest = 0;
        } else sinceBest++;
        await hooks.onCheckpoint?.(step, p);
      } else if (!hasVal && r.loss < best.trainLoss)
        best = { theta: theta.slice(), valLoss: Infinity, trainLoss: r.loss, step };
      hooks.onStep?.(event);
      if (!fixed && settings.earlyStop.kind === 'validation' && hasVal && sinceBest >= settings.earlyStop.patience) {
        stoppedEarly = true;
        step++;
        break;
      }
      if (!fixed && settings.earlyStop.kind === 'train-plateau') {
        const w = settings.earlyStop.window;
        if (losses.length > w) {
          // A loop, not Math.min(...losses): a spread of 100k+ steps' losses overflows the call stack.
          const recent = minOf(losses, losses.length - w, losses.length);
          const before = minOf(losses, 0, losses.length - w);
          if (recent >= before) {
            stoppedEarly = true;
            step++;
            break;
          }
        }
      }
      opt.step(theta, r.grad);
    }
  } finally {
    await sampler?.close();
  }
  // The reference keeps its last parameters; with validation we keep the best-validating ones.
  const keepBest = (!fixed && settings.earlyStop.kind === 'validation') || cancelled;
  const final = keepBest && best.theta ? best.theta : theta;
  return {
    params: unflattenParams(final, H, C, D),
    steps: step,
    stoppedEarly,
    cancelled,
    bestStep: keepBest ? best.step : step,
  };
}

class Stop extends Error {}

/** Val-loss gains below 1% (relative) per validation do not reset the patience of the 'fast' preset. */
const MIN_REL_IMPROVEMENT = 0.01;

/** LBFGS (strong Wolfe) on loss + wd/2·Σθ² over the full training set; mean/last probes make this cheap (S = 1). */
export async function trainLbfgs(
  computer: ProbeComputer,
  init: ProbeParams,
  data: { train: Example[]; val: Example[] },
  settings: LbfgsSettings & { weightDecay: number },
  hooks: LoopHooks = {},
): Promise<LoopResult> {
  const { H, C, D } = init;
  const trainChunks = makeChunks(data.train, D);
  const valChunks = makeChunks(data.val, D);
  let evals = 0;
  let best = { theta: flattenParams(init), objective: Infinity };
  const f = async (x: Float64Array) => {
    if (hooks.signal?.aborted) throw new Stop();
    const p = unflattenParams(x, H, C, D);
    const r = await lossAndGradOver(computer, p, trainChunks);
    const wd = settings.weightDecay;
    const objective = r.loss + (wd / 2) * l2(x);
    if (wd > 0) for (let i = 0; i < x.length; i++) r.grad[i] += wd * x[i];
    if (objective < best.objective) best = { theta: Float64Array.from(x), objective };
    const event: StepEvent = { step: evals, trainLoss: r.loss };
    if (data.val.length > 0 && evals % VALIDATION_EVERY === 0)
      Object.assign(event, await validate(computer, p, data.val, valChunks));
    hooks.onStep?.(event);
    evals++;
    return { loss: objective, grad: r.grad };
  };
  try {
    const r = await lbfgsMinimize(f, flattenParams(init), { maxIter: settings.maxIter });
    const stalled =
      r.lineSearchFailed && r.stopReason !== 'gradient'
        ? standardizedGradMax(r.grad, featureScaling(data.train, D), H, C, D)
        : 0;
    if (stalled > STALL_GRADIENT) {
      // torch.optim.LBFGS stops silently here; a stall is not convergence (badly scaled features, a wrong lr).
      hooks.onLog?.(
        `Warning: LBFGS stopped after ${r.iterations} iterations on a failed line search (no step lowered the loss ` +
          `enough; loss ${r.loss.toPrecision(4)}, standardised gradient ${stalled.toPrecision(2)}), not on convergence. The probe may be under-fitted: features on very ` +
          `different scales cause this (the 'fast' preset standardises them), or try --optimizer adamw.`,
      );
    }
    return {
      params: unflattenParams(r.x, H, C, D),
      steps: r.iterations,
      stoppedEarly: r.iterations < settings.maxIter,
      cancelled: false,
    };
  } catch (err) {
    if (!(err instanceof Stop) && !isCancelled(err)) throw err;
    return { params: unflattenParams(best.theta, H, C, D), steps: evals, stoppedEarly: true, cancelled: true };
  }
}

/**
 * A failed line search at the optimum is normal in float32 (the loss stops changing above its rounding), so the
 * warning needs the gradient to say the optimum is not reached. Raw gradients scale with the features; measured in
 * standardised coordinates (V' = V·σ, b' = b + V·μ, featureScaling.ts) they do not:
 *   ∂L/∂b' = ∂L/∂b,   ∂L/∂V'_d = (∂L/∂V_d − μ_d·∂L/∂b) / σ_d   (likewise q: ∂L/∂q'_d = ∂L/∂q_d / σ_d).
 * Converged fits measured here end at 1e-5 or below; a stall far from the optimum well above STALL_GRADIENT.
 */
const STALL_GRADIENT = 1e-3;

/** max |∂L/∂θ'| over q', V', b' (flat layout q, w, V, b as flattenParams). */
export function standardizedGradMax(g: Float64Array, s: FeatureScaling, H: number, C: number, D: number): number {
  let m = 0;
  const qOff = 0;
  const vOff = H * D + H;
  const bOff = vOff + H * C * D;
  for (let i = 0; i < H * D; i++) m = Math.max(m, Math.abs(g[qOff + i] / s.scale[i % D]));
  for (let r = 0; r < H * C; r++) {
    const gb = g[bOff + r];
    m = Math.max(m, Math.abs(gb));
    for (let d = 0; d < D; d++) m = Math.max(m, Math.abs((g[vOff + r * D + d] - s.mean[d] * gb) / s.scale[d]));
  }
  return m;
}

/** Smallest of xs[from..to). */
function minOf(xs: readonly number[], from: number, to: number): number {
  let m = Infinity;
  for (let i = from; i < to; i++) if (xs[i] < m) m = xs[i];
  return m;
}
