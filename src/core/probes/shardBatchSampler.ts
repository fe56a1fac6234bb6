/**
 * Seeded AdamW mini-batches of lazy examples (lazyExamples.ts) in shard order, read ahead (streamingTrainer.ts).
 * Each epoch visits the shards holding the examples in a seeded random order and each shard's examples in a seeded
 * random order; a batch may span two shards or two epochs. Bookkeeping is typed arrays (8 bytes per example: the
 * shard-grouped members and one epoch's order), so memory does not grow by a JS object per example.
 *
 * Speed (issue #16): a batch is assembled straight into the padded ProbeBatch the probe graph takes (one copy per
 * example from the read buffer, float16 decoded by table, decodeInto.ts), the next batch is read while the current one
 * runs, and when whole shards are read the next shard of the epoch is read while the current one is served, so disk
 * reads overlap the probe step instead of stalling it once per shard.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { LayerSpec, ProbeKind } from '../../protocol/types';
import type { ActivationCache } from '../activations/activationCache';
import { bytesPerValue, type CacheDtype, decodeValues } from '../activations/shardFormat';
import { ProbescopeError } from '../errors';
import type { Example } from './batches';
import { standardizeInPlace } from './featureScaling';
import { decodeInto } from '../activations/decodeInto';
import { probeView } from './lazyExamples';
import type { ProbeBatch } from './probeParams';
import { ShardBuffers } from './shardBuffers';
import type { Rng } from './rng';

/** Largest gap (bytes) between two examples of a batch that are still read with one read (the gap is read too). */
const RUN_GAP = 64 * 1024;

export class ShardBatchSampler {
  private readonly cache: ActivationCache;
  private readonly layer: LayerSpec;
  private readonly probe: ProbeKind;
  /** Distinct shards holding the examples, ascending; members of shards[s] are members[starts[s]..starts[s+1]). */
  private readonly shards: number[];
  private readonly starts: Int32Array;
  private readonly members: Int32Array;
  /** File reads made so far (whole shards or runs of examples). */
  reads = 0;
  /** Longest single read of several examples (bytes): a quarter of the budget, as a streamed chunk (makeChunks). */
  private readonly runBytes: number;
  /** Stored dtype per shard (block()). */
  private readonly dtypes = new Map<number, CacheDtype>();
  private readonly layerIndex: number;
  /** Cache row per example. */
  private readonly rows: Int32Array;
  private order: Int32Array = new Int32Array(0);
  private pos = 0;
  private pending?: Promise<ProbeBatch>;
  private readonly handles = new Map<number, Promise<FileHandle>>();
  /** Whole shards read or being read (whole-shard mode): those of the latest batch and the next one of the epoch. */
  private readonly shardBufs: ShardBuffers;
  /** Where the epoch order next leaves shard `last` (retainShards). */
  private nextRun: { order: Int32Array; last: number; at: number } = { order: new Int32Array(0), last: -1, at: -1 };
  /** Released batches' x arrays, for reuse. */
  private readonly spare: Float32Array[] = [];
  /** true: each shard is read whole (see the constructor); false: each example by itself. */
  readonly wholeShards: boolean;

  /**
   * `examples` from lazyExamplesFrom (INTERNAL otherwise). `budget` (bytes): when the shard buffers that can be alive
   * at once fit in it (3 of the largest shards when every shard holds at least two batches of the examples), each
   * shard is read whole, sequentially, once per epoch; otherwise each example is read by itself.
   */
  constructor(
    private readonly examples: Example[],
    private readonly batchSize: number,
    private readonly rng: Rng,
    budget = 0,
  ) {
    // Any lazy example (lazyExamples.ts, or a wrapper such as a standardised one) names its cache row in `lazy`.
    const first = examples[0]?.lazy;
    if (!first) throw new ProbescopeError('INTERNAL', 'ShardBatchSampler needs lazy examples.');
    ({ cache: this.cache, layer: this.layer, probe: this.probe } = first);
    this.rows = new Int32Array(examples.length);
    this.layerIndex = this.cache.layers.indexOf(this.layer);
    this.runBytes = Math.floor(budget / 4);
    const shardOf = new Int32Array(examples.length);
    const count = new Map<number, number>();
    examples.forEach((e, j) => {
      const lazy = e.lazy;
      if (!lazy || lazy.cache !== this.cache || lazy.layer !== this.layer || lazy.probe !== this.probe)
        throw new ProbescopeError('INTERNAL', 'ShardBatchSampler needs lazy examples of one cache, layer and probe.');
      this.rows[j] = lazy.index;
      shardOf[j] = this.cache.shardOf(lazy.index);
      count.set(shardOf[j], (count.get(shardOf[j]) ?? 0) + 1);
    });
    this.shards = [...count.keys()].sort((a, b) => a - b);
    this.starts = new Int32Array(this.shards.length + 1);
    const slot = new Map<number, number>();
    this.shards.forEach((s, k) => {
      this.starts[k + 1] = this.starts[k] + count.get(s)!;
      slot.set(s, this.starts[k]);
    });
    this.members = new Int32Array(examples.length);
    for (let j = 0; j < examples.length; j++) {
      const at = slot.get(shardOf[j])!;
      this.members[at] = j;
      slot.set(shardOf[j], at + 1);
    }
    // Shard buffers alive at once: those of the two batches that may be in flight (2·batchSize consecutive picks, which
    // span at most 2 shards plus every shard small enough to lie inside them) and the next shard, read ahead.
    const window = 2 * Math.min(batchSize, examples.length);
    let inside = 0;
    for (let sum = 0, k = 0, sizes = [...count.values()].sort((a, b) => a - b); k < sizes.length; k++) {
      sum += sizes[k];
      if (sum > window - 2) break;
      inside++;
    }
    const alive = Math.min(inside + 3, this.shards.length);
    const sizes = this.cache.shardSizes;
    this.shardBufs = new ShardBuffers(
      (shard) => this.pathOf(shard),
      (shard) => sizes[shard],
    );
    this.wholeShards = alive * Math.max(0, ...this.cache.shardSizes) <= budget;
  }

