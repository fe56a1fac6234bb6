/**
 * compareProbes: several saved probes evaluated on one dataset — one row per probe (kind, layer, heads, optimizer,
 * every metric with its 95 % bootstrap interval, ROC curve) and, for every pair, a paired stratified bootstrap of the
 * difference in accuracy and ROC-AUC (same resamples for both probes: bootstrap.ts).
 * The probes must share their classes (same names, same order); each probe runs on its own model and layer.
 */
import * as path from 'node:path';
import type { CompareProbesParams, ComparisonPair, ComparisonRow, ProbeComparison } from '../../protocol/types';
import { ProbescopeError } from '../errors';
import { probePredictions } from '../probes/evaluate';
import { readProbeManifest } from '../probes/probeManifest';
import { logOddsMatrix, probabilityMatrix, splitMetrics } from '../probes/metrics';
import { lossFromLogits } from '../probes/trainingLoop';
import type { CacheHooks } from '../probes/probeData';
import { pairedBootstrap } from './bootstrap';

export type CompareParams = CompareProbesParams;
export type Comparison = ProbeComparison;

export async function compareProbes(params: CompareParams, hooks: CacheHooks = {}): Promise<Comparison> {
  if (params.probeDirs.length < 2)
    throw new ProbescopeError('BAD_ARGUMENT', `Compare needs at least two probes (got ${params.probeDirs.length}).`);
  // Every probe folder is read and the classes compared before any model runs: a missing or mismatched probe is
  // refused at once, not after the others were evaluated.
  const manifests = [];
  for (const dir of params.probeDirs) manifests.push({ dir: path.resolve(dir), m: await readProbeManifest(dir) });
  for (const { dir, m } of manifests.slice(1))
    checkSameClasses(dir, m.classes, manifests[0].dir, manifests[0].m.classes);
  const preds: ({ dir: string } & Awaited<ReturnType<typeof probePredictions>>)[] = [];
  for (const dir of params.probeDirs) {
    hooks.onLog?.(`Evaluating ${dir}`);
    preds.push({ dir: path.resolve(dir), ...(await probePredictions({ ...params, probeDir: dir }, hooks)) });
  }
  // Paired tests pair row i of every probe: each probe must have read the same rows (its own text field or chat
  // format may skip others).
  const same = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  };
  if (preds.some((p) => !same(p.rows, preds[0].rows)))
    throw new ProbescopeError(
      'DATASET_INVALID',
      `The probes read different rows of ${path.basename(params.dataPath)}: ` +
        preds.map((p) => `${path.basename(p.dir)} ${p.rows.length} rows (text field "${p.textField}")`).join(', ') +
        '; paired tests need the same rows. Pass --text-field (and --label-field) to read the same columns for every probe.',
    );
  const classes = preds[0].manifest.classes;
  for (const p of preds.slice(1)) checkSameClasses(p.dir, p.manifest.classes, preds[0].dir, classes);
  const names = uniqueNames(preds.map((p) => p.dir));
  const rows: ComparisonRow[] = preds.map((p, i) => ({
    name: names[i],
    dir: p.dir,
    kind: p.manifest.probe,
    layer: p.manifest.layer,
    heads: p.manifest.heads,
    optimizer: p.manifest.training.optimizer as string | undefined,
    preset: p.manifest.training.preset as string | undefined,
    model: p.manifest.model.id,
    metrics: splitMetrics({
      classes,
      labels: p.labels,
      logits: p.logits,
      loss: lossFromLogits(p.logits, p.labels, p.C),
      entropyRatio: p.entropyRatio,
    }),
  }));
  const K = classes.length;
  const asPred = (p: (typeof preds)[number]) => ({
    labels: p.labels,
    probs: probabilityMatrix(p.logits, p.C),
    rankScores: logOddsMatrix(p.logits, p.C),
    K,
  });
  const pairs: ComparisonPair[] = [];
  for (let i = 0; i < preds.length; i++)
    for (let j = i + 1; j < preds.length; j++)
      pairs.push({ a: names[i], b: names[j], differences: pairedBootstrap(asPred(preds[i]), asPred(preds[j])) });
  return { data: path.resolve(params.dataPath), n: preds[0].labels.length, classes, rows, pairs };
}

/** PROBE_MISMATCH unless both probes predict the same classes in the same order (paired tests pair their logits). */
function checkSameClasses(dir: string, classes: string[], firstDir: string, firstClasses: string[]): void {
  if (classes.join('\u0000') !== firstClasses.join('\u0000'))
    throw new ProbescopeError(
      'PROBE_MISMATCH',
      `${dir} predicts classes ${classes.join(', ')} but ${firstDir} predicts ${firstClasses.join(', ')}; ` +
        'compare probes trained on the same classes.',
    );
}

/** Folder names, made unique with their parent folder where two probes share a name. */
function uniqueNames(dirs: string[]): string[] {
  const base = dirs.map((d) => path.basename(d));
  return base.map((b, i) =>
    base.filter((x) => x === b).length > 1 ? `${path.basename(path.dirname(dirs[i]))}/${b}` : b,
  );
}
