/**
 * Residual-stream extraction: tokenize, batch by similar length, run the tapped + pruned graph, and return only the
 * states of real tokens (never padding). Truncation to maxLength is reported through onTruncate, never silent.
 */
import * as ort from 'onnxruntime-node';
import type { ExecutionProviderSetting, LayerSpec, TokenSpan } from '../../protocol/types';
import { ProbescopeError, throwIfAborted } from '../errors';
import { verifyBatchConsistency } from './batchConsistency';
import { padBatch, planBatches, type PaddedBatch, type PaddingSide } from './batching';
import { assertFiniteStates } from './finiteStates';
import { type GraphKind, graphTraits } from './graphKind';
import type { ModelFolder } from './modelFolder';
import { assertPrecisionRunnable } from './precisionSupport';
import { createSession, resolveExecutionProvider, type ResolvedProvider } from './session';
import { buildTappedModel, normalizeLayers } from './tappedModel';
import { GemmaTokenizer } from './tokenizer';

export const DEFAULT_MAX_LENGTH = 1024;

export interface ExtractedExample {
  tokens: TokenSpan[];
  truncated: boolean;
  /** Per layer: [tokens.length * hiddenSize] row-major, valid tokens only. */
  states: Map<LayerSpec, Float32Array>;
}

export interface ExtractorOptions {
  executionProvider?: ExecutionProviderSetting;
  maxLength?: number;
  cacheDir: string;
  /**
   * Padding side for batches. Default: what the graph kind needs (right for GroupQueryAttention, graphKind.ts), else
   * left. A side the graph cannot take fails the batch check (batchConsistency.ts) instead of returning wrong states.
   */
  padding?: PaddingSide;
}

export interface ExtractOptions {
  batchSize?: number;
  signal?: AbortSignal;
  onTruncate?(index: number, length: number): void;
  /** Called after each batch with the number of examples done so far. */
  onBatch?(done: number, total: number): void;
}

