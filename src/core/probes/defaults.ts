/**
 * Training presets. 'reference' reproduces EleutherAI attention-probes' defaults exactly; 'fast' is ours: a higher
 * learning rate with cosine decay, validation-based early stopping that keeps the best parameters, and LBFGS capped
 * lower. The benchmark bench/timeToAccuracy.bench.ts measures that 'fast' reaches the reference's test accuracy in
 * a fraction of its time.
 */
import type { OptimizerName, ProbeKind } from '../../protocol/types';
import { DEFAULT_CACHE_MAX_LENGTH } from '../activations/shardFormat';

export type Preset = 'fast' | 'reference';

export interface AdamWSettings {
  lr: number;
  steps: number;
  schedule: 'constant' | 'cosine';
  /** 'train-plateau': stop when the best train loss of the last `window` steps is no better than before (reference). */
  earlyStop: { kind: 'train-plateau'; window: number } | { kind: 'validation'; patience: number };
  /** Examples per step; more than this → random mini-batches (reference: 2048). */
  batchSize: number;
}

export interface LbfgsSettings {
  maxIter: number;
}

export const DEFAULT_HEADS = 8;
export const DEFAULT_TEST_SPLIT = 0.25;
export const DEFAULT_SEED = 0;
/** Share of the train split held out for validation curves and early stopping. */
export const VALIDATION_FRACTION = 0.15;
/** Validation loss/accuracy are reported every this many steps. */
export const VALIDATION_EVERY = 10;
export const WEIGHT_DECAY_GRID = [0, 1e-3, 1e-2, 0.1];
export const CV_FOLDS = 5;
/** = the cache's default (activations/shardFormat.ts), so `activations --out C` and `train --cache-dir C` share. */
export const DEFAULT_TRAIN_MAX_LENGTH = DEFAULT_CACHE_MAX_LENGTH;

export function defaultOptimizer(kind: ProbeKind): OptimizerName {
  return kind === 'attention' ? 'adamw' : 'lbfgs';
}

export function adamwSettings(
  preset: Preset,
  overrides: { lr?: number; steps?: number; batchSize?: number },
): AdamWSettings {
  const base: AdamWSettings =
    preset === 'reference'
      ? {
          lr: 1e-4,
          steps: 2000,
          schedule: 'constant',
          earlyStop: { kind: 'train-plateau', window: 100 },
          batchSize: 2048,
        }
      : { lr: 5e-3, steps: 400, schedule: 'cosine', earlyStop: { kind: 'validation', patience: 6 }, batchSize: 2048 };
  return {
    ...base,
    lr: overrides.lr ?? base.lr,
    steps: overrides.steps ?? base.steps,
    batchSize: overrides.batchSize ?? base.batchSize,
  };
}

export function lbfgsSettings(preset: Preset, overrides: { steps?: number }): LbfgsSettings {
  return { maxIter: overrides.steps ?? (preset === 'reference' ? 2000 : 500) };
}
