/** Padded probe batches (right padding: token t of every example sits at position t, as in single-text inference). */
import type { ProbeBatch } from './probeParams';

export interface Example {
  /** [length*D] valid token states. */
  x: Float32Array;
  length: number;
  /** 0/1 for two classes, class index otherwise. */
  label: number;
}

export function makeBatch(examples: Example[], D: number): ProbeBatch {
  const B = examples.length;
  const S = examples.reduce((m, e) => Math.max(m, e.length), 1);
  const x = new Float32Array(B * S * D);
  const mask = new Float32Array(B * S);
  const labels = new Float32Array(B);
  examples.forEach((e, i) => {
    x.set(e.x.subarray(0, e.length * D), i * S * D);
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
