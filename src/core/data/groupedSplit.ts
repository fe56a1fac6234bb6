/**
 * Group-aware stratified splits: rows with identical text form one group, and a group is never divided between train
 * and test, so a duplicated row cannot be "memorised" in train and scored in test (scikit-learn's
 * StratifiedGroupKFold idea, reduced to one held-out part). Without duplicates this is exactly stratifiedSplit.
 */
import { ProbescopeError } from '../errors';
import { createRng } from '../probes/rng';
import { kFold, rowsByKey, rowsBySide, stratifiedSplitBy } from './splits';
import { validationSplitBy, type ValidationSplit } from './validationSplit';

/** Group id per row: rows with the same text share an id (ids numbered by first occurrence). */
export function textGroups(texts: readonly string[]): number[] {
  const ids = new Map<string, number>();
  return texts.map((t) => {
    let id = ids.get(t);
    if (id === undefined) ids.set(t, (id = ids.size));
    return id;
  });
}

/**
 * The rows of each group as one compressed list (CSR): group k (k-th group to appear, in row order) holds
 * rows[start[k] … start[k + 1]), ascending. 4 bytes a row plus 8 a group, typed arrays outside the JS heap: a
 * Map of one number[] per group costs ≈ 100 bytes a row on millions of rows.
 */
interface GroupMembers {
  count: number;
  start: Uint32Array;
  rows: Uint32Array;
}

/**
 * Dense index per row (0, 1, 2 … in order of first appearance) and the number of groups. Ids already numbered so
 * (textGroups, groupsByKey: each new id is one more than the largest so far) are used as they are, without a copy.
 * Other ids that are non-negative integers below 4n + 1024 (their subsets) go through a typed lookup table; any other
 * id through a Map.
 */
function denseIds(groups: ArrayLike<number>): { dense: ArrayLike<number>; count: number } {
  const n = groups.length;
  let max = -1;
  let numbered = true;
  let small = true;
  for (let i = 0; i < n && small; i++) {
    const g = groups[i];
    if (!Number.isInteger(g) || g < 0 || g >= 4 * n + 1024) small = false;
    else {
      if (g > max + 1) numbered = false;
      if (g > max) max = g;
    }
  }
  if (small && numbered) return { dense: groups, count: max + 1 };
  const dense = new Uint32Array(n);
  let count = 0;
  if (small) {
    const seen = new Int32Array(max + 1).fill(-1);
    for (let i = 0; i < n; i++) {
      const g = groups[i];
      if (seen[g] === -1) seen[g] = count++;
      dense[i] = seen[g];
    }
  } else {
    const seen = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      let d = seen.get(groups[i]);
      if (d === undefined) seen.set(groups[i], (d = count++));
      dense[i] = d;
    }
  }
  return { dense, count };
}

/**
 * True when ids[i] = i for every row: ids numbered by first occurrence (textGroups, groupsByKey) with no group of two
 * rows, found without a copy. (Other ids may still be all distinct: groupMembers counts them.)
 */
export function noRepeatedIds(ids: ArrayLike<number>): boolean {
  for (let i = 0; i < ids.length; i++) if (ids[i] !== i) return false;
  return true;
}

/**
 * The rows of each group (GroupMembers), or undefined when no group has two of the `n` rows (then every grouped split
 * is exactly its plain twin).
 */
function groupMembers(groups: ArrayLike<number>, n: number): GroupMembers | undefined {
  if (noRepeatedIds(groups)) return undefined;
  const { dense, count } = denseIds(groups);
  if (count === n) return undefined;
  // Counting sort: start[k] = where group k begins; filling moves each start[k] to the end of group k (the begin of
  // k + 1), so one shift afterwards restores the begins (no second array of group size).
  const start = new Uint32Array(count + 1);
  for (let i = 0; i < dense.length; i++) start[dense[i] + 1]++;
  for (let k = 0; k < count; k++) start[k + 1] += start[k];
  const rows = new Uint32Array(dense.length);
  for (let i = 0; i < dense.length; i++) rows[start[dense[i]]++] = i;
  start.copyWithin(1, 0, count);
  start[0] = 0;
  return { count, start, rows };
}

/** Groups by the label of their first row: label → the groups (indices into `members`) in order of appearance. */
function strataOf(labelOf: (i: number) => string, members: GroupMembers): Map<string, Uint32Array> {
  return rowsByKey(members.count, (k) => labelOf(members.rows[members.start[k]]));
}

/** Marks every row of group k with 1 in `side`; returns the group's size. */
function markGroup(members: GroupMembers, k: number, side: Uint8Array): number {
  for (let j = members.start[k]; j < members.start[k + 1]; j++) side[members.rows[j]] = 1;
  return members.start[k + 1] - members.start[k];
}

/**
 * Train/test indices where every group lies wholly on one side. Groups are stratified by the label of their first
 * row; per stratum, whole groups (in seeded random order) go to test until it holds round(n_c · testFraction) rows
 * (at least one group when the stratum has two or more groups, never all of them). Both lists come back sorted.
 * When no group has two rows it returns stratifiedSplit(labels, testFraction, seed) unchanged.
 */
