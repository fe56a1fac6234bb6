/**
 * Group-aware stratified splits: rows with identical text form one group, and a group is never divided between train
 * and test, so a duplicated row cannot be "memorised" in train and scored in test (scikit-learn's
 * StratifiedGroupKFold idea, reduced to one held-out part). Without duplicates this is exactly stratifiedSplit.
 */
import { ProbescopeError } from '../errors';
import { createRng } from '../probes/rng';
import { kFold, stratifiedSplit } from './splits';
import { validationSplit, type ValidationSplit } from './validationSplit';

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
 * True when no two rows share a group: a sorted copy of the ids (8 bytes a row), so the common case of a dataset
 * without duplicates never builds a list per group (≈ 100 bytes a row on millions of rows).
 */
function allDistinct(groups: ArrayLike<number>): boolean {
  // Ids numbered by first occurrence (textGroups, groupsByKey) are all distinct exactly when ids[i] = i: no copy.
  let identity = true;
  for (let i = 0; i < groups.length && identity; i++) identity = groups[i] === i;
  if (identity) return true;
  // A sorted copy: 4 bytes a row for Int32Array ids (groupsByKey), else 8.
  const sorted = groups instanceof Int32Array ? Int32Array.from(groups).sort() : Float64Array.from(groups).sort();
  for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) return false;
  return true;
}

/**
 * The rows of each group (group id → rows in order), or undefined when no group has two of the `n` rows (then every
 * grouped split is exactly its plain twin).
 */
function groupMembers(groups: ArrayLike<number>, n: number): Map<number, number[]> | undefined {
  if (allDistinct(groups)) return undefined;
  const members = new Map<number, number[]>();
  for (let i = 0; i < groups.length; i++) {
    const m = members.get(groups[i]);
    if (m) m.push(i);
    else members.set(groups[i], [i]);
  }
  return members.size === n ? undefined : members;
}

/** Groups by the label of their first row: label → the groups' row lists. */
function strataOf(labels: readonly string[], members: Map<number, number[]>): Map<string, number[][]> {
  const strata = new Map<string, number[][]>();
  for (const rows of members.values()) {
    const key = labels[rows[0]];
    const s = strata.get(key);
    if (s) s.push(rows);
    else strata.set(key, [rows]);
  }
  return strata;
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
): { train: number[]; test: number[] } {
  if (labels.length !== groups.length)
    throw new ProbescopeError(
      'INTERNAL',
      `groupedStratifiedSplit: ${labels.length} labels but ${groups.length} groups.`,
    );
  const members = groupMembers(groups, labels.length);
  if (!members) return stratifiedSplit(labels, testFraction, seed);
  if (!(testFraction > 0 && testFraction < 1))
    throw new ProbescopeError('BAD_ARGUMENT', `Test split must be between 0 and 1 (exclusive); got ${testFraction}.`);
  const strata = strataOf(labels, members);
  const rng = createRng(seed);
  const train: number[] = [];
  const test: number[] = [];
  for (const key of [...strata.keys()].sort()) {
    const groupsOf = rng.shuffle(strata.get(key)!.slice());
    const rows = groupsOf.reduce((n, g) => n + g.length, 0);
    const target = Math.round(rows * testFraction);
    let taken = 0;
    let k = 0;
    while (k < groupsOf.length - 1 && (taken < target || (k === 0 && groupsOf.length >= 2))) {
      // Stop before overshooting when stopping is closer to the target (never below one group).
      if (k > 0 && taken + groupsOf[k].length - target > target - taken) break;
      taken += groupsOf[k].length;
      k++;
    }
    // No push(...): one text repeated 100k+ times would overflow the stack.
    groupsOf.forEach((g, j) => {
      const side = j < k ? test : train;
      for (const r of g) side.push(r);
    });
  }
  return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
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
  const strata = strataOf(labels, members);
  const rng = createRng(seed);
  const folds: number[][] = Array.from({ length: k }, () => []);
  for (const key of [...strata.keys()].sort()) {
    // Each group goes to the currently smallest fold, so fold sizes stay balanced.
    for (const g of rng.shuffle(strata.get(key)!.slice())) {
      let best = 0;
      for (let f = 1; f < k; f++) if (folds[f].length < folds[best].length) best = f;
      for (const r of g) folds[best].push(r);
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
  const members = groupMembers(groups, labels.length);
  if (!members) return validationSplit(labels, fraction, seed);
  const reps = [...members.values()];
  const inner = validationSplit(
    reps.map((rows) => labels[rows[0]]),
    fraction,
    seed,
  );
  const expand = (picked: number[]) => picked.flatMap((j) => reps[j]).sort((a, b) => a - b);
  return { ...inner, train: expand(inner.train), validation: expand(inner.validation) };
}
