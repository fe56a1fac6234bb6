/**
 * trainProbeRun: dataset → split → activations → pooled examples → optimiser → metrics → saved probe.
 * Weight decay 'cv' picks from WEIGHT_DECAY_GRID by stratified 5-fold CV on the train split (validation accuracy,
 * then loss). A Stop during training saves the best probe so far (stoppedEarly); a Stop during extraction cancels.
 */
import * as path from 'node:path';
import type { ProbeManifest, SplitMetrics, TrainProbeParams, TrainResult } from '../../protocol/types';
import type { ActivationCache } from '../activations';
import { kFold, readDataset, sortedClasses, stratifiedSplit } from '../data';
import { ProbescopeError, throwIfAborted } from '../errors';
import { describeLayer, resolveModelFolder } from '../model';
import type { Example } from './batches';
import { makeChunks } from './batches';
import { probeComputer } from './computerCache';
import * as defaults from './defaults';
import { featureScaling, foldScaling, standardizeExamples } from './featureScaling';
import { entropyRatioOf, splitMetrics } from './metrics';
import type { ProbeComputer } from './probeComputer';
import { buildActivations, defaultCacheDir, examplesFrom, type CacheHooks } from './probeData';
import { saveProbe } from './probeFile';
import { initProbeParams, type ProbeParams } from './probeParams';
import { createRng } from './rng';
import { lossFromLogits, predictOver, trainAdamW, trainLbfgs, type LoopHooks, type LoopResult } from './trainingLoop';

export interface TrainHooks extends CacheHooks {
  onStep?: LoopHooks['onStep'];
}

function validateParams(p: TrainProbeParams): void {
  const bad = (msg: string): never => {
    throw new ProbescopeError('BAD_ARGUMENT', msg);
  };
  if (!['attention', 'mean', 'last'].includes(p.probe))
    bad(`Unknown probe kind "${p.probe}": use attention, mean or last.`);
  if (p.heads !== undefined && !(Number.isInteger(p.heads) && p.heads >= 1))
    bad(`--heads must be a positive integer (got ${p.heads}).`);
  if (p.optimizer !== undefined && p.optimizer !== 'adamw' && p.optimizer !== 'lbfgs')
    bad(`Unknown optimizer "${p.optimizer}": use adamw or lbfgs.`);
  if (p.lr !== undefined && !(p.lr > 0)) bad(`--lr must be positive (got ${p.lr}).`);
  if (p.steps !== undefined && !(Number.isInteger(p.steps) && p.steps >= 1))
    bad(`--steps must be a positive integer (got ${p.steps}).`);
  if (p.weightDecay !== undefined && p.weightDecay !== 'cv' && !(p.weightDecay >= 0))
    bad(`--weight-decay must be ≥ 0 or "cv" (got ${p.weightDecay}).`);
  if (p.preset !== undefined && p.preset !== 'fast' && p.preset !== 'reference')
    bad(`Unknown preset "${p.preset}": use fast or reference.`);
  if (!p.outDir) bad('An output folder (--out) is required.');
}

interface FitSpec {
  computer: ProbeComputer;
  H: number;
  C: number;
  D: number;
  optimizer: 'adamw' | 'lbfgs';
  preset: defaults.Preset;
  params: TrainProbeParams;
  seed: number;
}