export function groupedStratifiedSplit(
  labels: readonly string[],
  groups: ArrayLike<number>,
  testFraction: number,
  seed: number,
): { train: Uint32Array; test: Uint32Array } {
  if (labels.length !== groups.length)
    throw new ProbescopeError(
      'INTERNAL',
      `groupedStratifiedSplit: ${labels.length} labels but ${groups.length} groups.`,
    );
  return groupedStratifiedSplitBy((i) => labels[i], groups, testFraction, seed);
}

/** groupedStratifiedSplit over the labels labelOf(i) of the groups.length rows, without an array of them. */
export function groupedStratifiedSplitBy(
  labelOf: (i: number) => string,
  groups: ArrayLike<number>,
  testFraction: number,
  seed: number,
): { train: Uint32Array; test: Uint32Array } {
  const n = groups.length;
  const members = groupMembers(groups, n);
  if (!members) return stratifiedSplitBy(n, labelOf, testFraction, seed);
  if (!(testFraction > 0 && testFraction < 1))
    throw new ProbescopeError('BAD_ARGUMENT', `Test split must be between 0 and 1 (exclusive); got ${testFraction}.`);
  const strata = strataOf(labelOf, members);
  const rng = createRng(seed);
  const size = (k: number) => members.start[k + 1] - members.start[k];
  // One byte a row says the side; the lists come out ascending (rowsBySide), as pushing and sorting them would.
  const side = new Uint8Array(n);
  let tests = 0;
  for (const key of [...strata.keys()].sort()) {
    const groupsOf = rng.shuffle(strata.get(key)!); // the map is local: shuffle its list in place
    let rows = 0;
    for (let j = 0; j < groupsOf.length; j++) rows += size(groupsOf[j]);
    const target = Math.round(rows * testFraction);
    let taken = 0;
    let k = 0;
    while (k < groupsOf.length - 1 && (taken < target || (k === 0 && groupsOf.length >= 2))) {
      // Stop before overshooting when stopping is closer to the target (never below one group).
      if (k > 0 && taken + size(groupsOf[k]) - target > target - taken) break;
      taken += size(groupsOf[k]);
      k++;
    }
    for (let j = 0; j < k; j++) tests += markGroup(members, groupsOf[j], side);
  }
  const [train, test] = rowsBySide(side, tests);
  return { train, test };
}

/**
 * Stratified k folds over whole groups (identical texts never in two folds): groups are stratified by their first
 * row's label and dealt round-robin per stratum in seeded order. Without duplicates this is exactly kFold.
 */
export function groupedKFold(
  labels: readonly string[],
  groups: ArrayLike<number>,
  k: number,
  seed: number,
): number[][] {
  const members = groupMembers(groups, labels.length);
  if (!members) return kFold(labels, k, seed);
  if (!Number.isInteger(k) || k < 2) throw new ProbescopeError('BAD_ARGUMENT', `k-fold needs k ≥ 2; got ${k}.`);
  const strata = strataOf((i) => labels[i], members);
  const rng = createRng(seed);
  const folds: number[][] = Array.from({ length: k }, () => []);
  for (const key of [...strata.keys()].sort()) {
    // Each group goes to the currently smallest fold, so fold sizes stay balanced.
    for (const g of rng.shuffle(strata.get(key)!)) {
      let best = 0;
      for (let f = 1; f < k; f++) if (folds[f].length < folds[best].length) best = f;
      for (let j = members.start[g]; j < members.start[g + 1]; j++) folds[best].push(members.rows[j]);
    }
  }
  return folds.map((f) => f.sort((a, b) => a - b));
}

/**
 * validationSplit over whole groups: the validation rows carved from a training split never divide a group of
 * identical texts. The rule (never more than its fraction, no validation when a class would get none) is applied to
 * one representative per group (its first row and label), then each group follows its representative. Without
 * duplicates this is exactly validationSplit.
 */
export function groupedValidationSplit(
  labels: readonly string[],
  groups: ArrayLike<number>,
  fraction: number,
  seed: number,
): ValidationSplit {
  if (labels.length !== groups.length)
    throw new ProbescopeError(
      'INTERNAL',
      `groupedValidationSplit: ${labels.length} labels but ${groups.length} groups.`,
    );
  return groupedValidationSplitBy((i) => labels[i], groups, fraction, seed);
}

/** groupedValidationSplit over the labels labelOf(i) of the groups.length rows, without an array of them. */
export function groupedValidationSplitBy(
  labelOf: (i: number) => string,
  groups: ArrayLike<number>,
  fraction: number,
  seed: number,
): ValidationSplit {
  const n = groups.length;
  const members = groupMembers(groups, n);
  if (!members) return validationSplitBy(n, labelOf, fraction, seed);
  const inner = validationSplitBy(members.count, (k) => labelOf(members.rows[members.start[k]]), fraction, seed);
  // Each group follows its representative: one byte a row, the lists ascending (rowsBySide).
  const side = new Uint8Array(n);
  let picked = 0;
  for (const k of inner.validation) picked += markGroup(members, k, side);
  const [train, validation] = rowsBySide(side, picked);
  return { ...inner, train, validation };
}