export class ActivationExtractor {
  /** Number of extraction batches run so far (tests use it to prove a cache did not re-extract). */
  runs = 0;
  /** Set once the first multi-text batch matched the same text run alone (batchConsistency.ts). */
  batchCheck?: { row: number; maxAbsDiff: Map<LayerSpec, number> };

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly tokenizer: GemmaTokenizer,
    readonly layers: LayerSpec[],
    private readonly outputNames: Map<LayerSpec, string>,
    readonly provider: ResolvedProvider,
    readonly notice: string | undefined,
    readonly hiddenSize: number,
    readonly maxLength: number,
    /** The side batches are padded on (graphKind.ts: GroupQueryAttention graphs need right). */
    readonly padding: PaddingSide,
    private readonly kv: { heads: number; headDim: number },
    /** How the export reads padding (graphKind.ts); part of what makes its states. */
    readonly graphKind: GraphKind,
    private readonly halfPrecision: boolean,
  ) {}

  /** Most texts per model run for this graph kind (1 for dynamic int8 quantization). */
  get maxBatchSize(): number {
    return graphTraits(this.graphKind).maxBatchSize;
  }

  static async create(
    folder: ModelFolder,
    layersIn: LayerSpec[],
    opts: ExtractorOptions,
  ): Promise<ActivationExtractor> {
    const layers = normalizeLayers(layersIn, folder.config.numLayers);
    const maxPositions = folder.config.maxPositions;
    // Without a maxLength: DEFAULT_MAX_LENGTH, capped at the model's trained positions.
    const maxLength =
      opts.maxLength ?? (maxPositions ? Math.min(DEFAULT_MAX_LENGTH, maxPositions) : DEFAULT_MAX_LENGTH);
    if (!(Number.isInteger(maxLength) && maxLength > 0)) {
      throw new ProbescopeError('BAD_ARGUMENT', `maxLength must be a positive integer, got ${maxLength}.`);
    }
    // Positions past max_position_embeddings were never trained (their states are not what the model computes on
    // text it was built for): refuse rather than extract them. Texts are truncated to maxLength tokens, <bos> included.
    if (maxPositions && maxLength > maxPositions)
      throw new ProbescopeError(
        'BAD_ARGUMENT',
        `A maximum length of ${maxLength} tokens is longer than the model's max_position_embeddings (${maxPositions}): ` +
          `states past position ${maxPositions - 1} would be untrained. Use --max-length ${maxPositions} or less ` +
          '(in the editor: the probescope.maxLength setting).',
      );
    const [ep, tokenizer, tapped] = await Promise.all([
      resolveExecutionProvider(opts.executionProvider ?? 'auto'),
      GemmaTokenizer.load(folder),
      buildTappedModel(folder, layers, opts.cacheDir),
    ]);
    assertPrecisionRunnable(tapped.weightType, ep.provider, folder.onnxPath);
    const session = await createSession(tapped.path, ep.provider, {
      externalDataFolder: tapped.externalDataFolder,
      halfPrecision: tapped.halfPrecision,
    });
    const { hiddenSize, numKvHeads, headDim } = folder.config;
    return new ActivationExtractor(
      session,
      tokenizer,
      layers,
      tapped.outputNames,
      ep.provider,
      ep.notice,
      hiddenSize,
      maxLength,
      opts.padding ?? graphTraits(tapped.graphKind).requiredPadding ?? 'left',
      { heads: numKvHeads, headDim },
      tapped.graphKind,
      tapped.halfPrecision,
    );
  }

  get padId(): number {
    return this.tokenizer.padId;
  }

  get bosId(): number {
    return this.tokenizer.bosId;
  }

  tokenize(text: string): TokenSpan[] {
    return this.tokenizer.encode(text);
  }

  async extract(texts: string[], opts: ExtractOptions = {}): Promise<ExtractedExample[]> {
    const tokens = texts.map((t, i) => {
      const spans = this.tokenizer.encode(t);
      if (spans.length <= this.maxLength) return { spans, truncated: false };
      opts.onTruncate?.(i, spans.length);
      return { spans: spans.slice(0, this.maxLength), truncated: true };
    });
    const states = await this.extractIds(
      tokens.map((t) => t.spans.map((s) => s.id)),
      opts,
    );
    return tokens.map((t, i) => ({ tokens: t.spans, truncated: t.truncated, states: states[i] }));
  }

  /** States for already-tokenized sequences (at most maxLength ids each). */
  async extractIds(seqs: number[][], opts: ExtractOptions = {}): Promise<Map<LayerSpec, Float32Array>[]> {
    const batchSize = Math.min(opts.batchSize ?? 16, this.maxBatchSize);
    const results: Map<LayerSpec, Float32Array>[] = new Array(seqs.length);
    const batches = planBatches(
      seqs.map((s) => s.length),
      batchSize,
      Math.max(batchSize, 1) * Math.min(this.maxLength, 512),
    );
    let done = 0;
    for (const idx of batches) {
      throwIfAborted(opts.signal);
      const padded = padBatch(
        idx.map((i) => seqs[i]),
        this.tokenizer.padId,
        this.padding,
      );
      const out = await this.run(padded);
      if (idx.length > 1 && !this.batchCheck) await this.checkBatch(padded, out);
      idx.forEach((exampleIndex, b) => {
        const states = new Map<LayerSpec, Float32Array>();
        for (const l of this.layers) {
          const D = this.hiddenSize;
          const from = (b * padded.seqLen + padded.starts[b]) * D;
          const s = out.get(l)!.slice(from, from + padded.lengths[b] * D);
          assertFiniteStates(s, l, D, exampleIndex); // real tokens only: padding rows may hold anything
          states.set(l, s);
        }
        results[exampleIndex] = states;
      });
      done += idx.length;
      opts.onBatch?.(done, seqs.length);
    }
    return results;
  }

  /** Reruns the batch's shortest text alone and compares (throws on a mismatch); not counted in `runs`. */
  private async checkBatch(padded: PaddedBatch, out: Map<LayerSpec, Float32Array>): Promise<void> {
    const D = this.hiddenSize;
    this.batchCheck = await verifyBatchConsistency({
      padded,
      out,
      hiddenSize: D,
      layers: this.layers,
      halfPrecision: this.halfPrecision,
      kind: this.graphKind,
      padding: this.padding,
      runSingle: async (b) => {
        const ids = Array.from(padded.inputIds.subarray(b * padded.seqLen, (b + 1) * padded.seqLen), Number);
        const seq = ids.slice(padded.starts[b], padded.starts[b] + padded.lengths[b]);
        const alone = await this.run(padBatch([seq], this.tokenizer.padId, this.padding), false);
        return new Map(this.layers.map((l) => [l, alone.get(l)!.slice(0, seq.length * D)] as const));
      },
    });
  }

  private async run(p: PaddedBatch, counted = true): Promise<Map<LayerSpec, Float32Array>> {
    const feeds: Record<string, ort.Tensor> = {};
    const dims = [p.batch, p.seqLen];
    for (const meta of this.session.inputMetadata) {
      const name = meta.name;
      if (name === 'input_ids') feeds[name] = new ort.Tensor('int64', p.inputIds, dims);
      else if (name === 'attention_mask') feeds[name] = new ort.Tensor('int64', p.attentionMask, dims);
      else if (name === 'position_ids') feeds[name] = new ort.Tensor('int64', p.positionIds, dims);
      else if (/past/.test(name) && meta.isTensor) feeds[name] = emptyPast(meta.type, p.batch, this.kv);
      else if (name === 'use_cache_branch') feeds[name] = new ort.Tensor('bool', new Uint8Array(1), [1]);
      else
        throw new ProbescopeError(
          'UNSUPPORTED_GRAPH',
          `The model needs an input '${name}' that Probescope does not know how to fill.`,
        );
    }
    if (counted) this.runs++;
    const out = await this.session.run(feeds);
    const result = new Map<LayerSpec, Float32Array>();
    for (const l of this.layers) {
      const t = out[this.outputNames.get(l)!];
      const ok =
        t && t.dims.length === 3 && t.dims[0] === p.batch && t.dims[1] === p.seqLen && t.dims[2] === this.hiddenSize;
      if (!ok || t.type !== 'float32') {
        throw new ProbescopeError(
          'UNSUPPORTED_GRAPH',
          `The tensor found for layer ${l} has shape [${t?.dims.join(', ')}] (${t?.type}); expected float32 ` +
            `[${p.batch}, ${p.seqLen}, ${this.hiddenSize}]. The residual stream was not found correctly in this export.`,
        );
      }
      result.set(l, t.data as Float32Array);
    }
    return result;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** A zero-length KV cache input ([batch, kv_heads, 0, head_dim]) for exports with past_key_values inputs. */
function emptyPast(type: ort.Tensor.Type, batch: number, kv: { heads: number; headDim: number }): ort.Tensor {
  const dims = [batch, kv.heads, 0, kv.headDim];
  if (type === 'float16') return new ort.Tensor('float16', new Uint16Array(0), dims);
  return new ort.Tensor('float32', new Float32Array(0), dims);
}
