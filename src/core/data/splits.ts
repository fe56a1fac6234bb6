/** Seeded, stratified splits: every class keeps its share in each part, and the same seed gives the same split. */
import { ProbescopeError } from '../errors';
import { createRng } from '../probes/rng';

/**
 * The row indices of each label, in row order, one Uint32Array per label (4 bytes a row, outside the JS heap: on
 * millions of rows a growing number[] per class holds 8 bytes a row and leaves copies for the GC). Map order = first
 * occurrence. Two passes over `labels`: count, then fill.
 */
export function rowsByLabel(labels: ArrayLike<string>): Map<string, Uint32Array> {
  return rowsByKey(labels.length, (i) => labels[i]);
}

/** rowsByLabel over the keys keyOf(0) … keyOf(n − 1) (no array of them is built). */
export function rowsByKey(n: number, keyOf: (i: number) => string): Map<string, Uint32Array> {
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) counts.set(keyOf(i), (counts.get(keyOf(i)) ?? 0) + 1);
  const rows = new Map<string, Uint32Array>();
  const fill = new Map<string, number>();
  for (const [l, c] of counts) {
    rows.set(l, new Uint32Array(c));
    fill.set(l, 0);
  }
  for (let i = 0; i < n; i++) {
    const key = keyOf(i);
    const at = fill.get(key)!;
    rows.get(key)![at] = i;
    fill.set(key, at + 1);
  }
  return rows;
}

/**
 * The rows marked 0 and the rows marked 1 in `side` (one byte a row), each list ascending, in exact-size typed arrays
 * (4 bytes a row, outside the JS heap; no push-and-grow, no sort: the same lists as pushing the indices and sorting).
 */
export function rowsBySide(side: Uint8Array, ones: number): [Uint32Array, Uint32Array] {
  const zero = new Uint32Array(side.length - ones);
  const one = new Uint32Array(ones);
  let z = 0;
  let o = 0;
  for (let i = 0; i < side.length; i++) {
    if (side[i] === 1) one[o++] = i;
    else zero[z++] = i;
  }
  return [zero, one];
}

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
 * two or more rows). Both index lists come back sorted, as typed arrays (4 bytes a row).
 */
export function stratifiedSplit(
  labels: readonly string[],
  testFraction: number,
  seed: number,
): { train: Uint32Array; test: Uint32Array } {
  return stratifiedSplitBy(labels.length, (i) => labels[i], testFraction, seed);
}

/** stratifiedSplit over the labels labelOf(0) … labelOf(n − 1), without an array of them. */
export function stratifiedSplitBy(
  n: number,
  labelOf: (i: number) => string,
  testFraction: number,
  seed: number,
): { train: Uint32Array; test: Uint32Array } {
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new ProbescopeError('BAD_ARGUMENT', `Test split must be between 0 and 1 (exclusive); got ${testFraction}.`);
  }
  const rng = createRng(seed);
  // Typed per-class lists and a one-byte side per row: on millions of rows, no growing number[] (see rowsByLabel).
  const side = new Uint8Array(n);
  let tests = 0;
  const groups = rowsByKey(n, labelOf);
  for (const key of [...groups.keys()].sort()) {
    const idx = rng.shuffle(groups.get(key)!); // the map is local: shuffle its list in place
    let nTest = Math.round(idx.length * testFraction);
    if (nTest === 0 && idx.length >= 2) nTest = 1;
    if (nTest === idx.length && idx.length >= 2) nTest = idx.length - 1;
    for (let k = 0; k < nTest; k++) side[idx[k]] = 1;
    tests += nTest;
  }
  const [train, test] = rowsBySide(side, tests);
  return { train, test };
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
