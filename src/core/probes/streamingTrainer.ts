/**
 * Training on datasets larger than memory. When the examples a run reads (train + validation + test, pooled as the
 * probe reads them, float32) exceed the memory budget (`TrainProbeParams.memoryBudget`, CLI `--memory-budget 256MB`;
 * default half the free memory, at least 256 MiB), examples stay on disk:
 *   - each Example is lazy (batches.ts): its states are read from the cache when a batch is built, never kept;
 *   - AdamW mini-batches come from ShardBatchSampler: every epoch visits the cache shards in a seeded random order and
 *     each shard's examples in a seeded random order (sequential-ish reads, similar lengths per batch), and the next
 *     batch is read (asynchronously) while the current one runs through the probe;
 *   - full-data passes (LBFGS evaluations, validation, final metrics) stream the data in chunks of at most a quarter of
 *     the budget (makeChunks on lazy examples), so LBFGS reads its pooled vectors from disk each evaluation.
 * Peak memory is then a few chunks plus the example table, whatever the dataset size.
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import * as os from 'node:os';
import type { LayerSpec, ProbeKind } from '../../protocol/types';
import type { ActivationCache } from '../activations/activationCache';
import { rowFor } from '../activations/pooledCache';
import { decodeValues } from '../activations/shardFormat';
import { ProbescopeError } from '../errors';
import type { Example } from './batches';
import { standardizeRows } from './featureScaling';
import { poolStates, pooledLength } from './pooling';
import type { Rng } from './rng';

/** Budget when none is set: half the free memory, at least 256 MiB (bytes). */
export function defaultMemoryBudget(): number {
  return Math.max(256 * 2 ** 20, Math.floor(os.freemem() / 2));
}

/** Bytes the examples of `rows` take in memory as float32 (pooled for mean/last: one row of D each). */
export function trainingBytes(cache: ActivationCache, rows: number[], probe: ProbeKind): number {
  let n = 0;
  for (const i of rows) n += probe === 'attention' ? cache.length(i) : 1;
  return n * cache.hiddenSize * 4;
}

/** The probe's view of stored rows: pooled from tokens, or the stored pooled row. */
function probeView(cache: ActivationCache, raw: Float32Array, rows: number, probe: ProbeKind): Float32Array {
  const D = cache.hiddenSize;
  if (cache.kind === 'tokens') return poolStates(raw, rows, D, probe);
  const { row } = rowFor(cache.kind, probe);
  return raw.slice(row * D, (row + 1) * D);
}

/**
 * Examples for `rows` whose states are read from the cache on access (see the header). `budget` bounds a streamed
 * chunk to a quarter of it (at least one example). BAD_ARGUMENT when the cache cannot serve the probe kind.
 */
export function lazyExamplesFrom(
  cache: ActivationCache,
  layer: LayerSpec,
  probe: ProbeKind,
  rows: number[],
  labels: number[],
  budget: number,
): Example[] {
  if (cache.kind !== 'tokens') rowFor(cache.kind, probe);
  const chunkFloats = Math.max(1, Math.floor(budget / 16));
  return rows.map((i) => {
    const stored = cache.length(i);
    return {
      get x() {
        return probeView(cache, cache.get(i, layer), stored, probe);
      },
      length: cache.kind === 'tokens' ? pooledLength(stored, probe) : 1,
      label: labels[i],
      lazy: { cache, index: i, layer, chunkFloats, probe, budget },
    } as Example;
  });
}

/**
 * Seeded mini-batches of lazy examples in shard order with one batch of read-ahead. Each epoch: the shards holding
 * the examples in random order, each shard's examples in random order; a batch may span two shards or two epochs.
 * next() resolves to materialised examples ({x, length, label}); close() waits for the read-ahead and closes files.
 */
