/** Attention-probe parameters (EleutherAI AttentionProbe layout) and their flat form for the optimizers. */
import { ProbescopeError } from '../errors';
import type { Rng } from './rng';

/** q [H,D], position weight w [H], V [H*C,D] (rows grouped by head: h*C + c), b [H*C]. */
export interface ProbeParams {
  H: number;
  C: number;
  D: number;
  q: Float32Array;
  w: Float32Array;
  V: Float32Array;
  b: Float32Array;
}

/** A padded batch: x [B,S,D], mask [B,S] (1 = valid), labels [B] (0/1 for C=1, class index for C>1). */
export interface ProbeBatch {
  B: number;
  S: number;
  D: number;
  x: Float32Array;
  mask: Float32Array;
  labels: Float32Array;
}

/** q = w = 0 (a mean probe at init, like the reference); V, b ~ U(±1/√D) like torch nn.Linear. */
export function initProbeParams(H: number, C: number, D: number, rng: Rng): ProbeParams {
  const bound = 1 / Math.sqrt(D);
  const uniform = (n: number): Float32Array => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = (2 * rng.next() - 1) * bound;
    return a;
  };
  const V = uniform(H * C * D);
  const b = uniform(H * C);
  return { H, C, D, q: new Float32Array(H * D), w: new Float32Array(H), V, b };
}

export function paramCount(H: number, C: number, D: number): number {
  return H * D + H + H * C * D + H * C;
}

/** Order: q, w, V, b. */
export function flattenParams(p: ProbeParams): Float64Array {
  const flat = new Float64Array(paramCount(p.H, p.C, p.D));
  let o = 0;
  for (const part of [p.q, p.w, p.V, p.b]) {
    flat.set(part, o);
    o += part.length;
  }
  return flat;
}

export function unflattenParams(flat: Float64Array | Float32Array, H: number, C: number, D: number): ProbeParams {
  const n = paramCount(H, C, D);
  if (flat.length !== n) {
    throw new ProbescopeError(
      'INTERNAL',
      `unflattenParams: expected ${n} values for H=${H}, C=${C}, D=${D}, got ${flat.length}.`,
    );
  }
  let o = 0;
  const take = (len: number): Float32Array => {
    const part = Float32Array.from(flat.subarray(o, o + len));
    o += len;
    return part;
  };
  const q = take(H * D);
  const w = take(H);
  const V = take(H * C * D);
  const b = take(H * C);
  return { H, C, D, q, w, V, b };
}
