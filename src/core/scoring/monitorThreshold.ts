/**
 * The 1 % FPR threshold of the target a document is scored for (protocol/fprThreshold.ts). Probes trained since it
 * is recorded carry it in probe.json (`fprThresholds`); for a probe saved before, the test split is rebuilt from what
 * probe.json records (dataset, columns, split source and seed), run through the model and the probe, and the
 * threshold computed from those logits — only when the rebuilt split reproduces the recorded test metrics (its size,
 * accuracy, log loss and Brier score); otherwise, or when the data cannot be read, the threshold is reported
 * unavailable with the reason.
 * A rebuilt result is kept in memory per probe folder and probe.json stamp (probe.json is never rewritten here).
 */
import { textsAt } from '../data/textSource';
import * as os from 'node:os';
import * as path from 'node:path';
import { MONITOR_FPR, type FprThreshold, type FprThresholdInfo } from '../../protocol/fprThreshold';
import type { ExecutionProviderSetting, ProbeManifest, SplitRecord } from '../../protocol/types';
import { cacheKindFor } from '../activations/pooledCache';
import { ProbescopeError, throwIfAborted } from '../errors';
import { findFprThreshold, fprThresholds } from '../evaluation/fprThreshold';
import type { ModelFolder } from '../model';
import { makeChunks } from '../probes/batches';
import { probeComputer } from '../probes/computerCache';
import { buildActivations, examplesFrom } from '../probes/probeData';
import type { ProbeParams } from '../probes/probeParams';
import { splitMetrics } from '../probes/metrics';
import { predictOver } from '../probes/trainingLoop';
import { planSplits } from '../probes/trainingSplits';

export interface MonitorThresholdContext {
  probeDir: string;
  manifest: ProbeManifest;
  probe: ProbeParams;
  folder: ModelFolder;
  executionProvider?: ExecutionProviderSetting;
  /** Activation cache for a rebuilt test split (default: the OS temp folder's probescope-cache, as eval uses). */
  cacheDir?: string;
  signal?: AbortSignal;
}

/** Largest difference (relative, at least absolute) accepted between a rebuilt and a recorded test log loss / Brier. */
const REBUILD_TOLERANCE = 1e-5;

type Rebuilt = { thresholds: FprThreshold[] } | { reason: string };
const rebuilt = new Map<string, Promise<Rebuilt>>();

const isValid = (t: FprThreshold | undefined): t is FprThreshold =>
  !!t && [t.value, t.fpr, t.tpr, t.negatives, t.positives].every((x) => typeof x === 'number' && Number.isFinite(x));

