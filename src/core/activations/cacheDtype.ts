/**
 * Which dtype an activation cache stores, and what happens to values float16 cannot hold (issue #16, with #9's
 * overflow rule).
 *
 *   asked            kind     stored                     a shard with |x| > 65,504 (float16's largest value)
 *   (nothing)        tokens   float16                    that shard is stored as float32, with a log line
 *   (nothing)        pooled   float32                    —
 *   float16          any      float16                    refused (BAD_ARGUMENT naming the layer and the value, #9)
 *   float32          any      float32                    —
 *
 * Token caches (attention probes) hold every token's state: float16 halves their disk use and read time. Pooled caches
 * (mean / last) hold one vector per example and layer, a few MB even for large datasets, so they keep full precision.
 * The key holds the dtype asked for (or the default), so float16 and float32 caches never mix; a float16 cache records
 * its float32 shards in index.json (`shardSums[s].dtype`) and in their shard-N.json (`dtype`). Which shards fall back
 * depends only on their states, so a sliced build merges into the same bytes as a single run.
 */
import type { CacheKind } from './pooledCache';
import type { CacheDtype } from './shardFormat';

export interface CacheDtypeChoice {
  /** The dtype in the key and index. */
  dtype: CacheDtype;
  /** float16 only: refuse a shard that overflows (explicit float16) rather than store it as float32 (the default). */
  strict: boolean;
}

/** The dtype a cache of `kind` stores when `asked` (undefined = the default) is requested. */
export function chooseCacheDtype(kind: CacheKind, asked?: CacheDtype): CacheDtypeChoice {
  if (asked) return { dtype: asked, strict: true };
  return kind === 'tokens' ? { dtype: 'float16', strict: false } : { dtype: 'float32', strict: true };
}
