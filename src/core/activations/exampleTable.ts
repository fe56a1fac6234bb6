/**
 * The cache index's per-example table ([shard, byte offset, length, truncated] per example, CacheIndex.examples) held
 * as typed columns: 17 bytes per example instead of a JS array of four numbers (~100 bytes in V8), so an open cache of
 * millions of examples costs megabytes, not hundreds of them (issue #16: training memory must not grow with the data).
 */
import type { CacheIndex } from './shardFormat';

export class ExampleTable {
  private constructor(
    /** Shard number per example. */
    readonly shard: Uint32Array,
    /** Byte offset of the example's block in its shard (float64: exact to 2^53 bytes). */
    readonly offset: Float64Array,
    /** Stored rows per example (valid tokens for a token cache). */
    readonly length: Uint32Array,
    /** 1 when the example was truncated to the cache's max length. */
    readonly truncated: Uint8Array,
  ) {}

  get size(): number {
    return this.shard.length;
  }

  /** Columns of `examples` (already checked by indexProblems: integers, inside their shards). */
  static from(examples: CacheIndex['examples']): ExampleTable {
    const n = examples.length;
    const t = new ExampleTable(new Uint32Array(n), new Float64Array(n), new Uint32Array(n), new Uint8Array(n));
    for (let i = 0; i < n; i++) {
      const e = examples[i];
      t.shard[i] = e[0];
      t.offset[i] = e[1];
      t.length[i] = e[2];
      t.truncated[i] = e[3] === 1 ? 1 : 0;
    }
    return t;
  }
}
