/**
 * The on-disk activation cache: residual states of a dataset for some layers, in shards (default 64 MiB) written
 * one at a time (temp + rename), plus index.json written last. An interrupted build keeps its completed shards and
 * the next build with the same key extracts only the rest. States are read back slice by slice, on demand.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { mkdir, statfs } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { ExecutionProviderSetting, LayerSpec, ProgressEvent } from '../../protocol/types';
import { ProbescopeError, throwIfAborted } from '../errors';
import { ActivationExtractor } from '../model/extractor';
import type { ModelFolder } from '../model/modelFolder';
import { normalizeLayers } from '../model/tappedModel';
import { diskFullError, errnoOf, formatBytes, fsError } from '../storage';
import { type IndexExpectation, indexProblems, readIndex, removeStaleTemps } from './cacheIntegrity';
import { checkedIndex, findSupersetCache } from './cacheReuse';
import { cacheBaseKey, cacheKey, type CacheKeyParts, hashTextSource, hashTokenizerFiles, TAP_SCHEME } from './cacheKey';
import type { TextSource } from '../data/textSource';
import { ExampleTokens } from './exampleTokens';
import { type CacheKind, planCache, poolForCache, rowsPerExample } from './pooledCache';
import { decodeInto } from './decodeInto';
import { ExampleTable } from './exampleTable';
import { planShards, readCompleteShard, writeFileAtomicClean, writeShard } from './shardFiles';
import { assertFitsFloat16, float16Overflow } from './float16';
import {
  assembleIndex,
  type CacheIndexHeader,
  SLICE_FORMAT,
  type ShardSlice,
  sliceFileName,
  sliceOwnsShard,
  type SliceRecord,
} from './shardSlice';
import {
  bytesPerValue,
  CACHE_FORMAT,
  type CacheDtype,
  type CacheIndex,
  decodeValues,
  DEFAULT_CACHE_MAX_LENGTH,
  type ShardMeta,
  shardDtype,
  shardName,
} from './shardFormat';
import { chooseCacheDtype } from './cacheDtype';

export const DEFAULT_SHARD_BYTES = 64 * 2 ** 20;

export interface BuildCacheOptions {
  folder: ModelFolder;
  layers: LayerSpec[];
  /** The texts, or a TextSource streaming them (a large dataset: exampleTokens.ts keeps memory bounded). */
  texts: string[] | TextSource;
  cacheDir: string;
  maxLength?: number;
  dtype?: CacheDtype;
  executionProvider?: ExecutionProviderSetting;
  batchSize?: number;
  onProgress?(e: Omit<ProgressEvent, 'progressId'>): void;
  onLog?(message: string): void;
  signal?: AbortSignal;
  /** Batching side (default left); part of the cache key. */
  padding?: 'left' | 'right';
  /** Target shard size in bytes (tests use small shards). */
  shardBytes?: number;
  /**
   * Extract only slice I of N of the planned shards and write slice-I-of-N.json instead of index.json (shardSlice.ts;
   * `probescope cache merge` joins the slices). Use buildCacheSlice().
   */
  slice?: ShardSlice;
  /**
   * What to store (pooledCache.ts): every token (default), or one vector per example and layer pooled during
   * extraction (mean, last, mean+last). A pooled build reuses a complete token cache of the same inputs when there is one.
   */
  kind?: CacheKind;
}

/** What a slice build wrote (no index.json: `cache merge` makes the cache usable). */
export interface SliceBuildResult {
  dir: string;
  key: string;
  slice: ShardSlice;
  numShards: number;
  shards: number[];
  examples: number;
  tokens: number;
  bytes: number;
  extractedExamples: number;
}

export class ActivationCache {
  private readonly fds = new Map<number, number>();
  /** The index without its per-example list, which lives in `table` (typed columns: a few bytes per example). */
  private readonly index: CacheIndex;
  private readonly table: ExampleTable;

  private constructor(
    /** The cache's own folder: {cacheDir}/activations/<key>. */
    readonly dir: string,
    index: CacheIndex,
    /** Examples this build ran through the model (0 when the cache was already complete). */
    readonly extractedExamples: number,
    /** ORT session runs this build made. */
    readonly modelRuns: number,
  ) {
    this.table = ExampleTable.from(index.examples);
    this.index = { ...index, examples: [] };
  }

