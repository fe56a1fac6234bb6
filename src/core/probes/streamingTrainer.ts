/**
 * Training on datasets larger than memory. When the examples a run reads (train + validation + test, pooled as the
 * probe reads them, float32) exceed the memory budget (`TrainProbeParams.memoryBudget`, CLI `--memory-budget 256MB`;
 * default half the free memory, at least 256 MiB), examples stay on disk:
 *   - each Example is lazy (lazyExamples.ts): its states are read from the cache when a batch is built, never kept;
 *   - AdamW mini-batches come from ShardBatchSampler (shardBatchSampler.ts): every epoch visits the cache shards in a
 *     seeded random order and each shard's examples in a seeded random order (sequential-ish reads, similar lengths
 *     per batch), and the next batch (and the next shard) is read while the current one runs through the probe;
 *   - full-data passes (LBFGS evaluations, validation, final metrics) stream the data in chunks of at most a quarter of
 *     the budget (makeChunks on lazy examples), so LBFGS reads its pooled vectors from disk each evaluation.
 * Per example, memory holds a few dozen bytes: the cache's typed example table (17 B), a two-field lazy example, the
 * sampler's 12 B, and (final metrics) the split's predictions in typed arrays. Peak memory is then a few chunks and
 * shard buffers plus those tables, whatever the dataset size.
 */
import * as os from 'node:os';
import type { ProbeKind } from '../../protocol/types';
import type { ActivationCache } from '../activations/activationCache';

export { lazyExamplesFrom } from './lazyExamples';
export { ShardBatchSampler } from './shardBatchSampler';

/** Budget when none is set: half the free memory, at least 256 MiB (bytes). */
export function defaultMemoryBudget(): number {
  return Math.max(256 * 2 ** 20, Math.floor(os.freemem() / 2));
}

/** Bytes the examples of `rows` take in memory as float32 (pooled for mean/last: one row of D each). */
export function trainingBytes(cache: ActivationCache, rows: ArrayLike<number>, probe: ProbeKind): number {
  let n = 0;
  for (let k = 0; k < rows.length; k++) n += probe === 'attention' ? cache.length(rows[k]) : 1;
  return n * cache.hiddenSize * 4;
}
