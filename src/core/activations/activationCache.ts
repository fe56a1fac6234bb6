/**
 * The on-disk activation cache: residual states of a dataset for some layers, in shards (default 64 MiB) written
 * one at a time (temp + rename), plus index.json written last. An interrupted build keeps its completed shards and
 * the next build with the same key extracts only the rest. States are read back slice by slice, on demand.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecutionProviderSetting, LayerSpec, ProgressEvent } from '../../protocol/types';
import { ProbescopeError, throwIfAborted } from '../errors';
import { ActivationExtractor, DEFAULT_MAX_LENGTH } from '../model/extractor';
import type { ModelFolder } from '../model/modelFolder';
import { normalizeLayers, writeFileAtomic } from '../model/tappedModel';
import { cacheKey, hashFile, hashTexts } from './cacheKey';
import { assertFitsFloat16 } from './float16';
import { planShards, readCompleteShard, writeShard } from './shardFiles';
import {
  bytesPerValue,
  CACHE_FORMAT,
  type CacheDtype,
  type CacheIndex,
  decodeValues,
  type ShardMeta,
  shardName,
} from './shardFormat';

export const DEFAULT_SHARD_BYTES = 64 * 2 ** 20;

export interface BuildCacheOptions {
  folder: ModelFolder;
  layers: LayerSpec[];
  texts: string[];
  cacheDir: string;
  maxLength?: number;
  dtype?: CacheDtype;
  executionProvider?: ExecutionProviderSetting;
  batchSize?: number;
  onProgress?(e: Omit<ProgressEvent, 'progressId'>): void;
  onLog?(message: string): void;
  signal?: AbortSignal;
  /** Target shard size in bytes (tests use small shards). */
  shardBytes?: number;
}

export class ActivationCache {
  private readonly fds = new Map<number, number>();

  private constructor(
    /** The cache's own folder: {cacheDir}/activations/<key>. */
    readonly dir: string,
    private readonly index: CacheIndex,
    /** Examples this build ran through the model (0 when the cache was already complete). */
    readonly extractedExamples: number,
    /** ORT session runs this build made. */
    readonly modelRuns: number,
  ) {}

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
  get totalTokens(): number {
    return this.index.totalTokens;
  }
  get bytes(): number {
    return this.index.totalTokens * this.index.hiddenSize * this.index.layers.length * bytesPerValue(this.index.dtype);
  }

  length(i: number): number {
    return this.entry(i)[2];
  }

  truncated(i: number): boolean {
    return this.entry(i)[3] === 1;
  }

  /** [length(i) * hiddenSize] float32, read from its shard now (one positioned read, no whole-file load). */
  get(i: number, layer: LayerSpec): Float32Array {
    const [shard, offset, length] = this.entry(i);
    const k = this.index.layers.indexOf(layer);
    if (k < 0) {
      throw new ProbescopeError(
        'BAD_ARGUMENT',
        `Layer ${layer} is not in this cache (it has ${this.index.layers.join(', ')}).`,
      );
    }
    const n = length * this.index.hiddenSize;
    const bpv = bytesPerValue(this.index.dtype);
    const out = this.index.dtype === 'float32' ? new Float32Array(n) : undefined;
    const bytes = out ? new Uint8Array(out.buffer) : new Uint8Array(n * bpv);
    const read = readSync(this.fd(shard), bytes, 0, bytes.byteLength, offset + k * n * bpv);
    if (read !== bytes.byteLength) {
      throw new ProbescopeError(
        'INTERNAL',
        `Activation cache shard ${shardName(shard)} in ${this.dir} is truncated; delete the folder to rebuild it.`,
      );
    }
    return out ?? decodeValues(bytes, this.index.dtype);
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }

  private entry(i: number): [number, number, number, number] {
    const e = this.index.examples[i];
    if (!e) throw new ProbescopeError('BAD_ARGUMENT', `Example ${i} is out of range (cache has ${this.numExamples}).`);
    return e;
  }

  private fd(shard: number): number {
    let fd = this.fds.get(shard);
    if (fd === undefined) {
      fd = openSync(join(this.dir, `${shardName(shard)}.bin`), 'r');
      this.fds.set(shard, fd);
    }
    return fd;
  }

  /** Opens a complete cache folder (one with index.json). */
  static async open(dir: string, stats = { extractedExamples: 0, modelRuns: 0 }): Promise<ActivationCache> {
    const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as CacheIndex;
    if (index.format !== CACHE_FORMAT) {
      throw new ProbescopeError(
        'INTERNAL',
        `${dir} holds an activation cache in an unknown format; delete it to rebuild.`,
      );
    }
    return new ActivationCache(dir, index, stats.extractedExamples, stats.modelRuns);
  }

