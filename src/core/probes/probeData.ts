/** From a dataset and a model folder to pooled probe examples, through the on-disk activation cache. */
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExecutionProviderSetting, LayerSpec, ProbeKind, ProgressEvent } from '../../protocol/types';
import { ActivationCache } from '../activations';
import { type CacheKind, rowFor } from '../activations/pooledCache';
import type { CacheDtype } from '../activations/shardFormat';
import { ProbescopeError } from '../errors';
import type { ModelFolder } from '../model';
import type { TextSource } from '../data/textSource';
import type { Example } from './batches';
import { DEFAULT_TRAIN_MAX_LENGTH } from './defaults';
import { poolStates, pooledLength } from './pooling';

/**
 * Where activations are cached when the caller names no folder: probes saved as `<x>/.probescope/probes/<name>` (the
 * extension's layout) share `<x>/.probescope/cache`; any other output folder uses the OS temp folder, so a CLI run
 * never writes into a folder of the user's (a `cache/` beside some `probes/` folder may be theirs).
 */
export function defaultCacheDir(outDir: string): string {
  const parent = path.dirname(path.resolve(outDir));
  const root = path.dirname(parent);
  if (path.basename(parent) === 'probes' && path.basename(root) === '.probescope') return path.join(root, 'cache');
  return path.join(os.tmpdir(), 'probescope-cache');
}

export interface CacheHooks {
  onProgress?(e: Omit<ProgressEvent, 'progressId'>): void;
  onLog?(message: string): void;
  signal?: AbortSignal;
}

export function checkLayer(layer: LayerSpec, folder: ModelFolder): void {
  const n = folder.config.numLayers;
  if (layer !== 'final' && !(Number.isInteger(layer) && layer >= 0 && layer <= n)) {
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      `Layer ${layer} does not exist: ${folder.id} has layers 0..${n} and "final".`,
    );
  }
}

export async function buildActivations(
  folder: ModelFolder,
  layers: LayerSpec[],
  texts: string[] | TextSource,
  opts: {
    cacheDir: string;
    maxLength?: number;
    executionProvider?: ExecutionProviderSetting;
    batchSize?: number;
    /** tokens (default) or a pooled kind (activations/pooledCache.ts cacheKindFor). */
    kind?: CacheKind;
    /** undefined = the default for the kind (activations/cacheDtype.ts). */
    dtype?: CacheDtype;
  },
  hooks: CacheHooks,
): Promise<ActivationCache> {
  for (const l of layers) checkLayer(l, folder);
  return ActivationCache.build({
    folder,
    layers,
    texts,
    cacheDir: opts.cacheDir,
    maxLength: opts.maxLength ?? DEFAULT_TRAIN_MAX_LENGTH,
    executionProvider: opts.executionProvider,
    batchSize: opts.batchSize,
    kind: opts.kind,
    dtype: opts.dtype,
    onProgress: hooks.onProgress,
    onLog: hooks.onLog,
    signal: hooks.signal,
  });
}

/**
 * Examples for the given dataset rows, pooled for the probe kind (mean/last → one row each): pooled here from a token
 * cache, read as stored from a pooled cache (rowFor: BAD_ARGUMENT when the cache cannot serve the kind).
 */
export function examplesFrom(
  cache: ActivationCache,
  layer: LayerSpec,
  kind: ProbeKind,
  rows: ArrayLike<number>,
  labels: ArrayLike<number>,
): Example[] {
  const D = cache.hiddenSize;
  if (cache.kind !== 'tokens') {
    const { row } = rowFor(cache.kind, kind);
    return Array.from(rows, (i) => ({
      x: cache.get(i, layer).slice(row * D, (row + 1) * D),
      length: 1,
      label: labels[i],
    }));
  }
  return Array.from(rows, (i) => {
    const length = cache.length(i);
    return {
      x: poolStates(cache.get(i, layer), length, D, kind),
      length: pooledLength(length, kind),
      label: labels[i],
    };
  });
}
