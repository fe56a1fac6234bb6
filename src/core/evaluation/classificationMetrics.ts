/**
 * Classification metrics with known definitions, computed on *weighted* examples so that one code path serves the
 * point estimate (every weight 1) and each bootstrap resample (weight = how often the example was drawn).
 *
 * Definitions (scikit-learn's, unless said otherwise; n = Σ weights):
 * - accuracy            Σ w·[pred = y] / n
 * - balanced_accuracy   mean over classes with support of recall_k  (sklearn balanced_accuracy_score)
 * - f1                  binary: F1 of the positive class (class index 1); multiclass: macro F1 over the classes that
 *                       occur in the labels or the predictions, F1_k = 2TP/(2TP+FP+FN)  (sklearn f1_score)
 * - roc_auc             binary: Mann–Whitney U / (P·N) with ties counting ½; multiclass: one-vs-rest macro mean over
 *                       classes that have both positives and negatives (sklearn roc_auc_score multi_class='ovr')
 * - log_loss            −Σ w·log p_y / n with p clipped to [1e-15, 1]
 * - brier               binary: Σ w·(p₁ − y)² / n (sklearn brier_score_loss); multiclass: Σ w·Σ_k (p_k − [y=k])² / n
 *                       (Brier 1950's multi-category score)
 * - recall_at_fpr[α]    binary: the largest TPR over decision thresholds "score ≥ t" (t over the distinct scores and
 *                       +∞) whose FPR ≤ α — the ROC point a monitor at that false-positive budget would run at.
 * Predictions are argmax of the probabilities (ties → the lower class index). ROC-AUC, recall_at_fpr and the ROC curve
 * rank examples by `rankScores` when given (the log-odds of p_k from the logits: the same order as p_k, without the
 * ties that rounding p_k to exactly 1 or 0 creates for well-separated probes), else by the probabilities.
 */
import { ProbescopeError } from '../errors';
import { argsortAscending } from './argsort';

/** FPR budgets reported for binary probes, as the JSON keys of recall_at_fpr. */
export const FPR_TARGETS = [0.01, 0.05] as const;

export interface Predictions {
  /** Class index per example, in [0, K). */
  labels: ArrayLike<number>;
  /** Probabilities [n*K], row-major, rows summing to 1. K = 2 for binary probes. */
  probs: ArrayLike<number>;
  /** Optional [n*K] scores ranked instead of probs for ROC-AUC and recall_at_fpr; per class k they must order the
   * examples as probs[:,k] does (logOddsMatrix in probes/metrics.ts). */
  rankScores?: ArrayLike<number>;
  K: number;
}

/** Metric values; a field is absent where it is undefined (e.g. ROC-AUC with one class present). */
export interface MetricValues {
  accuracy: number;
  balanced_accuracy: number;
  f1: number;
  roc_auc?: number;
  log_loss: number;
  brier: number;
  /** Binary only; keys are FPR_TARGETS as strings ("0.01", "0.05"). */
  recall_at_fpr?: Record<string, number>;
}

/** Flat metric names used for intervals: the MetricValues fields plus "recall_at_fpr_0.01" etc. */
export function flatMetrics(v: MetricValues): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'number') out[k] = x;
    else if (x && typeof x === 'object')
      for (const [a, y] of Object.entries(x as Record<string, number>)) out[`${k}_${a}`] = y;
  }
  return out;
}

const EPS = 1e-15;

/**
 * Precomputes everything that does not depend on the weights (predictions, per-example loss terms, the examples
 * sorted by each class's score), so that `evaluate(weights)` is O(n·K).
 */
export class MetricEngine {
  readonly n: number;
  readonly K: number;
  private readonly y: Int32Array;
  private readonly pred: Int32Array;
  private readonly nll: Float64Array;
  private readonly brierTerm: Float64Array;
  /** Per class k (only k = 1 for binary): examples sorted by rankScores (else probs)[:,k] ascending, with tie groups. */
  private readonly orders: SortedScores[];
  private ones?: Float64Array;