  /** Opens a complete cache or extracts what is missing (resumable, shard by shard, temp + rename). */
  static async build(opts: BuildCacheOptions): Promise<ActivationCache> {
    const { folder, texts } = opts;
    const layers = normalizeLayers(opts.layers, folder.config.numLayers);
    const dtype = opts.dtype ?? 'float32';
    const maxLength = opts.maxLength ?? DEFAULT_MAX_LENGTH;
    const parts = {
      modelHash: folder.hash,
      layers,
      tokenizerHash: await hashFile(folder.tokenizerJson),
      maxLength,
      datasetHash: hashTexts(texts),
      dtype,
    };
    const key = cacheKey(parts);
    const dir = join(opts.cacheDir, 'activations', key);
    if (await exists(join(dir, 'index.json'))) return ActivationCache.open(dir);
    await mkdir(dir, { recursive: true });

    const extractor = await ActivationExtractor.create(folder, layers, {
      executionProvider: opts.executionProvider,
      maxLength,
      cacheDir: opts.cacheDir,
    });
    try {
      if (extractor.notice) opts.onLog?.(extractor.notice);
      const seqs = texts.map((t) => extractor.tokenize(t).map((s) => s.id));
      const truncated = seqs.map((s) => s.length > maxLength);
      const nTrunc = truncated.filter(Boolean).length;
      if (nTrunc) {
        const longest = seqs.reduce((m, s) => Math.max(m, s.length), 0);
        opts.onLog?.(
          `Warning: ${nTrunc} of ${texts.length} texts are longer than ${maxLength} tokens (longest ${longest}) and were truncated to ${maxLength}.`,
        );
      }
      const lengths = seqs.map((s) => Math.min(s.length, maxLength));
      const D = extractor.hiddenSize;
      const bytesPerToken = D * layers.length * bytesPerValue(dtype);
      const plan = planShards(lengths, bytesPerToken, opts.shardBytes ?? DEFAULT_SHARD_BYTES);
      const totalTokens = lengths.reduce((a, b) => a + b, 0);
      opts.onLog?.(
        `Extracting ${texts.length} examples (${totalTokens} tokens, layers ${layers.join(',')}, ${dtype}): about ` +
          `${formatBytes(totalTokens * bytesPerToken)} on disk in ${plan.length} shard(s) at ${dir}`,
      );

      const metas: (ShardMeta | undefined)[] = await Promise.all(plan.map((p, s) => readCompleteShard(dir, s, key, p)));
      let done = metas.reduce((a, m) => a + (m ? m.examples.length : 0), 0);
      const resumed = metas.filter(Boolean).length;
      if (resumed) opts.onLog?.(`Resuming: ${resumed} of ${plan.length} shards were already extracted.`);
      const start = performance.now();
      let extracted = 0;
      for (let s = 0; s < plan.length; s++) {
        if (metas[s]) continue;
        throwIfAborted(opts.signal);
        const ids = plan[s];
        const states = await extractor.extractIds(
          ids.map((i) => seqs[i].slice(0, maxLength)),
          {
            batchSize: opts.batchSize,
            signal: opts.signal,
            onBatch: (d) => {
              const rate = (extracted + d) / ((performance.now() - start) / 1000);
              const remaining = texts.length - done - d;
              opts.onProgress?.({
                phase: 'extract',
                done: done + d,
                total: texts.length,
                rate,
                etaSeconds: rate > 0 ? remaining / rate : undefined,
              });
            },
          },
        );
        if (dtype === 'float16') assertFitsFloat16(states, layers);
        metas[s] = await writeShard(dir, s, key, ids, states, layers, D, dtype, truncated);
        done += ids.length;
        extracted += ids.length;
      }

      const index: CacheIndex = {
        format: CACHE_FORMAT,
        key,
        model: { id: folder.id, hash: folder.hash },
        tokenizerHash: parts.tokenizerHash,
        datasetHash: parts.datasetHash,
        layers,
        hiddenSize: D,
        dtype,
        maxLength,
        numExamples: texts.length,
        totalTokens,
        shards: plan.map((_, s) => `${shardName(s)}.bin`),
        examples: new Array(texts.length),
      };
      metas.forEach((m, s) =>
        m!.examples.forEach((e) => (index.examples[e.index] = [s, e.offset, e.length, e.truncated ? 1 : 0])),
      );
      await writeFileAtomic(join(dir, 'index.json'), JSON.stringify(index));
      return ActivationCache.open(dir, { extractedExamples: extracted, modelRuns: extractor.runs });
    } finally {
      await extractor.dispose();
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function formatBytes(n: number): string {
  return n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(2)} GiB` : `${(n / 2 ** 20).toFixed(1)} MiB`;
}
