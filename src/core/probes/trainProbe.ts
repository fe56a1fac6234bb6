/**
 * trainProbeRun: dataset → split → activations → pooled examples → optimiser → metrics → saved probe.
 * Weight decay 'cv' picks from WEIGHT_DECAY_GRID by stratified 5-fold CV on the train split (validation accuracy,
 * then loss). A Stop during training saves the best probe so far (stoppedEarly); a Stop during extraction cancels.
 */
import * as path from 'node:path';
import type { ProbeManifest, SplitMetrics, TrainProbeParams, TrainResult } from '../../protocol/types';
import type { ActivationCache } from '../activations';
import { fprThresholds } from '../evaluation/fprThreshold';
import { MONITOR_FPR, type FprThreshold } from '../../protocol/fprThreshold';
import { tinyClassWarnings } from '../data';
import type { LabelCodes } from '../data/labelCodes';
import { ProbescopeError, throwIfAborted } from '../errors';
import { describeLayer, resolveModelFolder } from '../model';
import { probeComputer } from './computerCache';
import * as defaults from './defaults';
import { featureScaling, featureScalingStreamed, foldScaling, standardizeExamples } from './featureScaling';
import { cacheKindFor } from '../activations/pooledCache';
import { openExistingCache } from './existingCache';
import { defaultMemoryBudget, lazyExamplesFrom, trainingBytes } from './streamingTrainer';
import { formatBytes } from '../storage';
import { buildActivations, defaultCacheDir, examplesFrom, type CacheHooks } from './probeData';
import { saveProbe } from './probeFile';
import { checkProbeOutput } from './probeOutput';
import { fitSeed, type FitSpec, type SeedFit } from './probeFit';
import { summarizeSeeds } from './seedSummary';
import type { LoopHooks } from './trainingLoop';
import { planSplits, sharedTextsWarning } from './trainingSplits';
import { validateTrainParams } from './trainParams';
import { chooseWeightDecay } from './weightDecayCv';
import { evaluateExamples } from './exampleMetrics';

export interface TrainHooks extends CacheHooks {
  onStep?: LoopHooks['onStep'];
}

/** Classes of too few rows, with the dataset panel's rule (same message), as log lines. */
function tinyClassLines(labels: LabelCodes): string[] {
  const counts = labels.counts();
  return tinyClassWarnings(
    labels.names.map((label, c) => ({ label, count: counts[c] })),
    labels.length,
  ).map((w) => `warning: ${w.message}`);
}

