/**
 * Mean and last-token probes are the attention probe on one pooled vector (S = 1): with a single token the softmax is
 * 1 whatever q and w are, so the same graph computes a plain linear probe.
 */
import type { ProbeKind } from '../../protocol/types';

/** x: [length*D] valid tokens only. mean → masked mean; last → last valid token; attention → x unchanged. */
export function poolStates(x: Float32Array, length: number, D: number, kind: ProbeKind): Float32Array {
  if (kind === 'attention') return x;
  if (kind === 'last') return x.slice((length - 1) * D, length * D);
  const out = new Float32Array(D);
  const acc = new Float64Array(D);
  for (let t = 0; t < length; t++) for (let d = 0; d < D; d++) acc[d] += x[t * D + d];
  for (let d = 0; d < D; d++) out[d] = acc[d] / length;
  return out;
}

/** Pooled sequences keep one row; attention sequences keep all. */
export function pooledLength(length: number, kind: ProbeKind): number {
  return kind === 'attention' ? length : 1;
}
