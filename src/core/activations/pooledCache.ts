/**
 * Pooled activation caches. Mean and last-token probes read one vector per example and layer, so their caches (and
 * sweeps of them) store only that, pooled during extraction; attention probes need every token's state.
 *
 *   kind       rows stored per example and layer
 *   tokens     every valid token (length rows)
 *   mean       1: the masked mean over valid tokens, accumulated in float64 (probes/pooling.ts poolStates)
 *   last       1: the last valid token
 *   mean+last  2: row 0 the mean, row 1 the last token (a sweep of both kinds extracts once)
 *
 * The index records `kind` (absent = tokens, caches written before pooling) and `sourceTokens` (the valid tokens the
 * rows came from); its example table lists stored rows. Pooling is the same function training applies to a token
 * cache, on the same float32 states, so a probe trained from a pooled cache equals one trained from the token cache.
 */
import type { LayerSpec, ProbeKind } from '../../protocol/types';
import { ProbescopeError } from '../errors';
import { poolStates } from '../probes/pooling';
import { bytesPerValue, type CacheDtype } from './shardFormat';

export type CacheKind = 'tokens' | 'mean' | 'last' | 'mean+last';
export const CACHE_KINDS: readonly CacheKind[] = ['tokens', 'mean', 'last', 'mean+last'];

/** The smallest cache kind that serves every probe kind listed. */
export function cacheKindFor(probes: ProbeKind[]): CacheKind {
  const set = new Set(probes);
  if (set.size === 0 || set.has('attention')) return 'tokens';
  if (set.has('mean') && set.has('last')) return 'mean+last';
  return set.has('mean') ? 'mean' : 'last';
}

/** Rows stored per example (per layer) for an example of `length` valid tokens. */
export function rowsPerExample(kind: CacheKind, length: number): number {
  return kind === 'tokens' ? length : kind === 'mean+last' ? 2 : 1;
}

/**
 * Where probe kind `probe` finds its vector in an example's rows of a `kind` cache: { row, pooled } (pooled = the
 * row is already the pooled vector), or BAD_ARGUMENT when the cache cannot serve it (an attention probe on a pooled
 * cache, a last probe on a mean cache).
 */
export function rowFor(kind: CacheKind, probe: ProbeKind): { row: number; pooled: boolean } {
  if (kind === 'tokens') return { row: 0, pooled: false };
  if (kind === probe) return { row: 0, pooled: true };
  if (kind === 'mean+last' && probe !== 'attention') return { row: probe === 'mean' ? 0 : 1, pooled: true };
  throw new ProbescopeError(
    'BAD_ARGUMENT',
    `This activation cache holds ${kind}-pooled vectors, not what ${probe} probes read` +
      `${probe === 'attention' ? ' (every token)' : ''}; build a cache for it (train extracts one when given the model).`,
  );
}

/** An example's states pooled for a cache of `kind`: [rows * D] per layer. `states` maps layer → [length * D]. */
export function poolForCache(
  states: Map<LayerSpec, Float32Array>,
  hiddenSize: number,
  kind: CacheKind,
): Map<LayerSpec, Float32Array> {
  if (kind === 'tokens') return states;
  const out = new Map<LayerSpec, Float32Array>();
  for (const [layer, x] of states) {
    const length = x.length / hiddenSize;
    if (kind === 'mean+last') {
      const both = new Float32Array(2 * hiddenSize);
      both.set(poolStates(x, length, hiddenSize, 'mean'), 0);
      both.set(poolStates(x, length, hiddenSize, 'last'), hiddenSize);
      out.set(layer, both);
    } else out.set(layer, poolStates(x, length, hiddenSize, kind));
  }
  return out;
}

export interface CachePlan {
  kind: CacheKind;
  examples: number;
  tokens: number;
  layers: number;
  /** Bytes the cache's shards will take. */
  bytes: number;
  /** Bytes the same cache would take holding every token (kind tokens). */
  tokenBytes: number;
}

/**
 * Disk use of a cache before it is built: rows × layers × hiddenSize × bytes per value (4 float32, 2 float16), rows =
 * tokens for `tokens`, examples × rowsPerExample otherwise. Shard .json and index.json (tens of bytes per example)
 * are not counted.
 */
export function planCache(p: {
  examples: number;
  tokens: number;
  layers: number;
  hiddenSize: number;
  dtype: CacheDtype;
  kind: CacheKind;
}): CachePlan {
  const perRow = p.layers * p.hiddenSize * bytesPerValue(p.dtype);
  const rows = p.kind === 'tokens' ? p.tokens : p.examples * rowsPerExample(p.kind, 1);
  return {
    kind: p.kind,
    examples: p.examples,
    tokens: p.tokens,
    layers: p.layers,
    bytes: rows * perRow,
    tokenBytes: p.tokens * perRow,
  };
}
