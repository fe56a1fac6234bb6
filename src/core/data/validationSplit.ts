/**
 * The validation rows carved out of a training split (for early stopping and curves). Never more than its fraction:
 * at most floor(fraction · n) rows, given to classes by largest remainder of n_c · fraction (ties: the larger class,
 * then label order), never a class's last training row. When some class would get no validation row within that
 * budget (many classes of 2–3 rows), there is no validation at all and `skipped` says why: early stopping on a
 * validation set missing whole classes would choose by the wrong target, and giving each class a row would take far
 * more than the fraction (half the rows with 2-row classes).
 */
import { createRng } from '../probes/rng';
import { rowsByKey, rowsBySide } from './splits';

export interface ValidationSplit {
  /** Positions into `labels`, sorted (4 bytes a row). */
  train: Uint32Array;
  validation: Uint32Array;
  /** Why there is no validation set (one sentence for logs and panels); absent when there is one. */
  skipped?: string;
}

export function validationSplit(labels: readonly string[], fraction: number, seed: number): ValidationSplit {
  return validationSplitBy(labels.length, (i) => labels[i], fraction, seed);
}

/** validationSplit over the labels labelOf(0) … labelOf(n − 1), without an array of them (a view of a subset). */
export function validationSplitBy(
  n: number,
  labelOf: (i: number) => string,
  fraction: number,
  seed: number,
): ValidationSplit {
  // Typed per-class lists (4 bytes a row) and a one-byte side per row: no growing number[] on millions of rows.
  const groups = rowsByKey(n, labelOf);
  const keys = [...groups.keys()].sort();
  const budget = Math.floor(fraction * n);
  const quota = new Map(
    keys.map((k) => [k, Math.min(groups.get(k)!.length - 1, Math.floor(groups.get(k)!.length * fraction))]),
  );
  let used = [...quota.values()].reduce((a, b) => a + b, 0);
  const byRemainder = keys
    .map((k) => ({
      k,
      rem: groups.get(k)!.length * fraction - Math.floor(groups.get(k)!.length * fraction),
      size: groups.get(k)!.length,
    }))
    .sort((a, b) => b.rem - a.rem || b.size - a.size || (a.k < b.k ? -1 : 1));
  for (const { k, size } of byRemainder) {
    if (used >= budget) break;
    if (quota.get(k)! < size - 1) {
      quota.set(k, quota.get(k)! + 1);
      used++;
    }
  }
  const empty = keys.filter((k) => quota.get(k) === 0);
  if (empty.length > 0) {
    const smallest = empty.reduce((a, b) => (groups.get(a)!.length <= groups.get(b)!.length ? a : b));
    return {
      train: Uint32Array.from({ length: n }, (_, i) => i),
      validation: new Uint32Array(0),
      skipped:
        `no validation set: ${empty.length} of ${keys.length} classes would get no validation row within ` +
        `${Math.round(fraction * 100)} % of the ${n} training rows (e.g. "${smallest}" has ${groups.get(smallest)!.length}); ` +
        'training runs its full schedule on all training rows, without early stopping',
    };
  }
  const rng = createRng(seed);
  const side = new Uint8Array(n);
  let picked = 0;
  for (const k of keys) {
    const idx = rng.shuffle(groups.get(k)!); // the map is local: shuffle its list in place
    const q = quota.get(k)!;
    for (let j = 0; j < q; j++) side[idx[j]] = 1;
    picked += q;
  }
  const [train, validation] = rowsBySide(side, picked);
  return { train, validation };
}
