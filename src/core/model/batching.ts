/**
 * Batching for extraction: group sequences of similar length (less padding = less wasted compute) and build the
 * padded input_ids / attention_mask / position_ids a Gemma export expects. position_ids = cumsum(mask) - 1 with pad
 * positions filled with 1, as transformers' generate() does (reference.json padded_batch).
 */

export type PaddingSide = 'left' | 'right';

/**
 * Splits example indices into batches of at most `batchSize` examples and at most `maxTokens` padded tokens,
 * ordered by length so each batch holds similar lengths. Every index appears exactly once.
 */
export function planBatches(lengths: number[], batchSize: number, maxTokens = Infinity): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const batches: number[][] = [];
  let current: number[] = [];
  for (const i of order) {
    // Sorted ascending, so the newest sequence is the longest: padded size = count * its length.
    const padded = (current.length + 1) * Math.max(1, lengths[i]);
    if (current.length && (current.length >= batchSize || padded > maxTokens)) {
      batches.push(current);
      current = [];
    }
    current.push(i);
  }
  if (current.length) batches.push(current);
  return batches;
}

export interface PaddedBatch {
  batch: number;
  seqLen: number;
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  positionIds: BigInt64Array;
  /** Offset of each sequence's first real token inside its padded row. */
  starts: number[];
  lengths: number[];
}

export function padBatch(seqs: number[][], padId: number, side: PaddingSide = 'left'): PaddedBatch {
  const batch = seqs.length;
  const seqLen = Math.max(1, ...seqs.map((s) => s.length));
  const inputIds = new BigInt64Array(batch * seqLen).fill(BigInt(padId));
  const attentionMask = new BigInt64Array(batch * seqLen);
  const positionIds = new BigInt64Array(batch * seqLen).fill(1n);
  const starts: number[] = [];
  seqs.forEach((s, b) => {
    const start = side === 'left' ? seqLen - s.length : 0;
    starts.push(start);
    for (let t = 0; t < s.length; t++) {
      const k = b * seqLen + start + t;
      inputIds[k] = BigInt(s[t]);
      attentionMask[k] = 1n;
      positionIds[k] = BigInt(t);
    }
  });
  return { batch, seqLen, inputIds, attentionMask, positionIds, starts, lengths: seqs.map((s) => s.length) };
}