/** The threshold for scoring `className` (against the rest when `versusRest`), or why there is none. */
export async function monitorThreshold(
  ctx: MonitorThresholdContext,
  className: string,
  versusRest: boolean,
): Promise<FprThresholdInfo> {
  const target = `class "${className}"${versusRest ? ' vs rest' : ''}`;
  const recorded = ctx.manifest.fprThresholds;
  if (Array.isArray(recorded)) {
    const t = findFprThreshold(recorded, className, versusRest);
    if (isValid(t)) return { available: true, source: 'probe.json', ...t };
    return {
      available: false,
      reason: t
        ? `probe.json's 1 % FPR threshold for ${target} is malformed.`
        : `The test split has no rows of class "${className}" or none of the other classes, so no false-positive rate could be measured for ${target}.`,
    };
  }
  const key = `${path.resolve(ctx.probeDir)}|${ctx.manifest.createdAt}|${ctx.folder.hash}`;
  let job = rebuilt.get(key);
  if (!job) {
    job = rebuildThresholds(ctx).catch((err: unknown) => {
      rebuilt.delete(key);
      throw err;
    });
    rebuilt.set(key, job);
  }
  let r: Rebuilt;
  try {
    r = await job;
  } catch (err) {
    // A cancel is the user's; any other failure of the rebuild leaves the scores intact and says why.
    if (err instanceof ProbescopeError && err.code === 'CANCELLED') throw err;
    return {
      available: false,
      reason: `This probe was saved before 1 % FPR thresholds were recorded, and rebuilding its test split failed: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  if ('reason' in r) return { available: false, reason: r.reason };
  const t = findFprThreshold(r.thresholds, className, versusRest);
  return t
    ? { available: true, source: 'rebuilt test split', ...t }
    : { available: false, reason: `The rebuilt test split has no rows of ${target} or none of the others.` };
}

/** Rebuilds the test split a probe was evaluated on and computes its thresholds (see the header). */
async function rebuildThresholds(ctx: MonitorThresholdContext): Promise<Rebuilt> {
  const { manifest, probe, folder } = ctx;
  const t = manifest.training;
  const split = t.split as SplitRecord | undefined;
  const recordedTest = manifest.metrics.test;
  if (typeof t.dataPath !== 'string' || !split || typeof split !== 'object' || !recordedTest)
    return {
      reason:
        'This probe was saved before 1 % FPR thresholds were recorded, and its probe.json does not record the test split it was evaluated on.',
    };
  const seed = typeof split.seed === 'number' ? split.seed : typeof t.seed === 'number' ? t.seed : 0;
  let plan;
  try {
    plan = await planSplits(
      {
        dataPath: t.dataPath,
        textField: typeof t.textField === 'string' ? t.textField : undefined,
        labelField: typeof t.labelField === 'string' ? t.labelField : undefined,
        ...(split.source === 'field' ? { splitField: split.field } : {}),
        ...(split.source === 'file' ? { testDataPath: split.testData } : {}),
        ...(split.source === 'random' ? { testSplit: split.testSplit } : {}),
        ...(typeof t.chat === 'string' ? { chat: t.chat } : {}),
        modelDir: folder.dir,
      } as Parameters<typeof planSplits>[0],
      'reference', // the test rows do not depend on the preset (it only decides the validation carve)
      seed,
    );
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return {
      reason: `This probe was saved before 1 % FPR thresholds were recorded, and its test split could not be rebuilt: ${why}`,
    };
  }
  if (plan.test.length !== split.counts?.test)
    return {
      reason: `This probe was saved before 1 % FPR thresholds were recorded; its dataset now gives ${plan.test.length} test rows instead of the ${split.counts?.test} it was evaluated on (the data changed), so the threshold is unavailable.`,
    };
  throwIfAborted(ctx.signal);
  const classIndex = new Map(manifest.classes.map((c, i) => [c, i]));
  const texts = await textsAt(plan.texts, plan.test);
  const labels = Array.from(plan.test, (i) => classIndex.get(plan.labels.at(i)) ?? -1);
  if (labels.some((l) => l < 0))
    return { reason: 'The rebuilt test split has labels the probe was not trained on (the data changed).' };
  const cache = await buildActivations(
    folder,
    [manifest.layer],
    texts,
    {
      cacheDir: ctx.cacheDir ?? path.join(os.tmpdir(), 'probescope-cache'),
      maxLength: typeof t.maxLength === 'number' ? t.maxLength : undefined,
      executionProvider: ctx.executionProvider,
      kind: cacheKindFor([manifest.probe]),
      // The rebuild must reproduce the recorded metrics: states at the precision the probe was trained on (probes
      // saved before training.cacheDtype was recorded were trained on float32 caches).
      dtype: t.cacheDtype === 'float16' ? 'float16' : 'float32',
    },
    { signal: ctx.signal },
  );
  let logits: Float32Array;
  try {
    const examples = examplesFrom(
      cache,
      manifest.layer,
      manifest.probe,
      texts.map((_, i) => i),
      labels,
    );
    const computer = await probeComputer({ H: probe.H, C: probe.C, D: probe.D }, ctx.executionProvider);
    ({ logits } = await predictOver(computer, probe, makeChunks(examples, probe.D), examples.length));
  } finally {
    cache.close();
  }
  // The rebuilt split must give the recorded test accuracy (same rows, same model, same probe), computed as it was
  // recorded (splitMetrics).
  const again = splitMetrics({ classes: manifest.classes, logits, labels, bootstrap: false });
  const accuracy = again.accuracy;
  if (Math.abs(accuracy - recordedTest.accuracy) > 1e-9 || recordedTest.n !== labels.length)
    return {
      reason: `This probe was saved before 1 % FPR thresholds were recorded; its rebuilt test split gives accuracy ${accuracy.toFixed(4)}, not the recorded ${recordedTest.accuracy.toFixed(4)} (the data or the model changed), so the threshold is unavailable.`,
    };
  // Accuracy survives many edits of the data (a changed text whose prediction holds); the log loss and Brier score
  // move with every logit, so they must match too — up to float32 re-extraction noise (padding differs in batches).
  for (const key of ['log_loss', 'brier'] as const) {
    const was = recordedTest[key];
    const now = again[key];
    if (typeof was !== 'number' || typeof now !== 'number') continue;
    if (!(Math.abs(now - was) <= REBUILD_TOLERANCE * Math.max(1, Math.abs(was))))
      return {
        reason: `This probe was saved before 1 % FPR thresholds were recorded; its rebuilt test split gives ${key} ${now.toPrecision(6)}, not the recorded ${was.toPrecision(6)} (the data or the model changed), so the threshold is unavailable.`,
      };
  }
  return { thresholds: fprThresholds(manifest.classes, logits, labels, MONITOR_FPR) };
}