  constructor(p: Predictions) {
    const { K } = p;
    const n = p.labels.length;
    if (K < 2) throw new ProbescopeError('INTERNAL', `Metrics need at least two classes (got K=${K}).`);
    if (p.probs.length !== n * K)
      throw new ProbescopeError('INTERNAL', `probs has ${p.probs.length} values; expected n·K = ${n * K}.`);
    if (p.rankScores && p.rankScores.length !== n * K)
      throw new ProbescopeError('INTERNAL', `rankScores has ${p.rankScores.length} values; expected n·K = ${n * K}.`);
    this.n = n;
    this.K = K;
    this.y = Int32Array.from(p.labels);
    this.pred = new Int32Array(n);
    this.nll = new Float64Array(n);
    this.brierTerm = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const y = this.y[i];
      if (!(y >= 0 && y < K)) throw new ProbescopeError('INTERNAL', `Label ${y} of example ${i} is not in [0, ${K}).`);
      let best = 0;
      let b = 0;
      for (let k = 0; k < K; k++) {
        const pk = p.probs[i * K + k];
        if (pk > p.probs[i * K + best]) best = k;
        const t = k === y ? 1 : 0;
        b += (pk - t) * (pk - t);
      }
      this.pred[i] = best;
      this.nll[i] = -Math.log(Math.min(1, Math.max(EPS, p.probs[i * K + y])));
      // Binary Brier is (p₁ − y)², half the two-column sum.
      this.brierTerm[i] = K === 2 ? b / 2 : b;
    }
    const classes = K === 2 ? [1] : Array.from({ length: K }, (_, k) => k);
    this.orders = classes.map((k) => sortedScores(k, this.y, p.rankScores ?? p.probs, K));
  }

  /** Class index per example (as given). */
  get labels(): Int32Array {
    return this.y;
  }

  /** Metrics with example weights (default: all 1). Weights must be ≥ 0 with a positive sum. */
  evaluate(weights?: ArrayLike<number>): MetricValues {
    const { n, K, y, pred } = this;
    const w = weights ?? (this.ones ??= new Float64Array(n).fill(1));
    const conf = new Float64Array(K * K);
    let total = 0;
    let nll = 0;
    let brier = 0;
    for (let i = 0; i < n; i++) {
      const wi = w[i];
      if (wi === 0) continue;
      total += wi;
      conf[y[i] * K + pred[i]] += wi;
      nll += wi * this.nll[i];
      brier += wi * this.brierTerm[i];
    }
    if (!(total > 0)) throw new ProbescopeError('INTERNAL', 'Metrics of an empty (zero-weight) set.');
    let correct = 0;
    let recallSum = 0;
    let withSupport = 0;
    let f1Sum = 0;
    let f1Count = 0;
    const f1Of = new Float64Array(K);
    const support = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      let predicted = 0;
      for (let j = 0; j < K; j++) {
        support[k] += conf[k * K + j];
        predicted += conf[j * K + k];
      }
      const tp = conf[k * K + k];
      correct += tp;
      if (support[k] > 0) {
        recallSum += tp / support[k];
        withSupport++;
      }
      const denom = support[k] + predicted; // = 2TP + FP + FN
      f1Of[k] = denom > 0 ? (2 * tp) / denom : 0;
      if (denom > 0) {
        f1Sum += f1Of[k];
        f1Count++;
      }
    }
    const out: MetricValues = {
      accuracy: correct / total,
      balanced_accuracy: recallSum / withSupport,
      f1: K === 2 ? f1Of[1] : f1Count > 0 ? f1Sum / f1Count : 0,
      log_loss: nll / total,
      brier: brier / total,
    };
    let aucSum = 0;
    let aucCount = 0;
    for (const o of this.orders) {
      const P = support[o.k];
      const N = total - P;
      if (P === 0 || N === 0) continue;
      aucSum += weightedAuc(o, w, P, N);
      aucCount++;
      if (K === 2) out.recall_at_fpr = recallAtFpr(o, w, P, N, FPR_TARGETS);
    }
    if (aucCount > 0) out.roc_auc = aucSum / aucCount;
    return out;
  }
}

