/**
 * Feature standardisation inside training. Residual streams of real models have outlier dimensions in the thousands
 * (Gemma: up to ~1e5), which leaves LBFGS and AdamW badly conditioned: a mean probe on states 2e5× larger than the
 * tiny model's stopped after 4 LBFGS iterations at loss 600 instead of 0.18. So the 'fast' preset fits the probe on
 * x' = (x − μ) / σ, with per-dimension μ and σ from the training examples' valid tokens, then folds μ and σ back into
 * the weights, so probe.safetensors keeps the reference format and applies to raw states (Python loading unchanged):
 *
 *   V·x' + b   = (V/σ)·x + (b − (V/σ)·μ)             exact: V ← V/σ, b ← b − (V/σ)·μ
 *   q·x' + w·t = (q/σ)·x + w·t − (q/σ)·μ              the last term is one constant per head for every token of a
 *                                                      sequence, and softmax over tokens ignores it: q ← q/σ
 *
 * (DESIGN.md "Probe math"). The same data scaled by any factor then gives the same fit up to rounding.
 */
import type { Example } from './batches';
import type { ProbeParams } from './probeParams';

export interface FeatureScaling {
  /** Per-dimension mean and scale (σ; 1 where a dimension is constant). */
  mean: Float64Array;
  scale: Float64Array;
}

/** μ and σ over every valid token of `examples` (pooled vectors for mean/last probes), in float64. */
export function featureScaling(examples: readonly Example[], D: number): FeatureScaling {
  const mean = new Float64Array(D);
  const m2 = new Float64Array(D);
  let n = 0;
  // Welford per dimension: stable for values in the 1e5 range with small spread.
  for (const e of examples) {
    const x = e.x; // read once: x may be a getter (examples read from the cache on access)
    for (let t = 0; t < e.length; t++) {
      n++;
      for (let d = 0; d < D; d++) {
        const v = x[t * D + d];
        const delta = v - mean[d];
        mean[d] += delta / n;
        m2[d] += delta * (v - mean[d]);
      }
    }
  }
  const scale = new Float64Array(D);
  for (let d = 0; d < D; d++) {
    const sd = n > 0 ? Math.sqrt(m2[d] / n) : 0;
    // A constant dimension carries no signal: leave it unscaled (its centred value is 0 anyway).
    scale[d] = sd > 1e-12 * Math.max(1, Math.abs(mean[d])) ? sd : 1;
  }
  return { mean, scale };
}

/** Examples with x' = (x − μ)/σ (new arrays; labels and lengths unchanged). */
export function standardizeExamples(examples: readonly Example[], s: FeatureScaling): Example[] {
  const D = s.mean.length;
  return examples.map((e) => {
    const x = new Float32Array(e.length * D);
    const raw = e.x;
    for (let t = 0; t < e.length; t++)
      for (let d = 0; d < D; d++) x[t * D + d] = (raw[t * D + d] - s.mean[d]) / s.scale[d];
    return { x, length: e.length, label: e.label };
  });
}

/** Parameters fitted on standardised features → the same probe on raw features (see the header for the algebra). */
export function foldScaling(p: ProbeParams, s: FeatureScaling): ProbeParams {
  const { H, C, D } = p;
  const q = new Float32Array(H * D);
  const V = new Float32Array(H * C * D);
  const b = new Float32Array(H * C);
  for (let h = 0; h < H; h++) for (let d = 0; d < D; d++) q[h * D + d] = p.q[h * D + d] / s.scale[d];
  for (let r = 0; r < H * C; r++) {
    let shift = 0;
    for (let d = 0; d < D; d++) {
      const v = p.V[r * D + d] / s.scale[d];
      V[r * D + d] = v;
      shift += v * s.mean[d];
    }
    b[r] = p.b[r] - shift;
  }
  return { H, C, D, q, w: Float32Array.from(p.w), V, b };
}