export class ShardBatchSampler {
  private order: number[] = [];
  private pos = 0;
  private pending?: Promise<Example[]>;
  private readonly handles = new Map<string, Promise<FileHandle>>();
  private readonly byShard = new Map<number, number[]>();
  /** The shard being served when whole shards are read (one sequential read per shard and epoch). */
  private shardBuf?: { shard: number; bytes: Promise<Uint8Array> };
  private readonly wholeShards: boolean;

  /**
   * `budget` (bytes): when three of the largest shards fit in it, each shard is read whole, sequentially, once per
   * epoch (batches of one shard are served from that buffer; at most two shard buffers live at once); otherwise each
   * example is read by itself.
   */
  constructor(
    private readonly examples: Example[],
    private readonly batchSize: number,
    private readonly rng: Rng,
    budget = 0,
  ) {
    const cache = examples[0]?.lazy?.cache;
    this.wholeShards = cache !== undefined && 3 * Math.max(0, ...cache.shardSizes) <= budget;
    examples.forEach((e, j) => {
      if (!e.lazy) throw new ProbescopeError('INTERNAL', 'ShardBatchSampler needs lazy examples.');
      const shard = e.lazy.cache.location(e.lazy.index, e.lazy.layer).shard;
      const list = this.byShard.get(shard) ?? [];
      list.push(j);
      this.byShard.set(shard, list);
    });
  }

  /** One epoch's visiting order (indices into the examples): shards shuffled, then examples within each shard. */
  epochOrder(): number[] {
    const shards = this.rng.shuffle([...this.byShard.keys()].sort((a, b) => a - b));
    return shards.flatMap((s) => this.rng.shuffle([...this.byShard.get(s)!]));
  }

  /** The next batch's example indices. */
  take(): number[] {
    const out: number[] = [];
    while (out.length < Math.min(this.batchSize, this.examples.length)) {
      if (this.pos >= this.order.length) {
        this.order = this.epochOrder();
        this.pos = 0;
      }
      out.push(this.order[this.pos++]);
    }
    return out;
  }

  next(): Promise<Example[]> {
    const current = this.pending ?? this.read(this.take());
    this.pending = this.read(this.take());
    // The read-ahead's failure surfaces when it is used (next call), not as an unhandled rejection now.
    this.pending.catch(() => undefined);
    return current;
  }

  async close(): Promise<void> {
    await this.pending?.catch(() => undefined);
    for (const h of this.handles.values()) await (await h.catch(() => undefined))?.close();
    this.handles.clear();
  }

  private handle(path: string): Promise<FileHandle> {
    let h = this.handles.get(path);
    if (!h) {
      h = open(path, 'r');
      this.handles.set(path, h);
    }
    return h;
  }

  private read(ids: number[]): Promise<Example[]> {
    return Promise.all(
      ids.map(async (j) => {
        const e = this.examples[j];
        const { cache, index, layer, probe } = e.lazy!;
        const loc = cache.location(index, layer);
        let buf: Uint8Array;
        let bytesRead: number;
        if (this.wholeShards) {
          if (this.shardBuf?.shard !== loc.shard) this.shardBuf = { shard: loc.shard, bytes: readFile(loc.path) };
          const whole = await this.shardBuf.bytes;
          buf = whole.subarray(loc.position, loc.position + loc.bytes);
          bytesRead = buf.byteLength;
        } else {
          buf = new Uint8Array(loc.bytes);
          ({ bytesRead } = await (await this.handle(loc.path)).read(buf, 0, loc.bytes, loc.position));
        }
        if (bytesRead !== loc.bytes)
          throw new ProbescopeError(
            'CACHE_DAMAGED',
            `Activation cache shard ${loc.path} is truncated; run \`probescope cache verify\`.`,
          );
        const raw = decodeValues(buf, loc.dtype);
        const x = probeView(cache, raw, loc.rows, probe);
        const scaling = e.scaling; // fast preset: standardised as read (featureScaling.ts)
        return { x: scaling ? standardizeRows(x, e.length, scaling) : x, length: e.length, label: e.label };
      }),
    );
  }
}
