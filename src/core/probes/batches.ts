/** Padded probe batches (right padding: token t of every example sits at position t, as in single-text inference). */
import type { LayerSpec, ProbeKind } from '../../protocol/types';
import type { ActivationCache } from '../activations/activationCache';
import type { FeatureScaling } from './featureScaling';
import type { ProbeBatch } from './probeParams';

export interface Example {
  /** [length*D] valid token states. */
  x: Float32Array;
  length: number;
  /** 0/1 for two classes, class index otherwise. */
  label: number;
  /**
   * Streaming (streamingTrainer.ts): x is read from the cache on each access and never kept; chunks of such examples
   * build their batch on access (makeChunks), so memory holds one chunk of at most chunkFloats values at a time.
   */
  lazy?: {
    cache: ActivationCache;
    index: number;
    layer: LayerSpec;
    chunkFloats: number;
    probe: ProbeKind;
    budget: number;
  };
  /** Lazy examples may write x straight into a batch (the same length·D values as x; no array of their own). */
  readInto?(dst: Float32Array, at: number): void;
  /** Lazy examples only: the feature standardisation applied when read (featureScaling.ts standardizeExamples). */
  scaling?: FeatureScaling;
}

export function makeBatch(examples: Example[], D: number): ProbeBatch {
  const B = examples.length;
  const S = examples.reduce((m, e) => Math.max(m, e.length), 1);
  const x = new Float32Array(B * S * D);
  const mask = new Float32Array(B * S);
  const labels = new Float32Array(B);
  examples.forEach((e, i) => {
    if (e.readInto) e.readInto(x, i * S * D);
    else x.set(e.x.subarray(0, e.length * D), i * S * D);
    mask.fill(1, i * S, i * S + e.length);
    labels[i] = e.label;
  });
  return { B, S, D, x, mask, labels };
}

/** Default cap on a chunk's padded size (floats): 32M floats = 128 MB per ORT call. */
export const MAX_CHUNK_FLOATS = 1 << 25;

/**
 * Splits examples into padded chunks of at most `maxFloats` values, grouping similar lengths to waste little padding.
 * A full-batch gradient is the size-weighted sum over chunks, so chunking changes memory, not the math.
 */
export function makeChunks(
  examples: Example[],
  D: number,
  maxFloats = MAX_CHUNK_FLOATS,
): { batch: ProbeBatch; indices: number[] }[] {
  const lazy = examples.find((e) => e.lazy)?.lazy;
  if (lazy) return lazyChunks(examples, D, Math.min(maxFloats, lazy.chunkFloats));
  const order = examples.map((_, i) => i).sort((a, b) => examples[a].length - examples[b].length);
  const chunks: { batch: ProbeBatch; indices: number[] }[] = [];
  let cur: number[] = [];
  const flush = () => {
    if (cur.length === 0) return;
    chunks.push({
      batch: makeBatch(
        cur.map((i) => examples[i]),
        D,
      ),
      indices: cur,
    });
    cur = [];
  };
  for (const i of order) {
    const S = examples[i].length; // sorted ascending: this example sets the chunk's S
    if (cur.length > 0 && (cur.length + 1) * S * D > maxFloats) flush();
    cur.push(i);
  }
  flush();
  return chunks;
}

/** makeChunks for lazy examples: each chunk's batch is read from the cache when accessed and not kept. */
function lazyChunks(examples: Example[], D: number, maxFloats: number): { batch: ProbeBatch; indices: number[] }[] {
  const order = examples.map((_, i) => i).sort((a, b) => examples[a].length - examples[b].length);
  const groups: number[][] = [];
  let cur: number[] = [];
  for (const i of order) {
    if (cur.length > 0 && (cur.length + 1) * examples[i].length * D > maxFloats) {
      groups.push(cur);
      cur = [];
    }
    cur.push(i);
  }
  if (cur.length) groups.push(cur);
  return groups.map((indices) => ({
    indices,
    get batch() {
      return makeBatch(
        indices.map((i) => examples[i]),
        D,
      );
    },
  }));
}