/** `shared.cache`: an already built cache holding this layer (layer sweeps extract all layers once); not closed here. */
export async function trainProbeRun(
  params: TrainProbeParams,
  hooks: TrainHooks = {},
  shared?: { cache: ActivationCache },
): Promise<TrainResult> {
  validateTrainParams(params);
  const preset = params.preset ?? 'fast';
  const seed = params.seed ?? defaults.DEFAULT_SEED;
  const seeds = params.seeds ?? [seed];
  const heads = params.probe === 'attention' ? (params.heads ?? defaults.DEFAULT_HEADS) : 1;
  const optimizer = params.optimizer ?? defaults.defaultOptimizer(params.probe);

  const outDir = path.resolve(params.outDir);
  // Refuse a folder that cannot take the probe before the dataset is read or any extraction or training time is spent.
  await checkProbeOutput(outDir, { force: params.force });
  // A layer sweep reads the dataset once and reports its warnings itself.
  const plan = await planSplits(params, preset, seed, shared ? undefined : (line) => hooks.onLog?.(line));
  const { classes, ds } = plan;
  // A layer sweep extracted its cache from the texts it read first; a file changed since then gives other rows.
  if (shared && shared.cache.numExamples !== plan.texts.count)
    throw new ProbescopeError(
      'DATASET_INVALID',
      `${ds.path} changed during the layer sweep: its cache holds ${shared.cache.numExamples} texts, the file now gives ${plan.texts.count}. Run the sweep again.`,
    );
  for (const line of tinyClassLines(plan.labels)) hooks.onLog?.(line);
  if (plan.record.validationNote) hooks.onLog?.(`warning: ${plan.record.validationNote}.`);
  const sharedLine = sharedTextsWarning(plan.record);
  if (sharedLine) hooks.onLog?.(sharedLine);
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  // Class index per text (4 bytes a row, outside the JS heap).
  const labels = plan.labels.mapNames((l) => classIndex.get(l)!);

  const t0 = performance.now();
  // `train --cache DIR`: an existing cache, no model folder needed (existingCache.ts checks data, layer and model).
  const existing =
    !shared && params.cachePath
      ? await openExistingCache(
          params.cachePath,
          {
            texts: plan.texts,
            layer: params.layer,
            maxLength: params.maxLength,
            dtype: params.cacheDtype,
            modelDir: params.modelDir || undefined,
          },
          hooks,
        )
      : undefined;
  const folder = existing ? undefined : await resolveModelFolder(params.modelDir);
  const model = existing
    ? existing.model
    : { id: folder!.id, hash: folder!.hash, dir: folder!.dir, numLayers: folder!.config.numLayers };
  const cache =
    existing?.cache ??
    shared?.cache ??
    (await buildActivations(
      folder!,
      [params.layer],
      plan.texts,
      {
        cacheDir: params.cacheDir ?? defaultCacheDir(outDir),
        maxLength: params.maxLength,
        executionProvider: params.executionProvider,
        batchSize: params.batchSize,
        kind: cacheKindFor([params.probe]),
        dtype: params.cacheDtype,
      },
      hooks,
    ));
  const extractSeconds = (performance.now() - t0) / 1000;
  const D = cache.hiddenSize;
  const C = classes.length === 2 ? 1 : classes.length;
  // Beyond the memory budget the examples stay on disk and are streamed (streamingTrainer.ts).
  const budget = params.memoryBudget ?? defaultMemoryBudget();
  const needed = [plan.train, plan.val, plan.test].reduce((n, rows) => n + trainingBytes(cache, rows, params.probe), 0);
  const streaming = needed > budget;
  if (streaming)
    hooks.onLog?.(
      `The examples take ${formatBytes(needed)}, more than the memory budget of ${formatBytes(budget)} ` +
        '(--memory-budget): streaming them from the activation cache. AdamW reads mini-batches shard by shard (seeded), ' +
        `the next while the current runs; ${optimizer === 'lbfgs' ? 'LBFGS reads every example from disk each evaluation; ' : ''}` +
        'validation and the final metrics read all their rows from disk in chunks.',
    );
  const pick = (rows: Uint32Array) =>
    streaming
      ? lazyExamplesFrom(cache, params.layer, params.probe, rows, labels, budget)
      : examplesFrom(cache, params.layer, params.probe, rows, labels);
  const train = pick(plan.train);
  const val = pick(plan.val);
  const test = pick(plan.test);
  if (!shared && !streaming) cache.close();

  const t1 = performance.now();
  const computer = await probeComputer({ H: heads, C, D }, params.executionProvider);
  const base: FitSpec = { computer, H: heads, C, D, optimizer, preset, params, seed: seeds[0] };
  // 'fast' fits on standardised features (featureScaling.ts) and folds μ, σ back into the saved weights; 'reference'
  // keeps EleutherAI's exact recipe on raw features. Streamed runs compute μ, σ in one pass over the training
  // examples on disk and standardise each batch as it is read (same values as in memory, no dataset-sized memory).
  if (streaming && preset !== 'reference')
    hooks.onLog?.(
      `Streaming: computing the feature means and scales in one pass over the ${train.length} training examples on disk.`,
    );
  const scaling =
    preset === 'reference'
      ? undefined
      : streaming
        ? await featureScalingStreamed(train, D, {
            signal: hooks.signal,
            onProgress: (done, total) =>
              hooks.onProgress?.({ phase: 'train', done, total, message: 'feature means and scales (streamed)' }),
          })
        : featureScaling(train, D);
  const fitTrain = scaling ? standardizeExamples(train, scaling) : train;
  const fitVal = scaling ? standardizeExamples(val, scaling) : val;
  const weightDecay =
    params.weightDecay === 'cv'
      ? await chooseWeightDecay(
          base,
          fitTrain,
          Int32Array.from(plan.train, (r) => plan.groups[r]),
          hooks,
        )
      : (params.weightDecay ?? 0);
  const steps =
    optimizer === 'adamw'
      ? defaults.adamwSettings(preset, params).steps
      : defaults.lbfgsSettings(preset, params).maxIter;
  const withEntropy = params.probe === 'attention';
  const refit = preset !== 'reference' && plan.record.validation === 'carved';
  const fits: (SeedFit & { train: SplitMetrics; test: SplitMetrics; thresholds: FprThreshold[] })[] = [];
  for (const [k, s] of seeds.entries()) {
    // A Stop between seeds keeps the seeds already trained (never lost work); before the first, it cancels.
    if (k > 0 && hooks.signal?.aborted) break;
    throwIfAborted(hooks.signal);
    hooks.onProgress?.({
      phase: 'train',
      done: 0,
      total: steps,
      message: `${params.probe} probe, ${optimizer}, ${preset} preset${seeds.length > 1 ? `, seed ${s} (${k + 1}/${seeds.length})` : ''}`,
    });
    const fitted = await fitSeed({ ...base, seed: s }, { train: fitTrain, val: fitVal, refit }, weightDecay, classes, {
      signal: hooks.signal,
      onLog: hooks.onLog,
      onStep: (e) => {
        // Curves show the first seed; later seeds report progress only.
        if (k === 0) hooks.onStep?.(e);
        hooks.onProgress?.({ phase: 'train', done: Math.min(e.step + 1, steps), total: steps });
      },
    });
    const f = scaling ? { ...fitted, params: foldScaling(fitted.params, scaling) } : fitted;
    if (f.loop.cancelled) hooks.onLog?.(`Stopped at step ${f.loop.steps}; saving the best probe so far.`);
    // Final metrics must run even after a Stop: they are part of saving the work.
    // Train metrics cover the rows the saved probe was fitted on: with a refit these include the carved validation
    // rows; a given validation set is never trained on.
    const fittedOn = f.refit ? [...train, ...val] : train;
    const trainMetrics = await evaluateExamples(computer, f.params, fittedOn, classes, false);
    const testScores: { logits?: Float32Array; labels?: number[] } = {};
    const testMetrics = await evaluateExamples(computer, f.params, test, classes, withEntropy, testScores);
    // Monitoring thresholds (1 % FPR on the test split) of this seed's probe, for token scores (fprThreshold.ts).
    const thresholds = fprThresholds(classes, testScores.logits ?? [], testScores.labels ?? [], MONITOR_FPR);
    fits.push({ ...f, train: trainMetrics, test: testMetrics, thresholds });
    if (f.loop.cancelled) break;
  }
  const trainSeconds = (performance.now() - t1) / 1000;
  // A seed cut short by a Stop does not enter mean ± sd or the choice when a complete seed exists.
  const complete = fits.filter((f) => !f.loop.cancelled);
  const used = complete.length > 0 ? complete : fits;
  const seedsSummary =
    seeds.length > 1
      ? summarizeSeeds(
          used.map((f) => ({
            seed: f.seed,
            steps: f.loop.steps,
            train: f.train,
            ...(f.validation ? { validation: f.validation } : {}),
            test: f.test,
          })),
        )
      : undefined;
  const chosen = seedsSummary ? used.find((f) => f.seed === seedsSummary.selectedSeed)! : used[0];
  if (seedsSummary)
    hooks.onLog?.(`Saved the probe of seed ${seedsSummary.selectedSeed} (lowest ${seedsSummary.selectedBy}).`);
  const result = chosen.loop;
  const trainMetrics = chosen.train;
  const testMetrics = chosen.test;
  const split = plan.record;
  const manifest: ProbeManifest = {
    format: 'probescope-probe/1',
    name: path.basename(outDir),
    model: { id: model.id, hash: model.hash, dir: model.dir, hiddenSize: D, numLayers: model.numLayers },
    layer: params.layer,
    layerMeaning: describeLayer(params.layer, model.numLayers),
    probe: params.probe,
    heads,
    classes,
    fprThresholds: chosen.thresholds,
    metrics: {
      train: trainMetrics,
      test: testMetrics,
      ...(chosen.validation ? { validation: chosen.validation } : {}),
      ...(seedsSummary ? { seeds: seedsSummary } : {}),
    },
    training: {
      preset,
      optimizer,
      lr: optimizer === 'adamw' ? defaults.adamwSettings(preset, params).lr : undefined,
      maxSteps: steps,
      stepsRun: result.steps,
      stoppedEarly: result.stoppedEarly,
      stoppedByUser: result.cancelled || !!hooks.signal?.aborted,
      weightDecay,
      weightDecaySetting: params.weightDecay ?? 0,
      seed: chosen.seed,
      ...(seedsSummary ? { seeds } : {}),
      testSplit: split.testSplit,
      validationFraction: split.validationFraction,
      split,
      ...(chosen.refit ? { refit: chosen.refit } : {}),
      // Fitted on (x − μ)/σ with μ, σ of the training examples, folded back into the saved weights.
      featureStandardization: scaling ? 'train-split' : 'none',
      dataPath: ds.path,
      textField: ds.textField,
      labelField: ds.labelField,
      datasetRows: ds.rowCount,
      skippedRows: ds.skipped,
      duplicateTexts: ds.duplicates,
      splitGroupedByText: ds.duplicates > 0,
      ...(params.chat ? { chat: params.chat } : {}),
      maxLength: params.maxLength ?? existing?.maxLength ?? defaults.DEFAULT_TRAIN_MAX_LENGTH,
      // The stored precision of the states the probe was fitted on (eval reads float32 again when this says so).
      cacheDtype: cache.dtype,
      nTrain: train.length,
      nVal: val.length,
      nTest: test.length,
    },
    createdAt: new Date().toISOString(),
  };
  if (!shared && streaming) cache.close();
  await saveProbe(outDir, chosen.params, manifest, { force: params.force });
  return {
    probe: params.probe,
    heads,
    layer: params.layer,
    classes,
    outDir,
    train: trainMetrics,
    test: testMetrics,
    ...(chosen.validation ? { validation: chosen.validation } : {}),
    steps: result.steps,
    weightDecay,
    stoppedEarly: result.stoppedEarly,
    seconds: { extract: extractSeconds, train: trainSeconds },
    textField: ds.textField,
    labelField: ds.labelField,
    datasetWarnings: ds.warnings,
    split,
    ...(chosen.refit ? { refit: chosen.refit } : {}),
    ...(seedsSummary ? { seeds: seedsSummary } : {}),
  };
}
