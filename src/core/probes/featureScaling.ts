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
import { throwIfAborted } from '../errors';
import type { ProbeParams } from './probeParams';

export interface FeatureScaling {
  /** Per-dimension mean and scale (σ; 1 where a dimension is constant). */
  mean: Float64Array;
  scale: Float64Array;
}

/**
 * μ and σ over every valid token of `examples` (pooled vectors for mean/last probes), in float64: Welford per
 * dimension (stable for values in the 1e5 range with small spread), population variance (ddof 0), examples in order.
 * Reads each example's x once, so lazy (streamed) examples give the same μ, σ as in-memory ones while memory holds
 * one example and 2·D float64s, whatever the dataset size (featureScalingStreamed: the same, yielding to the event loop).
 */
export function featureScaling(examples: readonly Example[], D: number): FeatureScaling {
  const acc = new ScalingAccumulator(D);
  for (const e of examples) acc.add(e.x, e.length); // e.x read once: it may be a getter reading the cache
  return acc.finish();
}

/**
 * featureScaling over lazy examples read from disk, yielding every ~50 ms so a Stop (`signal`) is seen; `onProgress`
 * gets (examples done, total). Same arithmetic in the same order: bit-identical μ and σ.
 */
export async function featureScalingStreamed(
  examples: readonly Example[],
  D: number,
  opts: { signal?: AbortSignal; onProgress?(done: number, total: number): void } = {},
): Promise<FeatureScaling> {
  const acc = new ScalingAccumulator(D);
  let last = performance.now();
  for (const [i, e] of examples.entries()) {
    acc.add(e.x, e.length);
    if (performance.now() - last > 50) {
      await new Promise((resolve) => setImmediate(resolve));
      throwIfAborted(opts.signal);
      opts.onProgress?.(i + 1, examples.length);
      last = performance.now();
    }
  }
  return acc.finish();
}

/** Running Welford mean and sum of squared deviations per dimension, in float64. */
class ScalingAccumulator {
  private readonly mean: Float64Array;
  private readonly m2: Float64Array;
  private n = 0;
  constructor(private readonly D: number) {
    this.mean = new Float64Array(D);
    this.m2 = new Float64Array(D);
  }

  /** `length` rows of D values (an example's valid tokens, or its pooled vector). */
  add(x: Float32Array, length: number): void {
    const { D, mean, m2 } = this;
    for (let t = 0; t < length; t++) {
      this.n++;
      const n = this.n;
      for (let d = 0; d < D; d++) {
        const v = x[t * D + d];
        const delta = v - mean[d];
        mean[d] += delta / n;
        m2[d] += delta * (v - mean[d]);
      }
    }
  }

  finish(): FeatureScaling {
    const { D, mean, m2, n } = this;
    const scale = new Float64Array(D);
    for (let d = 0; d < D; d++) {
      const sd = n > 0 ? Math.sqrt(m2[d] / n) : 0;
      // A constant dimension carries no signal: leave it unscaled (its centred value is 0 anyway).
      scale[d] = sd > 1e-12 * Math.max(1, Math.abs(mean[d])) ? sd : 1;
    }
    return { mean: Float64Array.from(mean), scale };
  }
}

/** x' = (x − μ)/σ for `length` rows of D (a new float32 array). */
export function standardizeRows(raw: Float32Array, length: number, s: FeatureScaling): Float32Array {
  const x = raw.slice(0, length * s.mean.length);
  standardizeInPlace(x, 0, length, s);
  return x;
}

/** x' = (x − μ)/σ in place for `length` rows of D starting at element `at` of `x` (float64 arithmetic, float32 stored). */
export function standardizeInPlace(x: Float32Array, at: number, length: number, s: FeatureScaling): void {
  const D = s.mean.length;
  for (let t = 0; t < length; t++)
    for (let d = 0, i = at + t * D; d < D; d++, i++) x[i] = (x[i] - s.mean[d]) / s.scale[d];
}

/**
 * Examples with x' = (x − μ)/σ (labels and lengths unchanged). In-memory examples get new arrays; lazy (streamed)
 * examples stay lazy and are standardised each time they are read (the x getter, and the streaming sampler through
 * `lazy.scaling`), so nothing is held: the same values as in memory, at the memory of one batch.
 */
export function standardizeExamples(examples: readonly Example[], s: FeatureScaling): Example[] {
  return examples.map((e) =>
    e.lazy
      ? new StandardizedLazyExample(e, s)
      : { x: standardizeRows(e.x, e.length, s), length: e.length, label: e.label },
  );
}

/** A lazy example standardised when read: two fields per example (accessors on the prototype, no closures). */
class StandardizedLazyExample implements Example {
  constructor(
    private readonly source: Example,
    readonly scaling: FeatureScaling,
  ) {}
  get x(): Float32Array {
    return standardizeRows(this.source.x, this.source.length, this.scaling);
  }
  get length(): number {
    return this.source.length;
  }
  get label(): number {
    return this.source.label;
  }
  get lazy(): Example['lazy'] {
    return this.source.lazy;
  }
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
