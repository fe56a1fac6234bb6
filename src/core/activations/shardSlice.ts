/**
 * Slices of one activation cache built by separate processes (a Slurm array, a Kubernetes Indexed Job) and the one
 * rule that turns shard metadata into index.json, shared by a single build and by `cache merge` so that both write the
 * same bytes.
 *
 * A build plans its shards from the whole dataset (planShards: examples sorted by token length, cut at the shard
 * size); that plan depends only on the texts, the tokenizer, the layers, the hidden size, the dtype and the shard size,
 * so every worker computes the same plan. Slice I of N extracts the planned shards s with s mod N = I (round robin
 * keeps the work of the slices within one shard of each other) with exactly the batches a single run would use, so
 * the shard files are byte-identical to a single run's. Instead of index.json a slice writes
 * `slice-IIIII-of-NNNNN.json`: the index header (everything but the shard list and example table) and the shard
 * numbers it wrote. `cache merge` (cacheMerge.ts) checks that slices 0..N-1 are all there and agree, and writes
 * index.json with assembleIndex().
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ProbescopeError } from '../errors';
import { readRegularText, SMALL_JSON_LIMIT } from '../storage';
import type { CacheIndex, ShardMeta } from './shardFormat';
import { shardName } from './shardFormat';

export const SLICE_FORMAT = 'probescope-activations-slice/1';

/** Slice `index` of `count` (0-based), as in `--shard 3/8`. */
export interface ShardSlice {
  index: number;
  count: number;
}

/** index.json without the parts that list shards and examples (identical in every slice of one cache). */
export type CacheIndexHeader = Omit<CacheIndex, 'shards' | 'shardSums' | 'examples'>;

export interface SliceRecord {
  format: typeof SLICE_FORMAT;
  slice: ShardSlice;
  /** Shards in the whole plan (all slices together). */
  numShards: number;
  /** The planned shards this slice wrote (s mod count = index). */
  shards: number[];
  header: CacheIndexHeader;
}

/**
 * Parses `I/N` (0 ≤ I < N, integers; also `I` with `count` from elsewhere). BAD_ARGUMENT naming the option otherwise.
 * Kubernetes' JOB_COMPLETION_INDEX and Slurm's SLURM_ARRAY_TASK_ID are 0-based, as is I.
 */
export function parseShardSlice(spec: string, option = '--shard'): ShardSlice {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(spec);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1 || index >= count) {
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      `${option} "${spec}" is not a slice: use I/N with 0 ≤ I < N (for example ${option} 0/4 … 3/4; ` +
        'Slurm: $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT, Kubernetes: $JOB_COMPLETION_INDEX/<completions>).',
    );
  }
  return { index, count };
}

/** Whether slice `slice` extracts planned shard `shard`. */
export function sliceOwnsShard(slice: ShardSlice | undefined, shard: number): boolean {
  return slice === undefined || shard % slice.count === slice.index;
}

/** `slice-00003-of-00008.json`. */
export function sliceFileName(slice: ShardSlice): string {
  return `slice-${String(slice.index).padStart(5, '0')}-of-${String(slice.count).padStart(5, '0')}.json`;
}

/**
 * index.json of a cache from its header and the metadata of every planned shard (shard s = metas[s]). Field order is
 * the header's, then shards, shardSums, examples: a single build and a merge of slices produce the same JSON.
 */
export function assembleIndex(header: CacheIndexHeader, metas: ShardMeta[]): CacheIndex {
  const index: CacheIndex = {
    ...header,
    shards: metas.map((_, s) => `${shardName(s)}.bin`),
    shardSums: metas.map((m) => ({ bytes: m.bytes, sha256: m.sha256, ...(m.dtype ? { dtype: m.dtype } : {}) })),
    examples: new Array(header.numExamples),
  };
  metas.forEach((m, s) =>
    m.examples.forEach((e) => (index.examples[e.index] = [s, e.offset, e.length, e.truncated ? 1 : 0])),
  );
  return index;
}

/** The slice records in one cache folder ({cacheDir}/activations/<key>), unreadable ones reported as problems. */
export async function readSliceRecords(dir: string): Promise<{ records: SliceRecord[]; problems: string[] }> {
  const records: SliceRecord[] = [];
  const problems: string[] = [];
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => /^slice-\d+-of-\d+\.json$/.test(n));
  for (const name of names.sort()) {
    try {
      const r = JSON.parse(await readRegularText(join(dir, name), { maxBytes: SMALL_JSON_LIMIT * 64 })) as SliceRecord;
      const ok =
        r?.format === SLICE_FORMAT &&
        Number.isInteger(r.slice?.index) &&
        Number.isInteger(r.slice?.count) &&
        Number.isInteger(r.numShards) &&
        Array.isArray(r.shards) &&
        r.shards.every((s) => Number.isInteger(s) && s >= 0 && s < r.numShards) &&
        typeof r.header?.key === 'string' &&
        name === sliceFileName(r.slice);
      if (ok) records.push(r);
      else problems.push(`${join(dir, name)} is not a slice record of ${SLICE_FORMAT}`);
    } catch (err) {
      problems.push(`${join(dir, name)} is unreadable (${(err as Error).message})`);
    }
  }
  return { records, problems };
}
