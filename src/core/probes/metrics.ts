/** Test-set metrics: accuracy, F1 and ROC-AUC (binary), per-class accuracy + confusion (multiclass), entropy ratio. */
import type { SplitMetrics } from '../../protocol/types';

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
  let sum = 0;
  let count = 0;
  for (const { att, length } of rows) {
    if (length < 2) continue;
    const maxEnt = Math.log(length);
    for (let h = 0; h < H; h++) {
      let ent = 0;
      for (let t = 0; t < length; t++) {
        const p = att[t * H + h];
        if (p > 0) ent -= p * Math.log(p);
      }
      sum += ent / maxEnt;
      count++;
    }
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
}

export function splitMetrics(input: MetricsInput): SplitMetrics {
  const K = input.classes.length;
  const C = K === 2 ? 1 : K;
  const probs = probabilities(input.logits, C);
  const n = probs.length;
  const confusion = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const pred = argmax(probs[i]);
    confusion[input.labels[i]][pred]++;
    if (pred === input.labels[i]) correct++;
  }
  const m: SplitMetrics = { n, accuracy: n > 0 ? correct / n : 0 };
  if (input.loss !== undefined) m.loss = input.loss;
  if (K === 2) {
    // Positive class = the second class in sorted order ("1", or e.g. "pos" after "neg").
    const tp = confusion[1][1];
    const fp = confusion[0][1];
    const fn = confusion[1][0];
    m.f1 = tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
    const auc = rocAuc(
      probs.map((p) => p[1]),
      Array.from({ length: n }, (_, i) => input.labels[i] === 1),
    );
    if (auc !== undefined) m.roc_auc = auc;
  } else {
    m.per_class_accuracy = {};
    input.classes.forEach((c, k) => {
      const total = confusion[k].reduce((a, b) => a + b, 0);
      m.per_class_accuracy![c] = total > 0 ? confusion[k][k] / total : 0;
    });
  }
  m.confusion = confusion;
  if (input.entropyRatio !== undefined) m.entropy_ratio = input.entropyRatio;
  return m;
}