  get numExamples(): number {
    return this.index.numExamples;
  }
  get hiddenSize(): number {
    return this.index.hiddenSize;
  }
  get layers(): LayerSpec[] {
    return this.index.layers;
  }
  get key(): string {
    return this.index.key;
  }
  get dtype(): CacheDtype {
    return this.index.dtype;
  }
  /** Rows stored (= tokens for a token cache, examples × rows per example for a pooled one). */
  get totalTokens(): number {
    return this.index.totalTokens;
  }
  /** Size in bytes of each shard file (index order). */
  get shardSizes(): number[] {
    return this.index.shardSums.map((x) => x.bytes);
  }
  /** tokens | mean | last | mean+last (pooledCache.ts); caches written before pooling hold tokens. */
  get kind(): CacheKind {
    return this.index.kind ?? 'tokens';
  }
  /** Bytes of all shards (a float16 cache's float32 shards count at their size). */
  get bytes(): number {
    return this.index.shardSums.reduce((a, x) => a + x.bytes, 0);
  }
  /** Shards stored as float32 in a float16 cache (their values exceed float16's range: cacheDtype.ts). */
  get float32Shards(): number[] {
    return this.index.shardSums.flatMap((x, s) => (x.dtype === 'float32' && this.index.dtype !== 'float32' ? [s] : []));
  }

  length(i: number): number {
    return this.table.length[this.checked(i)];
  }

  /** Shard number holding example i (location() without its allocations, for per-batch loops). */
  shardOf(i: number): number {
    return this.table.shard[this.checked(i)];
  }

  /** Byte offset of example i's block in its shard; layer k (index order) starts k·length(i)·D·bytesPerValue later. */
  blockOffset(i: number): number {
    return this.table.offset[this.checked(i)];
  }

  truncated(i: number): boolean {
    return this.table.truncated[this.checked(i)] === 1;
  }

  /** [length(i) * hiddenSize] float32, read from its shard now (one positioned read, no whole-file load). */
  get(i: number, layer: LayerSpec): Float32Array {
    const j = this.checked(i);
    const shard = this.table.shard[j];
    const offset = this.table.offset[j];
    const length = this.table.length[j];
    const k = this.index.layers.indexOf(layer);
    if (k < 0) {
      throw new ProbescopeError(
        'BAD_ARGUMENT',
        `Layer ${layer} is not in this cache (it has ${this.index.layers.join(', ')}).`,
      );
    }
    const n = length * this.index.hiddenSize;
    const dtype = shardDtype(this.index, shard);
    const bpv = bytesPerValue(dtype);
    const out = dtype === 'float32' ? new Float32Array(n) : undefined;
    const bytes = out ? new Uint8Array(out.buffer) : new Uint8Array(n * bpv);
    const read = readSync(this.fd(shard), bytes, 0, bytes.byteLength, offset + k * n * bpv);
    if (read !== bytes.byteLength) {
      throw new ProbescopeError(
        'CACHE_DAMAGED',
        `Activation cache shard ${join(this.dir, shardName(shard))}.bin is truncated. Run \`probescope cache verify ` +
          `--cache-dir ${dirname(dirname(this.dir))}\`; the next run extracts damaged shards again.`,
      );
    }
    return out ?? decodeValues(bytes, dtype);
  }

  /**
   * Where get(i, layer) reads: the shard file, byte position and byte count, the stored dtype and rows (for callers
   * that read asynchronously, e.g. the streaming trainer's prefetch). BAD_ARGUMENT for a layer not in the cache.
   */
  location(
    i: number,
    layer: LayerSpec,
  ): { path: string; shard: number; position: number; bytes: number; rows: number; dtype: CacheDtype } {
    const j = this.checked(i);
    const shard = this.table.shard[j];
    const offset = this.table.offset[j];
    const rows = this.table.length[j];
    const k = this.index.layers.indexOf(layer);
    if (k < 0)
      throw new ProbescopeError(
        'BAD_ARGUMENT',
        `Layer ${layer} is not in this cache (it has ${this.index.layers.join(', ')}).`,
      );
    const dtype = shardDtype(this.index, shard);
    const bytes = rows * this.index.hiddenSize * bytesPerValue(dtype);
    return {
      path: join(this.dir, `${shardName(shard)}.bin`),
      shard,
      position: offset + k * bytes,
      bytes,
      rows,
      dtype,
    };
  }

