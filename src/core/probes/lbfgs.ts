/**
 * L-BFGS with a strong-Wolfe line search, following the algorithm of torch.optim.LBFGS(line_search_fn='strong_wolfe')
 * (same defaults, same stopping rules, same cubic-interpolation zoom), on Float64Array parameters.
 */
import { throwIfAborted } from '../errors';

export type Objective = (x: Float64Array) => Promise<{ loss: number; grad: Float64Array }>;

export interface LbfgsOptions {
  maxIter: number;
  /** Evaluations of f allowed; torch's default is maxIter·5/4. */
  maxEval?: number;
  /** Initial step scale (torch lr), default 1. */
  lr?: number;
  historySize?: number; // default 100
  toleranceGrad?: number; // default 1e-7
  toleranceChange?: number; // default 1e-9
  signal?: AbortSignal;
  onIteration?(iteration: number, loss: number): void;
}

export interface LbfgsResult {
  x: Float64Array;
  loss: number;
  iterations: number;
  evaluations: number;
  /**
   * Why it stopped: 'gradient' (max |g| ≤ toleranceGrad: converged), 'step' / 'loss-change' (steps or loss changes
   * below toleranceChange), 'no-descent', 'max-iter', 'max-eval'.
   */
  stopReason: 'gradient' | 'step' | 'loss-change' | 'no-descent' | 'max-iter' | 'max-eval';
  /** The last line search found no point meeting the strong Wolfe conditions (a stall, not convergence). */
  lineSearchFailed: boolean;
  /** Gradient at x, and its max |g|. */
  grad: Float64Array;
  gradMax: number;
  /**
   * −g·d of the last iteration (d the L-BFGS direction ≈ −H⁻¹g): twice the decrease its quadratic model predicted,
   * in loss units and independent of the parameters' scale. Far above the loss's rounding it means the model still
   * expected progress where the line search found none.
   */
  expectedDecrease: number;
}

const dot = (a: Float64Array, b: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};
const maxAbs = (a: Float64Array): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
};
const axpy = (x: Float64Array, t: number, d: Float64Array): Float64Array => {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! + t * d[i]!;
  return out;
};

/** Minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to bounds (default: between x1 and x2). */
export function cubicInterpolate(
  x1: number,
  f1: number,
  g1: number,
  x2: number,
  f2: number,
  g2: number,
  bounds?: [number, number],
): number {
  const [lo, hi] = bounds ?? (x1 <= x2 ? [x1, x2] : [x2, x1]);
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const d2sq = d1 * d1 - g1 * g2;
  if (d2sq < 0) return (lo + hi) / 2;
  const d2 = Math.sqrt(d2sq);
  const minPos =
    x1 <= x2
      ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
      : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
  return Math.min(Math.max(minPos, lo), hi);
}

interface Point {
  t: number;
  f: number;
  g: Float64Array;
  gtd: number;
}

/** Strong-Wolfe line search along d from x (loss f, gradient g, slope gtd < 0), first trial step t. */
async function strongWolfe(
  fn: Objective,
  x: Float64Array,
  t: number,
  d: Float64Array,
  f: number,
  g: Float64Array,
  gtd: number,
  toleranceChange: number,
  c1 = 1e-4,
  c2 = 0.9,
  maxLs = 25,
): Promise<{ f: number; g: Float64Array; t: number; evals: number; ok: boolean }> {
  const dNorm = maxAbs(d);
  const evalAt = async (step: number): Promise<Point> => {
    const r = await fn(axpy(x, step, d));
    return { t: step, f: r.loss, g: r.grad, gtd: dot(r.grad, d) };
  };
  let evals = 1;
  let cur = await evalAt(t);
  let prev: Point = { t: 0, f, g, gtd };
  let bracket: Point[] | undefined;
  let done = false;
  let lsIter = 0;
  while (lsIter < maxLs) {
    if (cur.f > f + c1 * cur.t * gtd || (lsIter > 1 && cur.f >= prev.f)) {
      bracket = [prev, cur];
      break;
    }
    if (Math.abs(cur.gtd) <= -c2 * gtd) {
      bracket = [cur];
      done = true;
      break;
    }
    if (cur.gtd >= 0) {
      bracket = [prev, cur];
      break;
    }
    // Extrapolate: a cubic step between 1.01·t and 10·t.
    const minStep = cur.t + 0.01 * (cur.t - prev.t);
    const next = cubicInterpolate(prev.t, prev.f, prev.gtd, cur.t, cur.f, cur.gtd, [minStep, cur.t * 10]);
    prev = cur;
    cur = await evalAt(next);
    evals++;
    lsIter++;
  }
  if (!bracket) bracket = [{ t: 0, f, g, gtd }, cur];

  // Zoom: shrink the bracket until a point satisfies the strong Wolfe conditions.
  let insufProgress = false;
  let [low, high] = bracket[0]!.f <= bracket[bracket.length - 1]!.f ? [0, 1] : [1, 0];
  while (!done && lsIter < maxLs && bracket.length === 2) {
    const [a, b] = bracket as [Point, Point];
    if (Math.abs(b.t - a.t) * dNorm < toleranceChange) break;
    let tz = cubicInterpolate(a.t, a.f, a.gtd, b.t, b.f, b.gtd);
    const bMax = Math.max(a.t, b.t);
    const bMin = Math.min(a.t, b.t);
    const eps = 0.1 * (bMax - bMin);
    if (Math.min(bMax - tz, tz - bMin) < eps) {
      // Too close to an end: step away from it unless the last step already made progress.
      if (insufProgress || tz >= bMax || tz <= bMin) {
        tz = Math.abs(tz - bMax) < Math.abs(tz - bMin) ? bMax - eps : bMin + eps;
        insufProgress = false;
      } else {
        insufProgress = true;
      }
    } else {
      insufProgress = false;
    }
    const p = await evalAt(tz);
    evals++;
    lsIter++;
    if (p.f > f + c1 * p.t * gtd || p.f >= bracket[low]!.f) {
      bracket[high] = p;
      [low, high] = bracket[0]!.f <= bracket[1]!.f ? [0, 1] : [1, 0];
    } else {
      if (Math.abs(p.gtd) <= -c2 * gtd) done = true;
      else if (p.gtd * (bracket[high]!.t - bracket[low]!.t) >= 0) bracket[high] = bracket[low]!;
      bracket[low] = p;
    }
  }
  const best = bracket[bracket.length === 1 ? 0 : low]!;
  return { f: best.f, g: best.g, t: best.t, evals, ok: done };
}

