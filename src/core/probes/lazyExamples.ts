/**
 * Examples whose states stay in the activation cache (streamed training, streamingTrainer.ts). One LazyExample is two
 * fields (a shared source and a cache row): its x, length, label and `lazy` are getters on the class, so a table of a
 * million examples costs tens of bytes each, not the ~650 bytes of an object literal with a getter and its own
 * `lazy` record (measured: 105 MB of V8 heap for 160k examples before, issue #16).
 */
import type { LayerSpec, ProbeKind } from '../../protocol/types';
import type { ActivationCache } from '../activations/activationCache';
import { rowFor } from '../activations/pooledCache';
import type { Example } from './batches';
import { poolStates, pooledLength } from './pooling';

/** What every lazy example of one lazyExamplesFrom call shares. */
export interface LazySource {
  cache: ActivationCache;
  layer: LayerSpec;
  probe: ProbeKind;
  /** Largest padded chunk a full-data pass builds (floats): a quarter of the budget. */
  chunkFloats: number;
  /** The memory budget (bytes). */
  budget: number;
  /** Label per cache row (indexed by the row, not by the example's place in a split). */
  labels: ArrayLike<number>;
}

/** The probe's view of stored rows: pooled from tokens, or the stored pooled row. */
export function probeView(cache: ActivationCache, raw: Float32Array, rows: number, probe: ProbeKind): Float32Array {
  const D = cache.hiddenSize;
  if (cache.kind === 'tokens') return poolStates(raw, rows, D, probe);
  const { row } = rowFor(cache.kind, probe);
  return raw.slice(row * D, (row + 1) * D);
}

export class LazyExample implements Example {
  constructor(
    readonly source: LazySource,
    /** The example's row in the cache. */
    readonly row: number,
  ) {}

  /** Read from the cache on each access and never kept. */
  get x(): Float32Array {
    const { cache, layer, probe } = this.source;
    return probeView(cache, cache.get(this.row, layer), cache.length(this.row), probe);
  }

  /**
   * x written into `dst` from element `at` on (makeBatch), without the intermediate array when the probe reads the
   * stored rows as they are (attention probes on a token cache).
   */
  readInto(dst: Float32Array, at: number): void {
    const { cache, layer, probe } = this.source;
    if (probe === 'attention' && cache.kind === 'tokens') cache.readInto(this.row, layer, dst, at);
    else dst.set(this.x, at);
  }

  get length(): number {
    const { cache, probe } = this.source;
    return cache.kind === 'tokens' ? pooledLength(cache.length(this.row), probe) : 1;
  }

  get label(): number {
    return this.source.labels[this.row];
  }

  get lazy(): NonNullable<Example['lazy']> {
    const { cache, layer, chunkFloats, probe, budget } = this.source;
    return { cache, index: this.row, layer, chunkFloats, probe, budget };
  }
}

/**
 * Examples for cache `rows` whose states are read from the cache on access. `budget` (bytes) bounds a streamed chunk
 * to a quarter of it (at least one example). BAD_ARGUMENT when the cache cannot serve the probe kind.
 */
export function lazyExamplesFrom(
  cache: ActivationCache,
  layer: LayerSpec,
  probe: ProbeKind,
  rows: ArrayLike<number>,
  labels: ArrayLike<number>,
  budget: number,
): Example[] {
  if (cache.kind !== 'tokens') rowFor(cache.kind, probe);
  const source: LazySource = { cache, layer, probe, chunkFloats: Math.max(1, Math.floor(budget / 16)), budget, labels };
  const out = new Array<Example>(rows.length);
  for (let k = 0; k < rows.length; k++) out[k] = new LazyExample(source, rows[k]);
  return out;
}
