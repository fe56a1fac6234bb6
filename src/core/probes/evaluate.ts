/**
 * evaluateProbe: a saved probe's metrics on a (new) dataset, whose labels must be among the probe's classes. The
 * dataset is read as training reads it (readTrainingRows): a large file is streamed and its texts read again from the
 * file by extraction, so memory does not grow with the file's bytes. When the pooled examples exceed the memory budget
 * (EvalParams.memoryBudget, default half the free memory) they stay in the activation cache and the probe reads them
 * chunk by chunk (lazyExamples.ts, as streamed training does).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { EvalParams, EvalResult, ProbeManifest } from '../../protocol/types';
import { readTrainingRows } from '../chat/chatDataset';
import { lookAlikeHint } from '../data/labelColumn';
import { ProbescopeError } from '../errors';
import { probeComputer } from './computerCache';
import { cacheKindFor } from '../activations/pooledCache';
import { buildActivations, examplesFrom, type CacheHooks } from './probeData';
import { probeWithModel } from './runtime';
import { makeChunks } from './batches';
import { splitMetrics } from './metrics';
import { lossFromLogits, predictOver } from './trainingLoop';
import { defaultMemoryBudget, lazyExamplesFrom, trainingBytes } from './streamingTrainer';
import { formatBytes } from '../storage';

/** A saved probe's logits [n*C] on every row of a dataset, with class indices and the manifest (for compare). */
export async function probePredictions(
  params: EvalParams,
  hooks: CacheHooks = {},
): Promise<{
  manifest: ProbeManifest;
  labels: number[];
  logits: Float32Array;
  C: number;
  entropyRatio?: number;
  /** Which rows of the dataset were read (Dataset.sourceRows; a Uint32Array when streamed) and with which columns. */
  rows: ArrayLike<number>;
  textField: string;
  labelField: string;
}> {
  const { probe, manifest, folder } = await probeWithModel(params.probeDir, params.modelDir);
  // A probe trained on chat-formatted text is evaluated on text formatted the same way.
  const read = await readTrainingRows(
    params.dataPath,
    {
      textField: params.textField ?? (manifest.training.textField as string | undefined),
      labelField: params.labelField ?? (manifest.training.labelField as string | undefined),
      chat: typeof manifest.training.chat === 'string' ? manifest.training.chat : undefined,
      encoding: params.encoding,
      delimiter: params.delimiter,
      quote: params.quote,
    },
    folder.dir,
  );
  const { ds } = read;
  for (const w of ds.warnings) hooks.onLog?.(`Dataset: ${w.message}`);
  const classIndex = new Map(manifest.classes.map((c, i) => [c, i]));
  const unknown = read.labels.names.filter((l) => !classIndex.has(l)); // names are distinct
  if (unknown.length > 0) {
    throw new ProbescopeError(
      'DATASET_INVALID',
      `${ds.path} has labels the probe was not trained on: ${unknown.slice(0, 5).join(', ')} (probe classes: ${manifest.classes.join(', ')}).` +
        lookAlikeHint(unknown, manifest.classes),
    );
  }
  if (!read.sourceRows) throw new Error('unreachable: readTrainingRows gives the file rows (sourceRows)');
  const rows = read.sourceRows();
  // Eval needs no text groups: a streamed read then drops its text keys (16 bytes a row) before extraction.
  read.ownGroups?.();
  const cache = await buildActivations(
    folder,
    [manifest.layer],
    read.texts,
    {
      cacheDir: params.cacheDir ?? path.join(os.tmpdir(), 'probescope-cache'),
      maxLength: typeof manifest.training.maxLength === 'number' ? manifest.training.maxLength : undefined,
      executionProvider: params.executionProvider,
      kind: cacheKindFor([manifest.probe]),
      // Read states at the precision the probe was trained on when that was float32 (probe.json training.cacheDtype).
      dtype:
        params.cacheDtype ??
        (manifest.probe === 'attention' && manifest.training.cacheDtype === 'float32' ? 'float32' : undefined),
    },
    hooks,
  );
  const labels = Array.from(read.labels.mapNames((l) => classIndex.get(l)!));
  const all = Uint32Array.from({ length: labels.length }, (_, i) => i);
  // Beyond the memory budget the examples stay in the cache and are read chunk by chunk (as streamed training does).
  const budget = params.memoryBudget ?? defaultMemoryBudget();
  const needed = trainingBytes(cache, all, manifest.probe);
  const lazy = needed > budget;
  if (lazy)
    hooks.onLog?.(
      `The examples take ${formatBytes(needed)}, more than the memory budget of ${formatBytes(budget)} ` +
        '(--memory-budget): reading them from the activation cache in chunks.',
    );
  let closed = false;
  const close = () => {
    if (!closed) cache.close();
    closed = true;
  };
  let predicted: Awaited<ReturnType<typeof predictOver>>;
  let n: number;
  try {
    const examples = lazy
      ? lazyExamplesFrom(cache, manifest.layer, manifest.probe, all, labels, budget)
      : examplesFrom(cache, manifest.layer, manifest.probe, all, labels);
    if (!lazy) close();
    n = examples.length;
    hooks.onProgress?.({ phase: 'evaluate', done: 0, total: n });
    const computer = await probeComputer({ H: probe.H, C: probe.C, D: probe.D }, params.executionProvider);
    const withEntropy = manifest.probe === 'attention';
    predicted = await predictOver(computer, probe, makeChunks(examples, probe.D), n, withEntropy);
  } finally {
    close();
  }
  const { logits, entropyRatio } = predicted;
  hooks.onProgress?.({ phase: 'evaluate', done: n, total: n });
  return {
    manifest,
    labels,
    logits,
    C: probe.C,
    entropyRatio,
    rows,
    textField: ds.textField,
    labelField: ds.labelField,
  };
}

/** Every metric of the probe on the dataset, with 95 % bootstrap intervals, and the columns read (textField, labelField). */
export async function evaluateProbe(params: EvalParams, hooks: CacheHooks = {}): Promise<EvalResult> {
  const r = await probePredictions(params, hooks);
  const fields = { textField: r.textField, labelField: r.labelField };
  if (r.labels.length === 0) return { n: 0, accuracy: 0, ...fields };
  const metrics = splitMetrics({
    classes: r.manifest.classes,
    labels: r.labels,
    logits: r.logits,
    loss: lossFromLogits(r.logits, r.labels, r.C),
    entropyRatio: r.entropyRatio,
  });
  return { ...metrics, ...fields };
}