  /** One epoch's visiting order (indices into the examples): shards shuffled, then examples within each shard. */
  epochOrder(): Int32Array {
    const order = new Int32Array(this.examples.length);
    let at = 0;
    for (const s of this.rng.shuffle(this.shards.map((_, k) => k))) {
      const own = order.subarray(at, at + this.starts[s + 1] - this.starts[s]);
      own.set(this.members.subarray(this.starts[s], this.starts[s + 1]));
      // Rng.shuffle is a Fisher–Yates over indices: the same draws on a typed array as on a JS array.
      this.rng.shuffle(own as unknown as number[]);
      at += own.length;
    }
    return order;
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

  /**
   * The next padded batch (makeBatch of the taken examples, bit for bit) while the one after is read. `picks` are the
   * example indices, in batch order.
   */
  next(): Promise<ProbeBatch & { picks: number[] }> {
    const current = this.pending ?? this.read(this.take());
    this.pending = this.read(this.take());
    // The read-ahead's failure surfaces when it is used (next call), not as an unhandled rejection now.
    this.pending.catch(() => undefined);
    return current as Promise<ProbeBatch & { picks: number[] }>;
  }

  /**
   * Hands a batch from next() back once the probe step is done with it: its x may then be overwritten by a later
   * batch (no new allocation, no garbage collection of a large array per step). Optional.
   */
  release(batch: ProbeBatch): void {
    if (this.spare.length < 2) this.spare.push(batch.x);
  }

  async close(): Promise<void> {
    await this.pending?.catch(() => undefined);
    this.shardBufs.clear();
    for (const h of this.handles.values()) await (await h.catch(() => undefined))?.close();
    this.handles.clear();
  }

  private handle(shard: number): Promise<FileHandle> {
    let h = this.handles.get(shard);
    if (!h) {
      h = open(this.pathOf(shard), 'r');
      this.handles.set(shard, h);
    }
    return h;
  }

  /** Starts reading the shards of `picks` and the next shard of the epoch after them; forgets every other shard. */
  private retainShards(picks: number[]): void {
    const keep = new Set(picks.map((j) => this.cache.shardOf(this.rows[j])));
    const last = [...keep].pop()!;
    // The first place at or after pos where the order leaves shard `last` (remembered: batches of one shard ask
    // again and again, and the epoch order is grouped by shard, so the answer holds until pos passes it).
    const seen = this.nextRun;
    if (!(seen.order === this.order && seen.last === last && seen.at >= this.pos)) {
      let k = this.pos;
      while (k < this.order.length && this.cache.shardOf(this.rows[this.order[k]]) === last) k++;
      this.nextRun = { order: this.order, last, at: k };
    }
    const at = this.nextRun.at;
    if (at < this.order.length) keep.add(this.cache.shardOf(this.rows[this.order[at]]));
    this.shardBufs.retain(keep);
  }

  /**
   * Where cache row `row`'s block of the layer lies: its shard's stored dtype comes from location() once per shard (a
   * shard may be stored in another dtype than the cache's, e.g. float32 in a float16 cache), the rest from the typed
   * example table without allocating a path per example.
   */
  private block(row: number): { shard: number; position: number; bytes: number; rows: number; dtype: CacheDtype } {
    const shard = this.cache.shardOf(row);
    let dtype = this.dtypes.get(shard);
    if (dtype === undefined) {
      dtype = this.cache.location(row, this.layer).dtype;
      this.dtypes.set(shard, dtype);
    }
    const rows = this.cache.length(row);
    const bytes = rows * this.cache.hiddenSize * bytesPerValue(dtype);
    return { shard, position: this.cache.blockOffset(row) + this.layerIndex * bytes, bytes, rows, dtype };
  }

  private pathOf(shard: number): string {
    const j = this.members[this.starts[this.shards.indexOf(shard)]];
    return this.cache.location(this.rows[j], this.layer).path;
  }

  private async read(picks: number[]): Promise<ProbeBatch & { picks: number[] }> {
    const { cache, probe } = this;
    const D = cache.hiddenSize;
    const B = picks.length;
    const lazy = picks.map((j) => this.examples[j]);
    const rowOf = picks.map((j) => this.rows[j]);
    const S = lazy.reduce((m, e) => Math.max(m, e.length), 1);
    // A released batch's x of the same size is reused (zeroed where padding goes); otherwise a new, zeroed one.
    const reused = this.spare.findIndex((a) => a.length === B * S * D);
    const x = reused >= 0 ? this.spare.splice(reused, 1)[0] : new Float32Array(B * S * D);
    if (reused >= 0) lazy.forEach((e, b) => x.fill(0, (b * S + e.length) * D, (b + 1) * S * D));
    const mask = new Float32Array(B * S);
    const labels = new Float32Array(B);
    const direct = probe === 'attention' && cache.kind === 'tokens';
    const at = rowOf.map((r) => this.block(r));
    /** Example b's stored bytes, `src`, into the batch. */
    const place = (b: number, src: Uint8Array) => {
      const e = lazy[b];
      const { bytes, rows, dtype } = at[b];
      if (src.byteLength !== bytes)
        throw new ProbescopeError(
          'CACHE_DAMAGED',
          `Activation cache shard ${this.pathOf(cache.shardOf(rowOf[b]))} is truncated; run \`probescope cache verify\`.`,
        );
      if (direct) {
        if (src.buffer !== x.buffer) decodeInto(src, dtype, x, b * S * D);
      } else x.set(probeView(cache, decodeValues(src, dtype), rows, probe), b * S * D);
      // Standardised examples (featureScaling.ts): as standardizeRows does, in place.
      if (e.scaling) standardizeInPlace(x, b * S * D, e.length, e.scaling);
      mask.fill(1, b * S, b * S + e.length);
      labels[b] = e.label;
    };
    if (this.wholeShards) {
      // One await per shard the batch touches, then plain copies (a promise per example costs more than its copy).
      this.retainShards(picks);
      const { bytes: whole, done } = await this.shardBufs.use(at.map((a) => a.shard));
      try {
        at.forEach(({ shard, position, bytes }, b) => place(b, whole.get(shard)!.subarray(position, position + bytes)));
      } finally {
        done();
      }
      return { B, S, D, x, mask, labels, picks };
    }
    // Examples by (shard, position); neighbours less than RUN_GAP apart are read together (one read per run of at
    // most a quarter of the budget), so a batch dense in its shard costs a few reads, not one per example.
    const byPlace = at.map((_, b) => b).sort((a, b) => at[a].shard - at[b].shard || at[a].position - at[b].position);
    const runs: number[][] = [];
    for (const b of byPlace) {
      const run = runs[runs.length - 1];
      const head = run && at[run[0]];
      const tail = run && at[run[run.length - 1]];
      if (
        head &&
        head.shard === at[b].shard &&
        at[b].position - (tail.position + tail.bytes) <= RUN_GAP &&
        at[b].position + at[b].bytes - head.position <= this.runBytes
      )
        run.push(b);
      else runs.push([b]);
    }
    await Promise.all(
      runs.map(async (run) => {
        const first = at[run[0]];
        const fh = await this.handle(first.shard);
        this.reads++;
        if (run.length === 1 && direct && first.dtype === 'float32') {
          // Straight into the batch: no intermediate buffer.
          const into = new Uint8Array(x.buffer, run[0] * S * D * 4, first.bytes);
          const { bytesRead } = await fh.read(into, 0, first.bytes, first.position);
          place(run[0], into.subarray(0, bytesRead));
          return;
        }
        const last = at[run[run.length - 1]];
        const buf = new Uint8Array(last.position + last.bytes - first.position);
        const { bytesRead } = await fh.read(buf, 0, buf.byteLength, first.position);
        const got = buf.subarray(0, bytesRead);
        for (const b of run) {
          const from = at[b].position - first.position;
          place(b, got.subarray(from, from + at[b].bytes));
        }
      }),
    );
    return { B, S, D, x, mask, labels, picks };
  }
}