async function fit(
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

async function chooseWeightDecay(spec: FitSpec, train: Example[], hooks: TrainHooks): Promise<number> {
  const folds = kFold(
    train.map((e) => String(e.label)),
    defaults.CV_FOLDS,
    spec.seed,
  );
  let best = { wd: 0, acc: -1, loss: Infinity };
  for (const [g, wd] of defaults.WEIGHT_DECAY_GRID.entries()) {
    let acc = 0;
    let loss = 0;
    for (const [k, fold] of folds.entries()) {
      throwIfAborted(hooks.signal);
      hooks.onProgress?.({
        phase: 'train',
        done: g * folds.length + k,
        total: defaults.WEIGHT_DECAY_GRID.length * folds.length,
        message: `CV weight decay ${wd}, fold ${k + 1}`,
      });
      const held = new Set(fold);
      const tr = train.filter((_, i) => !held.has(i));
      const va = fold.map((i) => train[i]);
      const r = await fit(spec, tr, [], wd, { signal: hooks.signal });
      if (r.cancelled) throwIfAborted(hooks.signal);
      const m = await evaluateExamples(spec.computer, r.params, va, indexClasses(spec.C), false);
      acc += m.accuracy / folds.length;
      loss += (m.loss ?? 0) / folds.length;
    }
    hooks.onLog?.(`weight decay ${wd}: CV accuracy ${acc.toFixed(4)}, loss ${loss.toFixed(4)}`);
    if (acc > best.acc + 1e-12 || (Math.abs(acc - best.acc) <= 1e-12 && loss < best.loss)) best = { wd, acc, loss };
  }
  return best.wd;
}

const indexClasses = (C: number) => Array.from({ length: C === 1 ? 2 : C }, (_, i) => String(i));

/** Metrics on examples; classes only name the columns (labels are indices). */
export async function evaluateExamples(
  computer: ProbeComputer,
  p: ProbeParams,
  examples: Example[],
  classes: string[],
  withEntropy: boolean,
): Promise<SplitMetrics> {
  if (examples.length === 0) return { n: 0, accuracy: 0 };
  const chunks = makeChunks(examples, p.D);
  const { logits, attention } = await predictOver(computer, p, chunks, examples.length, withEntropy);
  const labels = examples.map((e) => e.label);
  return splitMetrics({
    classes,
    labels,
    logits,
    loss: lossFromLogits(logits, labels, p.C),
    entropyRatio: withEntropy ? entropyRatioOf(attention, p.H) : undefined,
  });
}

/** `shared.cache`: an already built cache holding this layer (layer sweeps extract all layers once); not closed here. */
export async function trainProbeRun(
  params: TrainProbeParams,
  hooks: TrainHooks = {},
  shared?: { cache: ActivationCache },
): Promise<TrainResult> {
  validateParams(params);
  const preset = params.preset ?? 'fast';
  const seed = params.seed ?? defaults.DEFAULT_SEED;
  const testSplit = params.testSplit ?? defaults.DEFAULT_TEST_SPLIT;
  const heads = params.probe === 'attention' ? (params.heads ?? defaults.DEFAULT_HEADS) : 1;
  const optimizer = params.optimizer ?? defaults.defaultOptimizer(params.probe);

  const ds = await readDataset(params.dataPath, { textField: params.textField, labelField: params.labelField });
  const classes = sortedClasses(ds.labels);
  if (classes.length < 2)
    throw new ProbescopeError(
      'DATASET_INVALID',
      `${ds.path} has only one class ("${classes[0]}"); a probe needs at least two.`,
    );
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  const labels = ds.labels.map((l) => classIndex.get(l)!);
  const split = stratifiedSplit(ds.labels, testSplit, seed);
  const trainLabels = split.train.map((i) => ds.labels[i]);
  const inner = stratifiedSplit(trainLabels, defaults.VALIDATION_FRACTION, seed + 1);
  const trainRows = inner.train.map((j) => split.train[j]);
  const valRows = inner.test.map((j) => split.train[j]);

  const folder = await resolveModelFolder(params.modelDir);
  const outDir = path.resolve(params.outDir);
  const t0 = performance.now();
  const cache =
    shared?.cache ??
    (await buildActivations(
      folder,
      [params.layer],
      ds.texts,
      {
        cacheDir: params.cacheDir ?? defaultCacheDir(outDir),
        maxLength: params.maxLength,
        executionProvider: params.executionProvider,
        batchSize: params.batchSize,
      },
      hooks,
    ));
  const extractSeconds = (performance.now() - t0) / 1000;
  const D = cache.hiddenSize;
  const C = classes.length === 2 ? 1 : classes.length;
  const pick = (rows: number[]) => examplesFrom(cache, params.layer, params.probe, rows, labels);
  const train = pick(trainRows);
  const val = pick(valRows);
  const test = pick(split.test);
  if (!shared) cache.close();

  const t1 = performance.now();
  const computer = await probeComputer({ H: heads, C, D }, params.executionProvider);
  const spec: FitSpec = { computer, H: heads, C, D, optimizer, preset, params, seed };
  // 'fast' fits on standardised features (featureScaling.ts) and folds μ, σ back into the saved weights; 'reference'
  // keeps EleutherAI's exact recipe on raw features.
  const scaling = preset === 'reference' ? undefined : featureScaling(train, D);
  const fitTrain = scaling ? standardizeExamples(train, scaling) : train;
  const fitVal = scaling ? standardizeExamples(val, scaling) : val;
  const weightDecay =
    params.weightDecay === 'cv' ? await chooseWeightDecay(spec, fitTrain, hooks) : (params.weightDecay ?? 0);
  const steps =
    optimizer === 'adamw'
      ? defaults.adamwSettings(preset, params).steps
      : defaults.lbfgsSettings(preset, params).maxIter;
  hooks.onProgress?.({
    phase: 'train',
    done: 0,
    total: steps,
    message: `${params.probe} probe, ${optimizer}, ${preset} preset`,
  });
  const fitted = await fit(spec, fitTrain, fitVal, weightDecay, {
    signal: hooks.signal,
    onLog: hooks.onLog,
    onStep: (e) => {
      hooks.onStep?.(e);
      hooks.onProgress?.({ phase: 'train', done: Math.min(e.step + 1, steps), total: steps });
    },
  });
  const result = scaling ? { ...fitted, params: foldScaling(fitted.params, scaling) } : fitted;
  const trainSeconds = (performance.now() - t1) / 1000;
  if (result.cancelled) hooks.onLog?.(`Stopped at step ${result.steps}; saving the best probe so far.`);

  // Final metrics must run even after a Stop: they are part of saving the work.
  const withEntropy = params.probe === 'attention';
  const trainMetrics = await evaluateExamples(computer, result.params, [...train, ...val], classes, false);
  const testMetrics = await evaluateExamples(computer, result.params, test, classes, withEntropy);
  const manifest: ProbeManifest = {
    format: 'probescope-probe/1',
    name: path.basename(outDir),
    model: { id: folder.id, hash: folder.hash, dir: folder.dir, hiddenSize: D, numLayers: folder.config.numLayers },
    layer: params.layer,
    layerMeaning: describeLayer(params.layer, folder.config.numLayers),
    probe: params.probe,
    heads,
    classes,
    metrics: { train: trainMetrics, test: testMetrics },
    training: {
      preset,
      optimizer,
      lr: optimizer === 'adamw' ? defaults.adamwSettings(preset, params).lr : undefined,
      maxSteps: steps,
      stepsRun: result.steps,
      stoppedEarly: result.stoppedEarly,
      stoppedByUser: result.cancelled,
      weightDecay,
      weightDecaySetting: params.weightDecay ?? 0,
      // Fitted on (x − μ)/σ with μ, σ of the training examples, folded back into the saved weights.
      featureStandardization: scaling ? 'train-split' : 'none',
      seed,
      testSplit,
      validationFraction: defaults.VALIDATION_FRACTION,
      dataPath: ds.path,
      textField: ds.textField,
      labelField: ds.labelField,
      maxLength: params.maxLength ?? defaults.DEFAULT_TRAIN_MAX_LENGTH,
      nTrain: train.length,
      nVal: val.length,
      nTest: test.length,
    },
    createdAt: new Date().toISOString(),
  };
  await saveProbe(outDir, result.params, manifest);
  return {
    probe: params.probe,
    heads,
    layer: params.layer,
    classes,
    outDir,
    train: trainMetrics,
    test: testMetrics,
    steps: result.steps,
    weightDecay,
    stoppedEarly: result.stoppedEarly,
    seconds: { extract: extractSeconds, train: trainSeconds },
  };
}