/** One class's examples sorted by its score: tie groups are [groupStart[g], groupStart[g+1]). */
interface SortedScores {
  k: number;
  order: Int32Array;
  /** 1 where the example at that sorted position belongs to class k. */
  positive: Uint8Array;
  groupStart: Int32Array;
}

function sortedScores(k: number, labels: Int32Array, probs: ArrayLike<number>, K: number): SortedScores {
  const n = labels.length;
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) scores[i] = probs[i * K + k];
  const order = argsortAscending(scores);
  const positive = Uint8Array.from(order, (i) => (labels[i] === k ? 1 : 0));
  const starts: number[] = [];
  for (let a = 0; a < n; a++) if (a === 0 || probs[order[a] * K + k] !== probs[order[a - 1] * K + k]) starts.push(a);
  starts.push(n);
  return { k, order, positive, groupStart: Int32Array.from(starts) };
}

/** Weighted Mann–Whitney AUC, walking tie groups in ascending score order: Σ_g wp_g·(neg below + ½ wn_g) / (P·N). */
function weightedAuc(o: SortedScores, w: ArrayLike<number>, P: number, N: number): number {
  const { order, positive, groupStart } = o;
  let negBelow = 0;
  let u = 0;
  for (let g = 0; g + 1 < groupStart.length; g++) {
    let gp = 0;
    let gn = 0;
    for (let a = groupStart[g]; a < groupStart[g + 1]; a++) {
      const wi = w[order[a]];
      if (positive[a]) gp += wi;
      else gn += wi;
    }
    u += gp * (negBelow + 0.5 * gn);
    negBelow += gn;
  }
  return u / (P * N);
}

/** Highest TPR among thresholds (whole tie groups, descending scores) whose FPR ≤ α, for each α. */
function recallAtFpr(
  o: SortedScores,
  w: ArrayLike<number>,
  P: number,
  N: number,
  alphas: readonly number[],
): Record<string, number> {
  const { order, positive, groupStart } = o;
  const best = alphas.map(() => 0);
  const maxAlpha = Math.max(...alphas);
  let tp = 0;
  let fp = 0;
  for (let g = groupStart.length - 2; g >= 0; g--) {
    for (let a = groupStart[g]; a < groupStart[g + 1]; a++) {
      const wi = w[order[a]];
      if (positive[a]) tp += wi;
      else fp += wi;
    }
    // Small tolerance: fp/N ≤ α with integer weights, without float noise at the boundary.
    if (fp > maxAlpha * N * (1 + 1e-12)) break;
    for (let j = 0; j < alphas.length; j++) if (fp <= alphas[j] * N * (1 + 1e-12)) best[j] = tp / P;
  }
  return Object.fromEntries(alphas.map((a, j) => [String(a), best[j]]));
}

/**
 * The ROC curve of a binary problem: one (fpr, tpr) point per distinct threshold, from (0,0) to (1,1). `positive`:
 * true or 1 per positive example (a Uint8Array keeps large splits compact).
 */
export function rocCurve(
  scores: ArrayLike<number>,
  positive: ArrayLike<boolean | number>,
): { fpr: number[]; tpr: number[] } {
  const n = scores.length;
  // Descending scores: ascending order walked from the end (the order inside a tie group does not matter).
  const order = argsortAscending(scores).reverse();
  let P = 0;
  for (let i = 0; i < n; i++) if (positive[i]) P++;
  const N = n - P;
  let groups = 0;
  for (let a = 0; a < n; a++) if (a === 0 || scores[order[a]] !== scores[order[a - 1]]) groups++;
  const fpr = new Float64Array(groups + 1);
  const tpr = new Float64Array(groups + 1);
  let tp = 0;
  let fp = 0;
  for (let a = 0, g = 1; a < n; g++) {
    let b = a;
    while (b < n && scores[order[b]] === scores[order[a]]) {
      if (positive[order[b]]) tp++;
      else fp++;
      b++;
    }
    fpr[g] = N > 0 ? fp / N : 0;
    tpr[g] = P > 0 ? tp / P : 0;
    a = b;
  }
  return { fpr: Array.from(fpr), tpr: Array.from(tpr) };
}
