/** Split metrics for probes: logits → the evaluation subsystem's metrics and intervals, confusion, entropy ratio. */
import type { SplitMetrics } from '../../protocol/types';
import { bootstrapIntervals, MetricEngine, rocCurve, type BootstrapOptions } from '../evaluation';

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** Class probabilities from logits [B*C]: sigmoid for C=1 (→ 2 columns), softmax otherwise. Returns [B][K]. */
export function probabilities(logits: ArrayLike<number>, C: number): number[][] {
  const B = logits.length / C;
  const out: number[][] = [];
  for (let i = 0; i < B; i++) {
    if (C === 1) {
      const p = sigmoid(logits[i]);
      out.push([1 - p, p]);
      continue;
    }
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, logits[i * C + c]);
    const e = Array.from({ length: C }, (_, c) => Math.exp(logits[i * C + c] - max));
    const s = e.reduce((a, b) => a + b, 0);
    out.push(e.map((x) => x / s));
  }
  return out;
}

export function argmax(xs: number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
}

/** ROC-AUC as the Mann–Whitney U statistic with average ranks for ties (a tie counts half). */
export function rocAuc(scores: ArrayLike<number>, positive: ArrayLike<boolean>): number | undefined {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  const ranks = new Float64Array(n);
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = avg;
    i = j + 1;
  }
  let nPos = 0;
  let rankSum = 0;
  for (let i = 0; i < n; i++) {
    if (positive[i]) {
      nPos++;
      rankSum += ranks[i];
    }
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return undefined;
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/**
 * Mean over examples (with ≥ 2 valid tokens) and heads of the attention entropy divided by its maximum log(#valid):
 * 1 = uniform (mean-like), near 0 = focused on one token. attention is [B*S*H], mask [B*S].
 */
export function entropyRatio(
  attention: Float32Array,
  mask: Float32Array,
  B: number,
  S: number,
  H: number,
): number | undefined {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < B; i++) {
    let valid = 0;
    for (let t = 0; t < S; t++) valid += mask[i * S + t] > 0 ? 1 : 0;
    if (valid < 2) continue;
    const maxEnt = Math.log(valid);
    for (let h = 0; h < H; h++) {
      let ent = 0;
      for (let t = 0; t < S; t++) {
        if (!(mask[i * S + t] > 0)) continue;
        const p = attention[(i * S + t) * H + h];
        if (p > 0) ent -= p * Math.log(p);
      }
      sum += ent / maxEnt;
      count++;
    }
  }
  return count > 0 ? sum / count : undefined;
}

/** Same ratio from per-example attention rows ([length*H] each, valid tokens only). */
export function entropyRatioOf(rows: { att: Float32Array; length: number }[], H: number): number | undefined {
  const terms = new Float64Array(rows.length * H);
  rows.forEach(({ att, length }, i) => entropyTermsInto(att, 0, length, H, terms, i * H));
  return meanOfTerms(terms);
}

/**
 * One example's terms of entropyRatioOf: per head h, H(p_h) / log(length) into out[at + h], from attention `att`
 * laid out [token][head] from `offset`; NaN (no term) when length < 2. Lets a pass over many examples keep H numbers
 * per example instead of their attention rows.
 */
export function entropyTermsInto(
  att: ArrayLike<number>,
  offset: number,
  length: number,
  H: number,
  out: Float64Array,
  at: number,
): void {
  if (length < 2) {
    out.fill(NaN, at, at + H);
    return;
  }
  const maxEnt = Math.log(length);
  for (let h = 0; h < H; h++) {
    let ent = 0;
    for (let t = 0; t < length; t++) {
      const p = att[offset + t * H + h];
      if (p > 0) ent -= p * Math.log(p);
    }
    out[at + h] = ent / maxEnt;
  }
}

/** Mean of the terms that are not NaN, summed in order (entropyRatioOf's sum); undefined when there are none. */
export function meanOfTerms(terms: Float64Array): number | undefined {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < terms.length; i++)
    if (!Number.isNaN(terms[i])) {
      sum += terms[i];
      count++;
    }
  return count > 0 ? sum / count : undefined;
}

export interface MetricsInput {
  classes: string[];
  /** True class index per example. */
  labels: ArrayLike<number>;
  /** [B*C] with C = 1 for two classes. */
  logits: ArrayLike<number>;
  loss?: number;
  entropyRatio?: number;
  /** Bootstrap intervals (default: 1,000 seeded resamples); false to skip them. */
  bootstrap?: BootstrapOptions | false;
}

/** At most this many ROC points are kept in metrics (first and last always). */
const ROC_POINTS = 201;

