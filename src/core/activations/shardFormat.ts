/**
 * On-disk layout of the activation cache. A cache folder holds shards `shard-00000.bin` (raw little-endian float32
 * or float16 rows) each with a `shard-00000.json` listing its examples, and `index.json`, written last, that makes
 * the cache complete. Inside a shard each example is one block: for each layer (in index order) its
 * [length x hiddenSize] states, row-major.
 */
import type { LayerSpec } from '../../protocol/types';
import { decodeHalves, encodeHalves } from './float16';
import type { CacheKind } from './pooledCache';

/** /2: shards carry a sha256 (cacheIntegrity.ts), keys cover tokenizer files, BOS rule, padding and graph. */
export const CACHE_FORMAT = 'probescope-activations/2';
export type CacheDtype = 'float32' | 'float16';

/**
 * Truncation length of cached examples when the caller names none: one default for `probescope activations --data`,
 * `train`, layer sweeps and the editor, so a cache built by one is found by the others (it is part of the key).
 */
export const DEFAULT_CACHE_MAX_LENGTH = 512;

export interface ShardExample {
  /** Example index in the dataset. */
  index: number;
  /** Byte offset of the example's block in the shard. */
  offset: number;
  /** Valid tokens. */
  length: number;
  truncated: boolean;
}

export interface ShardMeta {
  format: typeof CACHE_FORMAT;
  key: string;
  shard: number;
  bytes: number;
  /** sha256 hex of the shard's .bin, computed while writing it. */
  sha256: string;
  /** Present only when this shard's dtype differs from the cache's: a float16 cache's float32 shard (cacheDtype.ts). */
  dtype?: CacheDtype;
  examples: ShardExample[];
}

export interface CacheIndex {
  format: typeof CACHE_FORMAT;
  key: string;
  /** The key without the layers (cacheKey.ts cacheBaseKey). */
  baseKey: string;
  /** numLayers: the model's decoder blocks (absent in caches written before it was recorded). */
  model: { id: string; hash: string; numLayers?: number };
  tokenizerHash: string;
  datasetHash: string;
  layers: LayerSpec[];
  hiddenSize: number;
  dtype: CacheDtype;
  maxLength: number;
  numExamples: number;
  /** Rows stored: valid tokens for a token cache; examples × rows per example for a pooled one. */
  totalTokens: number;
  /** tokens | mean | last | mean+last (pooledCache.ts); absent in caches written before pooling (= tokens). */
  kind?: CacheKind;
  /** Valid tokens the rows were computed from (absent before pooling; = totalTokens for a token cache). */
  sourceTokens?: number;
  shards: string[];
  /**
   * Per shard: its .bin size in bytes and sha256 hex (checked before use, cacheIntegrity.ts); `dtype` only for a shard
   * stored in another dtype than the cache's (a float16 cache's shard whose values exceed 65,504: cacheDtype.ts).
   */
  shardSums: { bytes: number; sha256: string; dtype?: CacheDtype }[];
  /** Per example: [shard number, byte offset, length, truncated 0/1] (compact: datasets can be large). */
  examples: [number, number, number, number][];
}

export function shardName(shard: number): string {
  return `shard-${String(shard).padStart(5, '0')}`;
}

/** The dtype shard `shard` of `index` is stored in. */
export function shardDtype(index: Pick<CacheIndex, 'dtype' | 'shardSums'>, shard: number): CacheDtype {
  return index.shardSums[shard]?.dtype ?? index.dtype;
}

export function bytesPerValue(dtype: CacheDtype): number {
  return dtype === 'float16' ? 2 : 4;
}

/** Encodes float32 values as dtype bytes (float16: round to nearest even, overflow to ±Infinity). */
export function encodeValues(values: Float32Array, dtype: CacheDtype): Uint8Array {
  if (dtype === 'float32') return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return encodeHalves(values);
}

export function decodeValues(bytes: Uint8Array, dtype: CacheDtype): Float32Array {
  if (dtype === 'float32') {
    // Copy into an aligned buffer: a read slice may start at any byte.
    const out = new Float32Array(bytes.byteLength / 4);
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  return decodeHalves(bytes);
}