export async function lbfgsMinimize(fn: Objective, x0: Float64Array, opts: LbfgsOptions): Promise<LbfgsResult> {
  const lr = opts.lr ?? 1;
  const historySize = opts.historySize ?? 100;
  const tolGrad = opts.toleranceGrad ?? 1e-7;
  const tolChange = opts.toleranceChange ?? 1e-9;
  const maxEval = opts.maxEval ?? Math.floor((opts.maxIter * 5) / 4);

  let x: Float64Array = Float64Array.from(x0);
  let { loss, grad } = await fn(x);
  let evaluations = 1;
  if (maxAbs(grad) <= tolGrad)
    return {
      x,
      loss,
      iterations: 0,
      evaluations,
      stopReason: 'gradient',
      lineSearchFailed: false,
      grad,
      gradMax: maxAbs(grad),
      expectedDecrease: 0,
    };
  let stopReason: LbfgsResult['stopReason'] = 'max-iter';
  let lineSearchFailed = false;
  let expectedDecrease = 0;

  const dirs: Float64Array[] = []; // y = g_{k+1} − g_k
  const steps: Float64Array[] = []; // s = t·d
  const ro: number[] = [];
  let hDiag = 1;
  let d = new Float64Array(x.length);
  let t = 0;
  let prevGrad = grad;
  let iterations = 0;
  while (iterations < opts.maxIter) {
    throwIfAborted(opts.signal);
    iterations++;
    if (iterations === 1) {
      d = grad.map((v) => -v);
    } else {
      const y = grad.map((v, i) => v - prevGrad[i]!);
      const s = d.map((v) => v * t);
      const ys = dot(y, s);
      if (ys > 1e-10) {
        if (dirs.length === historySize) {
          dirs.shift();
          steps.shift();
          ro.shift();
        }
        dirs.push(y);
        steps.push(s);
        ro.push(1 / ys);
        hDiag = ys / dot(y, y);
      }
      // Two-loop recursion: d = −H·g.
      const al = new Array<number>(dirs.length);
      const q = grad.map((v) => -v);
      for (let i = dirs.length - 1; i >= 0; i--) {
        al[i] = dot(steps[i]!, q) * ro[i]!;
        const yi = dirs[i]!;
        for (let j = 0; j < q.length; j++) q[j]! -= al[i]! * yi[j]!;
      }
      for (let j = 0; j < q.length; j++) q[j]! *= hDiag;
      for (let i = 0; i < dirs.length; i++) {
        const be = dot(dirs[i]!, q) * ro[i]!;
        const si = steps[i]!;
        for (let j = 0; j < q.length; j++) q[j]! += si[j]! * (al[i]! - be);
      }
      d = q;
    }
    prevGrad = grad;
    const prevLoss = loss;
    if (iterations === 1) {
      let l1 = 0;
      for (let i = 0; i < grad.length; i++) l1 += Math.abs(grad[i]!);
      t = Math.min(1, 1 / l1) * lr;
    } else {
      t = lr;
    }
    const gtd = dot(grad, d);
    expectedDecrease = -gtd;
    if (gtd > -tolChange) {
      stopReason = 'no-descent'; // not a descent direction any more
      break;
    }

    const ls = await strongWolfe(fn, x, t, d, loss, grad, gtd, tolChange);
    t = ls.t;
    x = axpy(x, t, d);
    loss = ls.f;
    grad = ls.g;
    evaluations += ls.evals;
    lineSearchFailed = !ls.ok;
    opts.onIteration?.(iterations, loss);

    if (maxAbs(grad) <= tolGrad) {
      stopReason = 'gradient';
      break;
    }
    if (evaluations >= maxEval) {
      stopReason = 'max-eval';
      break;
    }
    if (maxAbs(d) * Math.abs(t) <= tolChange) {
      stopReason = 'step';
      break;
    }
    if (Math.abs(loss - prevLoss) < tolChange) {
      stopReason = 'loss-change';
      break;
    }
  }
  return {
    x,
    loss,
    iterations,
    evaluations,
    stopReason,
    lineSearchFailed,
    grad,
    gradMax: maxAbs(grad),
    expectedDecrease,
  };
}