  /**
   * get(i, layer) written into `dst` from element `at` on ([length(i) · hiddenSize] values), without a new array per
   * example: float32 is read straight into dst, other dtypes through one read buffer and decodeInto. For passes over
   * many examples (streamed chunks). CACHE_DAMAGED for a short read; BAD_ARGUMENT for a layer not in the cache.
   */
  readInto(i: number, layer: LayerSpec, dst: Float32Array, at: number): void {
    const loc = this.location(i, layer);
    const bytes =
      loc.dtype === 'float32'
        ? new Uint8Array(dst.buffer, dst.byteOffset + at * 4, loc.bytes)
        : new Uint8Array(loc.bytes);
    if (readSync(this.fd(loc.shard), bytes, 0, loc.bytes, loc.position) !== loc.bytes)
      throw new ProbescopeError(
        'CACHE_DAMAGED',
        `Activation cache shard ${loc.path} is truncated. Run \`probescope cache verify --cache-dir ` +
          `${dirname(dirname(this.dir))}\`; the next run extracts damaged shards again.`,
      );
    if (loc.dtype !== 'float32') decodeInto(bytes, loc.dtype, dst, at);
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }

  /** `i` when it names an example of the cache; INTERNAL otherwise. */
  private checked(i: number): number {
    if (!(Number.isInteger(i) && i >= 0 && i < this.table.size))
      throw new ProbescopeError('INTERNAL', `Example ${i} is out of range (cache has ${this.numExamples}).`);
    return i;
  }

  private fd(shard: number): number {
    let fd = this.fds.get(shard);
    if (fd === undefined) {
      fd = openSync(join(this.dir, `${shardName(shard)}.bin`), 'r');
      this.fds.set(shard, fd);
    }
    return fd;
  }

  /**
   * Opens a complete cache folder (one with index.json) after checking the index's shape (and `expect`: hidden size,
   * layers, examples). CACHE_DAMAGED naming index.json and `probescope cache verify` when it is unreadable or unsound.
   * Shard checksums are checked by build() (openChecked) before use; open() alone trusts them. `parsed`: index.json
   * as the caller already read it (readIndex), so a large example list is not parsed a second time.
   */
  static async open(
    dir: string,
    stats = { extractedExamples: 0, modelRuns: 0 },
    expect: IndexExpectation = {},
    parsed?: CacheIndex,
  ): Promise<ActivationCache> {
    const { index, problem } = parsed ? { index: parsed, problem: undefined } : await readIndex(dir);
    const problems = index ? indexProblems(index, expect) : [problem ?? 'unreadable'];
    if (!index || problems.length) {
      throw new ProbescopeError(
        'CACHE_DAMAGED',
        `The activation cache index ${join(dir, 'index.json')} is damaged (${problems[0]}). Run \`probescope cache ` +
          `verify --cache-dir ${dirname(dirname(dir))}\`, or delete ${dir}; the next run rebuilds it.`,
      );
    }
    return new ActivationCache(dir, index, stats.extractedExamples, stats.modelRuns);
  }

  /** Opens a complete cache or extracts what is missing (resumable, shard by shard, temp + rename). */
  static async build(opts: BuildCacheOptions): Promise<ActivationCache> {
    return (await ActivationCache.buildOrSlice({ ...opts, slice: undefined })) as ActivationCache;
  }

