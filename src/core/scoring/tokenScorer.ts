/**
 * Per-token readouts of a saved probe, kept for every document token so that each token's share of the probe's
 * output can be shown (docs/CONTRACTS.md "Token scores"). Fed one state at a time (document order), in float64:
 *
 *   v[t,h,c] = V_{h·C+c}·x_t + b_{h·C+c}            value of head h for output c (all probe kinds)
 *   a[t,h]   = q_h·x_t + w_h·t                      attention score (attention probes; t = document position)
 *
 * and, once every token is in (`finish`), for a target readout z = Σ_c k_c z_c (scoreTarget.ts):
 *
 *   attention probe: p[:,h] = softmax_t(a[:,h]); u_t = Σ_h Σ_c k_c v[t,h,c]; contribution_t = Σ_h p_{t,h} Σ_c k_c v[t,h,c]
 *                    Σ_t contribution_t = z exactly (DESIGN.md "Probe math": out_c = Σ_h Σ_t p[t,h] (V_h x_t + b_h))
 *   mean probe:      score_t = Σ_h Σ_c k_c v[t,h,c];  z = mean_t score_t (V·mean(x) + b = mean(V·x + b))
 *   last probe:      score_t = the same;              z = score of the last token (on a causal model: the probe on
 *                    the prefix ending at t)
 *
 * The weights are the saved ones: training folds its feature standardisation into V, b and q (featureScaling.ts),
 * so these scores decompose the probe that classify and eval run, with no extra term.
 */
import type { ProbeKind } from '../../protocol/types';
import { ProbescopeError } from '../errors';
import type { ProbeParams } from '../probes/probeParams';

/** q_h·x and v[h,c] of one state: the part of a readout that does not depend on position. */
export interface StateReadout {
  qx: Float64Array; // [H] (zeros unless attention)
  v: Float64Array; // [H*C]
}

/** Reads one state x[offset, offset+D) into `out` (reused buffers: no allocation per token). */
export function readState(p: ProbeParams, kind: ProbeKind, x: Float32Array, offset: number, out: StateReadout): void {
  const { H, C, D, q, V, b } = p;
  for (let h = 0; h < H; h++) {
    if (kind === 'attention') {
      let a = 0;
      const row = h * D;
      for (let d = 0; d < D; d++) a += q[row + d]! * x[offset + d]!;
      out.qx[h] = a;
    }
    for (let c = 0; c < C; c++) {
      const row = (h * C + c) * D;
      let s = b[h * C + c]!;
      for (let d = 0; d < D; d++) s += V[row + d]! * x[offset + d]!;
      out.v[h * C + c] = s;
    }
  }
}

export function newStateReadout(p: ProbeParams): StateReadout {
  return { qx: new Float64Array(p.H), v: new Float64Array(p.H * p.C) };
}

/**
 * Probe logits [C] of a sequence from its per-token readouts: qx [n*H], v [n*H*C] (positions 0..n-1 for w·t).
 * Same formula as the probe graph's forward for one example; p (the attention weights [n*H]) written when given.
 */
export function logitsFromReadouts(
  p: ProbeParams,
  kind: ProbeKind,
  n: number,
  qx: Float64Array,
  v: Float64Array,
  attentionOut?: Float64Array,
): Float64Array {
  const { H, C, w } = p;
  const logits = new Float64Array(C);
  if (n === 0) throw new ProbescopeError('BAD_ARGUMENT', 'The text produced no tokens to score.');
  if (kind === 'mean' || kind === 'last') {
    const from = kind === 'last' ? n - 1 : 0;
    for (let t = from; t < n; t++)
      for (let h = 0; h < H; h++) for (let c = 0; c < C; c++) logits[c] += v[(t * H + h) * C + c]!;
    if (kind === 'mean') for (let c = 0; c < C; c++) logits[c] /= n;
    return logits;
  }
  const pt = attentionOut ?? new Float64Array(n * H);
  for (let h = 0; h < H; h++) {
    let max = -Infinity;
    for (let t = 0; t < n; t++) max = Math.max(max, qx[t * H + h]! + w[h]! * t);
    let z = 0;
    for (let t = 0; t < n; t++) z += pt[t * H + h] = Math.exp(qx[t * H + h]! + w[h]! * t - max);
    for (let t = 0; t < n; t++) {
      const pr = (pt[t * H + h] = pt[t * H + h]! / z);
      for (let c = 0; c < C; c++) logits[c] += pr * v[(t * H + h) * C + c]!;
    }
  }
  return logits;
}

export interface TokenScores {
  /** [C] the probe's logits on the whole document. */
  logits: Float64Array;
  /** Target logit z = Σ_c k_c logits_c. */
  logit: number;
  /** [n] per-token score (see header). */
  score: Float64Array;
  /** [n] attention probes only: per-token contribution (Σ = logit). */
  contribution?: Float64Array;
  /** [n*H] attention probes only: p_{t,h}. */
  attention?: Float64Array;
}

/** Every document token's readout, in order; O(n·H·C) memory, never O(n·D). */
export class TokenScorer {
  private n = 0;
  private qx: Float64Array;
  private v: Float64Array;

  constructor(
    private readonly p: ProbeParams,
    private readonly kind: ProbeKind,
    expectedTokens: number,
  ) {
    const cap = Math.max(1, expectedTokens);
    this.qx = new Float64Array(kind === 'attention' ? cap * p.H : 0);
    this.v = new Float64Array(cap * p.H * p.C);
  }

  get length(): number {
    return this.n;
  }

  /** Appends the next document token's readout (document position = tokens added before it). */
  add(r: StateReadout): void {
    const { H, C } = this.p;
    if ((this.n + 1) * H * C > this.v.length) this.grow();
    if (this.kind === 'attention') this.qx.set(r.qx, this.n * H);
    this.v.set(r.v, this.n * H * C);
    this.n++;
  }

  /** The document's logits [C] (before a target is chosen: the default class may be the predicted one). */
  logits(): Float64Array {
    return logitsFromReadouts(this.p, this.kind, this.n, this.qx, this.v);
  }

  /** Scores for the target readout with coefficients k [C] (scoreTarget.ts). Errors: BAD_ARGUMENT when empty. */
  finish(k: ArrayLike<number>): TokenScores {
    const { H, C } = this.p;
    const n = this.n;
    const attention = this.kind === 'attention' ? new Float64Array(n * H) : undefined;
    const logits = logitsFromReadouts(this.p, this.kind, n, this.qx, this.v, attention);
    let logit = 0;
    for (let c = 0; c < C; c++) logit += k[c]! * logits[c]!;
    const score = new Float64Array(n);
    const contribution = attention ? new Float64Array(n) : undefined;
    for (let t = 0; t < n; t++) {
      let s = 0;
      let share = 0;
      for (let h = 0; h < H; h++) {
        let vt = 0;
        for (let c = 0; c < C; c++) vt += k[c]! * this.v[(t * H + h) * C + c]!;
        s += vt;
        if (attention) share += attention[t * H + h]! * vt;
      }
      score[t] = s;
      if (contribution) contribution[t] = share;
    }
    return { logits, logit, score, contribution, attention };
  }

  private grow(): void {
    const v = new Float64Array(this.v.length * 2);
    v.set(this.v);
    this.v = v;
    if (this.kind === 'attention') {
      const qx = new Float64Array(this.qx.length * 2);
      qx.set(this.qx);
      this.qx = qx;
    }
  }
}
