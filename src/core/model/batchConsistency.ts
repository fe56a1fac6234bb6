/**
 * The guard every graph kind passes through: a batched run must give a text the states it gets alone. Exports differ
 * in how they read padding (GroupQueryAttention ignores the mask and needs right padding; dynamic int8 quantization
 * mixes batch-mates through its scales), and a graph that mishandles it returns plausible-looking numbers, so the
 * extractor reruns one text of its first multi-text batch on its own and compares every extracted layer. The text
 * checked is the shortest of the batch: it carries the most padding.
 */
import type { LayerSpec } from '../../protocol/types';
import { ProbescopeError } from '../errors';
import type { PaddedBatch, PaddingSide } from './batching';
import type { GraphKind } from './graphKind';

/**
 * Allowed |batched - single| relative to the layer's largest |value| (at least 1). Float32 graphs differ only by
 * summation order across batch shapes (fixtures: <= 4.3e-6 on values up to ~11, i.e. ~4e-7 relative); float16 and
 * 4-bit graphs round at every op. A padding fault moves states by the size of the values themselves (fixtures: 14 on
 * values of at most 11), far above both bounds.
 */
export const BATCH_TOLERANCE = { float32: 1e-4, half: 2e-2 } as const;

export interface BatchCheck {
  padded: PaddedBatch;
  /** Batched output per layer: [batch * seqLen * hiddenSize]. */
  out: Map<LayerSpec, Float32Array>;
  hiddenSize: number;
  layers: LayerSpec[];
  halfPrecision: boolean;
  kind: GraphKind;
  padding: PaddingSide;
  /** Runs row `b` of the batch alone; per layer its [length * hiddenSize] states. */
  runSingle(b: number): Promise<Map<LayerSpec, Float32Array>>;
}

export interface BatchCheckResult {
  row: number;
  /** Worst |batched - single| per layer. */
  maxAbsDiff: Map<LayerSpec, number>;
}

/** Compares one row of a batch with the same text run alone; throws UNSUPPORTED_GRAPH when they differ. */
export async function verifyBatchConsistency(c: BatchCheck): Promise<BatchCheckResult> {
  const { padded, hiddenSize: D } = c;
  let row = 0;
  for (let b = 1; b < padded.batch; b++) if (padded.lengths[b] < padded.lengths[row]) row = b;
  const single = await c.runSingle(row);
  const maxAbsDiff = new Map<LayerSpec, number>();
  const rel = c.halfPrecision ? BATCH_TOLERANCE.half : BATCH_TOLERANCE.float32;
  for (const l of c.layers) {
    const alone = single.get(l)!;
    const from = (row * padded.seqLen + padded.starts[row]) * D;
    const batched = c.out.get(l)!.subarray(from, from + padded.lengths[row] * D);
    let diff = 0;
    let scale = 1;
    for (let i = 0; i < alone.length; i++) {
      const d = Math.abs(batched[i] - alone[i]);
      if (!(d <= diff)) diff = d; // NaN counts as a mismatch
      scale = Math.max(scale, Math.abs(alone[i]));
    }
    maxAbsDiff.set(l, diff);
    if (!(diff <= rel * scale)) {
      throw new ProbescopeError(
        'UNSUPPORTED_GRAPH',
        `Batched extraction is wrong for this export (graph kind '${c.kind}', ${c.padding} padding): layer ${l} of a ` +
          `${padded.lengths[row]}-token text differs by ${diff.toPrecision(3)} from the same text run alone ` +
          `(allowed ${(rel * scale).toPrecision(3)}). No states were kept. Extract one text at a time ` +
          '(probescope activations --batch-size 1) and report this export so its padding can be supported.',
      );
    }
  }
  return { row, maxAbsDiff };
}
