/**
 * Several seeds on one split: per-seed metrics, mean ± sample standard deviation (n − 1) of every test metric, and
 * the seed whose probe is saved: the lowest validation loss, or the lowest training loss when there is no
 * validation set (never the test split).
 */
import type { SeedRun, SeedsSummary, SplitMetrics } from '../../protocol/types';
import { flatMetrics } from '../evaluation';

/** Flat scalar test metrics of one split (accuracy, …, recall_at_fpr_0.01) for averaging. */
function scalars(m: SplitMetrics): Record<string, number> {
  const out: Record<string, number> = {
    accuracy: m.accuracy,
    ...flatMetrics({
      accuracy: m.accuracy,
      balanced_accuracy: m.balanced_accuracy ?? NaN,
      f1: m.f1 ?? NaN,
      roc_auc: m.roc_auc,
      log_loss: m.log_loss ?? NaN,
      brier: m.brier ?? NaN,
      recall_at_fpr: m.recall_at_fpr,
    }),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined && Number.isFinite(v)));
}

/** Index of the run to keep, and the rule used. */
export function selectSeed(runs: SeedRun[]): { index: number; by: SeedsSummary['selectedBy'] } {
  const byVal = runs.every((r) => r.validation?.loss !== undefined);
  const key = (r: SeedRun) => (byVal ? r.validation!.loss! : (r.train.loss ?? Infinity));
  let index = 0;
  runs.forEach((r, i) => {
    if (key(r) < key(runs[index])) index = i;
  });
  return { index, by: byVal ? 'validation loss' : 'train loss' };
}

export function summarizeSeeds(runs: SeedRun[]): SeedsSummary {
  const { index, by } = selectSeed(runs);
  const per = runs.map((r) => scalars(r.test));
  const names = Object.keys(per[0] ?? {}).filter((k) => per.every((p) => p[k] !== undefined));
  const mean: Record<string, number> = {};
  const sd: Record<string, number> = {};
  for (const k of names) {
    const xs = per.map((p) => p[k]);
    // Seeds that agree exactly (convex LBFGS fits often do) have that value as mean and sd 0, not a rounding residue.
    const same = xs.every((x) => x === xs[0]);
    const mu = same ? xs[0] : xs.reduce((a, b) => a + b, 0) / xs.length;
    mean[k] = mu;
    sd[k] = same ? 0 : xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mu) ** 2, 0) / (xs.length - 1)) : 0;
  }
  return { seeds: runs.map((r) => r.seed), selectedSeed: runs[index].seed, selectedBy: by, mean, sd, runs };
}