  /**
   * Slice `opts.slice` of a cache (shardSlice.ts): its planned shards, then slice-I-of-N.json. When the folder already
   * holds a complete cache of this key, nothing is extracted (shards: []).
   */
  static async buildSlice(opts: BuildCacheOptions & { slice: ShardSlice }): Promise<SliceBuildResult> {
    const r = await ActivationCache.buildOrSlice(opts);
    if (r instanceof ActivationCache) {
      r.close();
      const s = { slice: opts.slice, numShards: r.index.shards.length, shards: [], examples: 0, tokens: 0, bytes: 0 };
      return { dir: r.dir, key: r.key, ...s, extractedExamples: 0 };
    }
    return r;
  }

  private static async buildOrSlice(opts: BuildCacheOptions): Promise<ActivationCache | SliceBuildResult> {
    const { folder, texts, slice } = opts;
    const count = Array.isArray(texts) ? texts.length : texts.count;
    const kind = opts.kind ?? 'tokens';
    const layers = normalizeLayers(opts.layers, folder.config.numLayers);
    // Token caches default to float16 (a shard beyond its range is stored as float32), pooled ones to float32.
    const { dtype, strict } = chooseCacheDtype(kind, opts.dtype);
    const maxLength = opts.maxLength ?? DEFAULT_CACHE_MAX_LENGTH;
    const padding = opts.padding ?? 'left';
    const parts: CacheKeyParts = {
      modelHash: folder.hash,
      layers,
      tokenizerHash: await hashTokenizerFiles(folder.dir),
      maxLength,
      datasetHash: await hashTextSource(texts),
      dtype,
      padding,
      graph: { onnxFile: relative(folder.dir, folder.onnxPath).split(sep).join('/'), taps: TAP_SCHEME },
      // Absent for token caches, so their keys are those of caches written before pooling.
      ...(kind !== 'tokens' ? { pooling: kind } : {}),
    };
    const key = cacheKey(parts);
    const baseKey = cacheBaseKey(parts);
    const dir = join(opts.cacheDir, 'activations', key);
    // Slices may share a folder across machines, where another host's writer pid means nothing here.
    const removed = slice ? 0 : await removeStaleTemps(opts.cacheDir);
    if (removed) opts.onLog?.(`Removed ${removed} temporary file(s) left by an interrupted cache write.`);
    const expect = { hiddenSize: folder.config.hiddenSize, layers, numExamples: count };
    if (kind !== 'tokens' && !slice) {
      // A complete token cache of the same inputs serves pooled probes too (pooled when read): no extraction. With no
      // dtype asked, a float32 one first, else one of the token default (float16: `activations --data` then train).
      const { pooling: _pooling, ...pooledParts } = parts;
      for (const tokenDtype of opts.dtype ? [opts.dtype] : (['float32', 'float16'] as const)) {
        const tokenParts = { ...pooledParts, dtype: tokenDtype };
        const tokenKey = cacheKey(tokenParts);
        const tokenDir = join(opts.cacheDir, 'activations', tokenKey);
        const tokens =
          (await checkedIndex(tokenDir, { ...expect, key: tokenKey }, opts.onLog, opts.signal)) &&
          (await ActivationCache.open(tokenDir, undefined, { key: tokenKey }));
        if (tokens) {
          if (tokenDtype !== dtype)
            opts.onLog?.(`Reusing the ${tokenDtype} token cache ${tokenDir} (pooled when read).`);
          return tokens;
        }
        const widerTokens = await findSupersetCache(opts.cacheDir, cacheBaseKey(tokenParts), layers);
        const reused = widerTokens && (await checkedIndex(widerTokens, expect, opts.onLog, opts.signal));
        if (widerTokens && reused) {
          opts.onLog?.(
            `Reusing the activation cache ${widerTokens} (it holds layers ${reused.layers.join(',')}` +
              `${tokenDtype !== dtype ? `, ${tokenDtype}` : ''}).`,
          );
          return new ActivationCache(widerTokens, reused, 0, 0);
        }
      }
    }
    const ready = await checkedIndex(dir, { ...expect, key }, opts.onLog, opts.signal);
    if (ready) return new ActivationCache(dir, ready, 0, 0);
    const wider = slice ? undefined : await findSupersetCache(opts.cacheDir, baseKey, layers);
    if (wider) {
      const reused = await checkedIndex(wider, expect, opts.onLog, opts.signal);
      if (reused) {
        opts.onLog?.(`Reusing the activation cache ${wider} (it holds layers ${reused.layers.join(',')}).`);
        return new ActivationCache(wider, reused, 0, 0);
      }
    }
    try {
      await mkdir(dir, { recursive: true });
    } catch (err) {
      throw fsError(err, dir, 'create the activation cache folder');
    }

    const extractor = await ActivationExtractor.create(folder, layers, {
      executionProvider: opts.executionProvider,
      maxLength,
      cacheDir: opts.cacheDir,
      padding,
    });
    try {
      if (extractor.notice) opts.onLog?.(extractor.notice);
      const tokens = await ExampleTokens.create(extractor, texts, maxLength, opts);
      const truncated = Array.from(tokens.lengths, (n) => n > maxLength);
      const nTrunc = truncated.filter(Boolean).length;
      if (nTrunc) {
        const longest = tokens.lengths.reduce((m, n) => Math.max(m, n), 0);
        opts.onLog?.(
          `Warning: ${nTrunc} of ${count} texts are longer than ${maxLength} tokens (longest ${longest}) and were truncated to ${maxLength}.`,
        );
      }
      const lengths = Array.from(tokens.lengths, (n) => Math.min(n, maxLength));
      const D = extractor.hiddenSize;
      const bytesPerToken = D * layers.length * bytesPerValue(dtype);
      // Rows stored per example: its tokens, or 1–2 pooled vectors (pooledCache.ts).
      const rows = lengths.map((n) => rowsPerExample(kind, n));
      const plan = planShards(lengths, bytesPerToken, opts.shardBytes ?? DEFAULT_SHARD_BYTES, rows);
      const sourceTokens = lengths.reduce((a, b) => a + b, 0);
      const totalTokens = rows.reduce((a, b) => a + b, 0);
      const diskPlan = planCache({
        examples: count,
        tokens: sourceTokens,
        layers: layers.length,
        hiddenSize: D,
        dtype,
        kind,
      });
      opts.onLog?.(
        `Extracting ${count} examples (${sourceTokens} tokens, layers ${layers.join(',')}, ${dtype}): about ` +
          `${formatBytes(diskPlan.bytes)} on disk in ${plan.length} shard(s) at ${dir}` +
          (kind === 'tokens'
            ? ''
            : ` (${kind}-pooled: ${rowsPerExample(kind, 1)} vector(s) per example and layer; every token would take ` +
              `${formatBytes(diskPlan.tokenBytes)})`),
      );

      if (slice) {
        const own = plan.filter((_, s) => sliceOwnsShard(slice, s));
        const tokens = own.reduce((a, p) => a + p.reduce((b, i) => b + rows[i], 0), 0);
        opts.onLog?.(
          `Slice ${slice.index}/${slice.count}: ${own.length} of ${plan.length} shards, ` +
            `${own.reduce((a, p) => a + p.length, 0)} examples (${formatBytes(tokens * bytesPerToken)}).`,
        );
      }
      const metas: (ShardMeta | undefined)[] = [];
      for (const [s, p] of plan.entries())
        metas.push(
          sliceOwnsShard(slice, s) ? await readCompleteShard(dir, s, key, p, bytesPerToken, dtype) : undefined,
        );
      await checkFreeSpace(
        dir,
        plan.reduce(
          (a, p, s) => a + (metas[s] || !sliceOwnsShard(slice, s) ? 0 : p.reduce((b, i) => b + rows[i], 0)),
          0,
        ) * bytesPerToken,
      );
      let done = metas.reduce((a, m) => a + (m ? m.examples.length : 0), 0);
      const resumed = metas.filter(Boolean).length;
      if (resumed) opts.onLog?.(`Resuming: ${resumed} of ${plan.length} shards were already extracted.`);
      const start = performance.now();
      let extracted = 0;
      for (let s = 0; s < plan.length; s++) {
        if (metas[s] || !sliceOwnsShard(slice, s)) continue;
        throwIfAborted(opts.signal);
        const ids = plan[s];
        const seqs = await tokens.shardIds(s, plan, (t) => !metas[t] && sliceOwnsShard(slice, t));
        const states = await extractor.extractIds(seqs, {
          batchSize: opts.batchSize,
          signal: opts.signal,
          onBatch: (d) => {
            const rate = (extracted + d) / ((performance.now() - start) / 1000);
            const remaining = count - done - d;
            opts.onProgress?.({
              phase: 'extract',
              done: done + d,
              total: count,
              rate,
              etaSeconds: rate > 0 ? remaining / rate : undefined,
              message: `cache: about ${formatBytes(diskPlan.bytes)} on disk`,
            });
          },
        });
        const stored = kind === 'tokens' ? states : states.map((m) => poolForCache(m, D, kind));
        // float16 never stores ±Infinity: explicit float16 refuses (#9), the default keeps this shard in float32.
        let shardType = dtype;
        if (dtype === 'float16' && strict) assertFitsFloat16(stored, layers);
        else if (dtype === 'float16') {
          const over = float16Overflow(stored, layers);
          if (over) {
            shardType = 'float32';
            opts.onLog?.(
              `Shard ${s + 1} of ${plan.length}: layer ${over.layer} holds values up to ${over.max.toPrecision(6)}, ` +
                `beyond float16's largest value 65504; this shard is stored as float32 (--dtype float32 stores all).`,
            );
          }
        }
        try {
          metas[s] = await writeShard(dir, s, key, ids, stored, layers, D, shardType, truncated, dtype);
        } catch (err) {
          if (errnoOf(err) !== 'ENOSPC') throw fsError(err, dir, 'write the activation cache in');
          const left = plan.slice(s).reduce((a, p) => a + p.reduce((b, i) => b + rows[i], 0), 0) * bytesPerToken;
          throw await diskFullError(
            dir,
            left,
            `the activation cache (${plan.length - s} of ${plan.length} shards left)`,
          );
        }
        done += ids.length;
        extracted += ids.length;
      }

      const header: CacheIndexHeader = {
        format: CACHE_FORMAT,
        key,
        baseKey,
        model: { id: folder.id, hash: folder.hash, numLayers: folder.config.numLayers },
        tokenizerHash: parts.tokenizerHash,
        datasetHash: parts.datasetHash,
        layers,
        hiddenSize: D,
        dtype,
        maxLength,
        numExamples: count,
        totalTokens,
        kind,
        sourceTokens,
      };
      if (slice) {
        const own = plan.map((_, s) => s).filter((s) => sliceOwnsShard(slice, s));
        const record: SliceRecord = { format: SLICE_FORMAT, slice, numShards: plan.length, shards: own, header };
        await writeFileAtomicClean(join(dir, sliceFileName(slice)), JSON.stringify(record));
        const bytes = own.reduce((a, s) => a + metas[s]!.bytes, 0);
        return {
          dir,
          key,
          slice,
          numShards: plan.length,
          shards: own,
          examples: own.reduce((a, s) => a + plan[s].length, 0),
          tokens: own.reduce((a, s) => a + metas[s]!.examples.reduce((b, e) => b + e.length, 0), 0),
          bytes,
          extractedExamples: extracted,
        };
      }
      const index: CacheIndex = assembleIndex(header, metas as ShardMeta[]);
      try {
        await writeFileAtomicClean(join(dir, 'index.json'), JSON.stringify(index));
      } catch (err) {
        throw errnoOf(err) === 'ENOSPC'
          ? await diskFullError(dir, Buffer.byteLength(JSON.stringify(index)), 'the cache index')
          : fsError(err, join(dir, 'index.json'), 'write');
      }
      return ActivationCache.open(dir, { extractedExamples: extracted, modelRuns: extractor.runs }, { key });
    } finally {
      await extractor.dispose();
    }
  }
}

/** DISK_FULL before any extraction when the cache folder's disk has less free space than `bytes` (the plan). */
async function checkFreeSpace(dir: string, bytes: number): Promise<void> {
  const s = await statfs(dir).catch(() => undefined);
  if (s && Number(s.bavail) * Number(s.bsize) < bytes) throw await diskFullError(dir, bytes, 'the activation cache');
}
