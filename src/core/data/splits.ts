/** Seeded, stratified splits: every class keeps its share in each part, and the same seed gives the same split. */
import { ProbescopeError } from '../errors';
import { createRng } from '../probes/rng';

function groupsByLabel(labels: readonly string[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  labels.forEach((l, i) => {
    const g = groups.get(l);
    if (g) g.push(i);
    else groups.set(l, [i]);
  });
  return groups;
}

/**
 * Splits indices into train/test with round(n_c · testFraction) test rows per class (at least one when the class has
 * two or more rows). Both index lists come back sorted.
 */
export function stratifiedSplit(
  labels: readonly string[],
  testFraction: number,
  seed: number,
): { train: number[]; test: number[] } {
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new ProbescopeError('BAD_ARGUMENT', `Test split must be between 0 and 1 (exclusive); got ${testFraction}.`);
  }
  const rng = createRng(seed);
  const train: number[] = [];
  const test: number[] = [];
  const groups = groupsByLabel(labels);
  for (const key of [...groups.keys()].sort()) {
    const idx = rng.shuffle(groups.get(key)!); // the map is local: shuffle its list in place
    let nTest = Math.round(idx.length * testFraction);
    if (nTest === 0 && idx.length >= 2) nTest = 1;
    if (nTest === idx.length && idx.length >= 2) nTest = idx.length - 1;
    for (let k = 0; k < idx.length; k++) (k < nTest ? test : train).push(idx[k]); // no push(...): 100k+ rows overflow the stack
  }
  return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
}

/** Stratified k folds: returns k disjoint index lists covering all indices; each class is dealt round-robin. */
export function kFold(labels: readonly string[], k: number, seed: number): number[][] {
  if (!Number.isInteger(k) || k < 2) throw new ProbescopeError('BAD_ARGUMENT', `k-fold needs k ≥ 2; got ${k}.`);
  const rng = createRng(seed);
  const folds: number[][] = Array.from({ length: k }, () => []);
  const groups = groupsByLabel(labels);
  let offset = 0;
  for (const key of [...groups.keys()].sort()) {
    const idx = rng.shuffle(groups.get(key)!.slice());
    // Continue dealing where the previous class stopped so fold sizes stay balanced.
    idx.forEach((v, j) => folds[(offset + j) % k].push(v));
    offset = (offset + idx.length) % k;
  }
  return folds.map((f) => f.sort((a, b) => a - b));
}
