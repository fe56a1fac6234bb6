/**
 * Weight decay by cross-validation (`--weight-decay cv`): stratified k-fold (CV_FOLDS) over the training examples,
 * identical texts kept in one fold (groupedKFold), each value of WEIGHT_DECAY_GRID fitted on the other folds; the
 * value with the best mean held-out accuracy wins, ties broken by the lower mean loss.
 */
import { groupedKFold } from '../data';
import { throwIfAborted } from '../errors';
import type { Example } from './batches';
import * as defaults from './defaults';
import { evaluateExamples, indexClasses } from './exampleMetrics';
import { fit, type FitSpec } from './probeFit';
import type { TrainHooks } from './trainProbe';

/** The chosen weight decay; `trainGroups` = group id (identical texts) per training example. */
export async function chooseWeightDecay(
  spec: FitSpec,
  train: Example[],
  trainGroups: ArrayLike<number>,
  hooks: Pick<TrainHooks, 'signal' | 'onProgress' | 'onLog'>,
): Promise<number> {
  // Identical texts stay in one fold (without duplicates this is kFold).
  const folds = groupedKFold(
    train.map((e) => String(e.label)),
    trainGroups,
    defaults.CV_FOLDS,
    spec.seed,
  );
  let best = { wd: 0, acc: -1, loss: Infinity };
  for (const [g, wd] of defaults.WEIGHT_DECAY_GRID.entries()) {
    let acc = 0;
    let loss = 0;
    for (const [k, fold] of folds.entries()) {
      throwIfAborted(hooks.signal);
      hooks.onProgress?.({
        phase: 'train',
        done: g * folds.length + k,
        total: defaults.WEIGHT_DECAY_GRID.length * folds.length,
        message: `CV weight decay ${wd}, fold ${k + 1}`,
      });
      const held = new Set(fold);
      const tr = train.filter((_, i) => !held.has(i));
      const va = fold.map((i) => train[i]);
      const r = await fit(spec, tr, [], wd, { signal: hooks.signal });
      if (r.cancelled) throwIfAborted(hooks.signal);
      const m = await evaluateExamples(spec.computer, r.params, va, indexClasses(spec.C), false);
      acc += m.accuracy / folds.length;
      loss += (m.loss ?? 0) / folds.length;
    }
    hooks.onLog?.(`weight decay ${wd}: CV accuracy ${acc.toFixed(4)}, loss ${loss.toFixed(4)}`);
    if (acc > best.acc + 1e-12 || (Math.abs(acc - best.acc) <= 1e-12 && loss < best.loss)) best = { wd, acc, loss };
  }
  return best.wd;
}