function thinRoc(r: { fpr: number[]; tpr: number[] }): { fpr: number[]; tpr: number[] } {
  if (r.fpr.length <= ROC_POINTS) return r;
  const keep = Array.from({ length: ROC_POINTS }, (_, j) => Math.round((j * (r.fpr.length - 1)) / (ROC_POINTS - 1)));
  return { fpr: keep.map((i) => r.fpr[i]), tpr: keep.map((i) => r.tpr[i]) };
}

/** Flattened probabilities [n*K] (K = 2 for one logit) from logits [n*C]. */
export function probabilityMatrix(logits: ArrayLike<number>, C: number): Float64Array {
  // probabilities() row by row, written straight into one array: no JS array per example (large splits).
  const B = logits.length / C;
  const K = C === 1 ? 2 : C;
  const out = new Float64Array(B * K);
  const e = new Float64Array(K);
  for (let i = 0; i < B; i++) {
    if (C === 1) {
      const p = sigmoid(logits[i]);
      out[2 * i] = 1 - p;
      out[2 * i + 1] = p;
      continue;
    }
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, logits[i * C + c]);
    let s = 0;
    for (let c = 0; c < C; c++) s += e[c] = Math.exp(logits[i * C + c] - max);
    for (let c = 0; c < C; c++) out[i * K + c] = e[c] / s;
  }
  return out;
}

/**
 * Per-class ranking scores [n*K] from logits [n*C]: the log-odds of p_k, s_k = z_k − logsumexp_{j≠k} z_j (one logit
 * z: s_1 = z, s_0 = −z). s_k orders examples exactly as p_k does, but keeps them apart where p_k rounds to 1 or 0 (a
 * well-separated probe's logits of ±40 and beyond), so ROC-AUC and recall at a fixed FPR are not decided by rounding
 * ties of the probabilities.
 */
export function logOddsMatrix(logits: ArrayLike<number>, C: number): Float64Array {
  const K = C === 1 ? 2 : C;
  const n = Math.floor(logits.length / C);
  const out = new Float64Array(n * K);
  for (let i = 0; i < n; i++) {
    if (C === 1) {
      out[i * 2] = -logits[i];
      out[i * 2 + 1] = logits[i];
      continue;
    }
    for (let k = 0; k < C; k++) {
      let m = -Infinity;
      for (let j = 0; j < C; j++) if (j !== k) m = Math.max(m, logits[i * C + j]);
      let sum = 0;
      for (let j = 0; j < C; j++) if (j !== k) sum += Math.exp(logits[i * C + j] - m);
      out[i * K + k] = logits[i * C + k] - (m + Math.log(sum));
    }
  }
  return out;
}

/**
 * Every metric of a split (definitions in src/core/evaluation/classificationMetrics.ts) with 95 % bootstrap
 * intervals, per-class accuracy (null for a class without rows), the confusion matrix and, for binary probes, the ROC
 * curve. An empty split gives { n: 0, accuracy: 0 } only.
 */
export function splitMetrics(input: MetricsInput): SplitMetrics {
  const K = input.classes.length;
  const C = K === 2 ? 1 : K;
  const probs = probabilityMatrix(input.logits, C);
  const n = input.labels.length;
  if (n === 0) return { n: 0, accuracy: 0 };
  const rankScores = logOddsMatrix(input.logits, C);
  const engine = new MetricEngine({ labels: input.labels, probs, rankScores, K });
  const v = engine.evaluate();
  const confusion = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (probs[i * K + k] > probs[i * K + best]) best = k;
    confusion[input.labels[i]][best]++;
  }
  const m: SplitMetrics = { n, accuracy: v.accuracy };
  if (input.loss !== undefined) m.loss = input.loss;
  m.f1 = v.f1;
  if (v.roc_auc !== undefined) m.roc_auc = v.roc_auc;
  m.balanced_accuracy = v.balanced_accuracy;
  m.log_loss = v.log_loss;
  m.brier = v.brier;
  if (v.recall_at_fpr) m.recall_at_fpr = v.recall_at_fpr;
  if (K > 2) {
    m.per_class_accuracy = {};
    input.classes.forEach((c, k) => {
      const total = confusion[k].reduce((a, b) => a + b, 0);
      m.per_class_accuracy![c] = total > 0 ? confusion[k][k] / total : null;
    });
  }
  m.confusion = confusion;
  if (input.entropyRatio !== undefined) m.entropy_ratio = input.entropyRatio;
  if (input.bootstrap !== false) m.ci95 = bootstrapIntervals(engine, input.bootstrap ?? {});
  if (K === 2)
    m.roc = thinRoc(
      rocCurve(
        Float64Array.from({ length: n }, (_, i) => rankScores[i * K + 1]),
        Uint8Array.from({ length: n }, (_, i) => (input.labels[i] === 1 ? 1 : 0)),
      ),
    );
  return m;
}
