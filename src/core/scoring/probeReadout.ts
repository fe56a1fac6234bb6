/**
 * A saved probe applied to a document's states streamed in pieces (window by window), in O(tokens · H · C) memory
 * instead of O(tokens · D): the attention probe only needs, per token, its score a[t,h] = q_h·x_t + w_h·t and its
 * values V_{h,c}·x_t + b_{h,c}; the softmax over all tokens is taken once at the end. Mean and last-token probes keep
 * a running sum / the last state. Same formula as the probe graph (DESIGN.md "Probe math", EleutherAI
 * attention-probes): out_c = Σ_h Σ_t softmax_t(a[:,h])[t] · (V_{h·C+c}·x_t + b_{h·C+c}); positions t are document
 * positions (0 = <bos>), so the result is the probe on the stitched states. Sums in float64.
 */
import type { ProbeKind } from '../../protocol/types';
import { ProbescopeError } from '../errors';
import type { ProbeParams } from '../probes/probeParams';

export interface ProbeReadoutResult {
  /** [C] logits, as the probe graph's forward returns for one example. */
  logits: Float64Array;
  /** [tokens·H] softmax weights (attention probes); empty for mean/last probes. */
  attention: Float64Array;
}

export class ProbeReadout {
  private tokens = 0;
  private scores: Float64Array; // [capacity*H]
  private values: Float64Array; // [capacity*H*C]
  private readonly sum: Float64Array; // mean probe: Σ_t x_t
  private last: Float32Array | undefined; // last-token probe

  constructor(
    private readonly p: ProbeParams,
    private readonly kind: ProbeKind,
    expectedTokens = 1024,
  ) {
    const n = kind === 'attention' ? Math.max(1, expectedTokens) : 0;
    this.scores = new Float64Array(n * p.H);
    this.values = new Float64Array(n * p.H * p.C);
    this.sum = new Float64Array(kind === 'mean' ? p.D : 0);
  }

  /** Tokens added so far. */
  get length(): number {
    return this.tokens;
  }

  /** Adds the next document token's state x [D] (document position = tokens added before it). */
  add(x: Float32Array | Float64Array, offset = 0): void {
    const { H, C, D, q, w, V, b } = this.p;
    if (this.kind === 'mean') {
      for (let d = 0; d < D; d++) this.sum[d] += x[offset + d];
    } else if (this.kind === 'last') {
      this.last = Float32Array.from(x.subarray(offset, offset + D));
    } else {
      const t = this.tokens;
      if ((t + 1) * H > this.scores.length) this.grow();
      for (let h = 0; h < H; h++) {
        let a = w[h] * t;
        for (let d = 0; d < D; d++) a += q[h * D + d] * x[offset + d];
        this.scores[t * H + h] = a;
        for (let c = 0; c < C; c++) {
          const row = (h * C + c) * D;
          let v = b[h * C + c];
          for (let d = 0; d < D; d++) v += V[row + d] * x[offset + d];
          this.values[(t * H + h) * C + c] = v;
        }
      }
    }
    this.tokens++;
  }

  /** Logits and attention over every token added. Errors: BAD_ARGUMENT when no token was added. */
  finish(): ProbeReadoutResult {
    const { H, C, D, V, b } = this.p;
    const n = this.tokens;
    if (n === 0) throw new ProbescopeError('BAD_ARGUMENT', 'The text produced no tokens to classify.');
    const logits = new Float64Array(C);
    if (this.kind !== 'attention') {
      const x = this.kind === 'mean' ? Float64Array.from(this.sum, (s) => s / n) : Float64Array.from(this.last!);
      for (let h = 0; h < H; h++)
        for (let c = 0; c < C; c++) {
          let v = b[h * C + c];
          for (let d = 0; d < D; d++) v += V[(h * C + c) * D + d] * x[d];
          logits[c] += v;
        }
      return { logits, attention: new Float64Array(0) };
    }
    const attention = new Float64Array(n * H);
    for (let h = 0; h < H; h++) {
      let max = -Infinity;
      for (let t = 0; t < n; t++) max = Math.max(max, this.scores[t * H + h]);
      let z = 0;
      for (let t = 0; t < n; t++) z += attention[t * H + h] = Math.exp(this.scores[t * H + h] - max);
      for (let t = 0; t < n; t++) {
        const p = (attention[t * H + h] /= z);
        for (let c = 0; c < C; c++) logits[c] += p * this.values[(t * H + h) * C + c];
      }
    }
    return { logits, attention };
  }

  private grow(): void {
    const { H, C } = this.p;
    const cap = Math.max(1, this.scores.length / H) * 2;
    const scores = new Float64Array(cap * H);
    scores.set(this.scores);
    const values = new Float64Array(cap * H * C);
    values.set(this.values);
    this.scores = scores;
    this.values = values;
  }
}
