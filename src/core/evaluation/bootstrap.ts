/**
 * Seeded, stratified bootstrap intervals (Efron & Tibshirani 1993, ch. 13 percentile intervals): each resample draws,
 * for every class, as many examples as the class has, with replacement, from that class; metrics are recomputed on
 * the resample's counts (weights) and the interval is the [2.5 %, 97.5 %] percentiles (linear interpolation, numpy's
 * default) of the resampled values. Stratifying keeps every class present in every resample, so ROC-AUC and
 * recall@FPR stay defined. The same seed gives the same intervals.
 *
 * The paired bootstrap compares two probes on the same examples: both are evaluated on the same resample each time;
 * the interval of the difference and a two-sided bootstrap p-value (2 · the smaller tail share of differences at or
 * beyond 0, capped at 1) say whether the difference is significant.
 */
import type { PairedDifference } from '../../protocol/types';
import { ProbescopeError } from '../errors';
import { createRng } from '../probes/rng';
import { flatMetrics, MetricEngine, type Predictions } from './classificationMetrics';

export const DEFAULT_RESAMPLES = 1000;
export const DEFAULT_BOOTSTRAP_SEED = 0;

export interface BootstrapOptions {
  /** Number of resamples (default 1000). */
  resamples?: number;
  /** Seed of the resampling (default 0). */
  seed?: number;
  /** Two-sided level (default 0.95). */
  level?: number;
}

/** Linear-interpolation percentile (numpy 'linear') of sorted values, q in [0, 1]. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

/** Yields one weight vector (draw counts per example) per resample; the array is reused between resamples. */
function* stratifiedResamples(labels: ArrayLike<number>, resamples: number, seed: number): Generator<Float64Array> {
  const n = labels.length;
  // Members of each class in index order, as typed arrays sized by a first counting pass (no JS array per class).
  const counts0 = new Map<number, number>();
  for (let i = 0; i < n; i++) counts0.set(labels[i], (counts0.get(labels[i]) ?? 0) + 1);
  const keys = [...counts0.keys()].sort((a, b) => a - b);
  const members = keys.map((k) => new Int32Array(counts0.get(k)!));
  const fill = new Map(keys.map((k, j) => [k, { m: members[j], at: 0 }]));
  for (let i = 0; i < n; i++) {
    const f = fill.get(labels[i])!;
    f.m[f.at++] = i;
  }
  const rng = createRng(seed);
  const counts = new Float64Array(n);
  for (let r = 0; r < resamples; r++) {
    counts.fill(0);
    for (const m of members) for (let j = 0; j < m.length; j++) counts[m[Math.floor(rng.next() * m.length)]]++;
    yield counts;
  }
}

function options(opts: BootstrapOptions) {
  const resamples = opts.resamples ?? DEFAULT_RESAMPLES;
  const level = opts.level ?? 0.95;
  if (!(Number.isInteger(resamples) && resamples >= 1))
    throw new ProbescopeError('BAD_ARGUMENT', `Bootstrap resamples must be a positive integer (got ${resamples}).`);
  if (!(level > 0 && level < 1)) throw new ProbescopeError('BAD_ARGUMENT', `Bootstrap level must be in (0, 1).`);
  return { resamples, seed: opts.seed ?? DEFAULT_BOOTSTRAP_SEED, level };
}

/**
 * Percentile intervals for every flat metric (see flatMetrics): `{ accuracy: [lo, hi], …, "recall_at_fpr_0.01": … }`.
 * Cost O(resamples · n · K); 1,000 resamples of 10,000 binary examples take well under a second (npm run bench).
 */
export function bootstrapIntervals(
  pred: Predictions | MetricEngine,
  opts: BootstrapOptions = {},
): Record<string, [number, number]> {
  const { resamples, seed, level } = options(opts);
  const engine = pred instanceof MetricEngine ? pred : new MetricEngine(pred);
  const labels = pred instanceof MetricEngine ? engine.labels : pred.labels;
  if (engine.n === 0) return {};
  const values = new Map<string, number[]>();
  for (const weights of stratifiedResamples(labels, resamples, seed)) {
    for (const [k, v] of Object.entries(flatMetrics(engine.evaluate(weights)))) {
      const list = values.get(k);
      if (list) list.push(v);
      else values.set(k, [v]);
    }
  }
  const tail = (1 - level) / 2;
  const out: Record<string, [number, number]> = {};
  for (const [k, list] of values) {
    const sorted = Float64Array.from(list).sort();
    out[k] = [percentile(sorted, tail), percentile(sorted, 1 - tail)];
  }
  return out;
}

/**
 * Paired stratified bootstrap of A − B for the given flat metrics (default accuracy and roc_auc). Both prediction sets
 * must be on the same examples in the same order (same labels).
 */
export function pairedBootstrap(
  a: Predictions,
  b: Predictions,
  metrics: string[] = ['accuracy', 'roc_auc'],
  opts: BootstrapOptions = {},
): Record<string, PairedDifference> {
  const { resamples, seed, level } = options(opts);
  const n = a.labels.length;
  if (b.labels.length !== n) throw new ProbescopeError('BAD_ARGUMENT', 'Paired bootstrap: different example counts.');
  for (let i = 0; i < n; i++)
    if (a.labels[i] !== b.labels[i])
      throw new ProbescopeError('BAD_ARGUMENT', `Paired bootstrap: example ${i} has different labels in A and B.`);
  const ea = new MetricEngine(a);
  const eb = new MetricEngine(b);
  const fa = flatMetrics(ea.evaluate());
  const fb = flatMetrics(eb.evaluate());
  const wanted = metrics.filter((m) => fa[m] !== undefined && fb[m] !== undefined);
  const diffs = new Map(wanted.map((m) => [m, [] as number[]]));
  for (const weights of stratifiedResamples(a.labels, resamples, seed)) {
    const ra = flatMetrics(ea.evaluate(weights));
    const rb = flatMetrics(eb.evaluate(weights));
    for (const m of wanted) if (ra[m] !== undefined && rb[m] !== undefined) diffs.get(m)!.push(ra[m] - rb[m]);
  }
  const tail = (1 - level) / 2;
  const out: Record<string, PairedDifference> = {};
  for (const m of wanted) {
    const d = Float64Array.from(diffs.get(m)!).sort();
    const lo = percentile(d, tail);
    const hi = percentile(d, 1 - tail);
    let atOrBelow = 0;
    let atOrAbove = 0;
    for (const x of d) {
      if (x <= 0) atOrBelow++;
      if (x >= 0) atOrAbove++;
    }
    out[m] = {
      difference: fa[m] - fb[m],
      ci95: [lo, hi],
      p_value: Math.min(1, (2 * Math.min(atOrBelow, atOrAbove)) / d.length),
      significant: lo > 0 || hi < 0,
    };
  }
  return out;
}
