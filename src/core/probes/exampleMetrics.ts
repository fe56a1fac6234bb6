/** Metrics of a probe on examples already pooled (train, validation and test splits; CV folds). */
import type { SplitMetrics } from '../../protocol/types';
import type { Example } from './batches';
import { makeChunks } from './batches';
import { splitMetrics } from './metrics';
import type { ProbeComputer } from './probeComputer';
import type { ProbeParams } from './probeParams';
import { lossFromLogits, predictOver } from './trainingLoop';

/** Class names "0", "1", … for metrics over class indices (C = 1: a binary probe, two classes). */
export const indexClasses = (C: number) => Array.from({ length: C === 1 ? 2 : C }, (_, i) => String(i));

/** Metrics on examples; classes only name the columns (labels are indices). */
export async function evaluateExamples(
  computer: ProbeComputer,
  p: ProbeParams,
  examples: Example[],
  classes: string[],
  withEntropy: boolean,
  /** Receives the logits [n·C] and labels (the 1 % FPR threshold is computed from the test split's). */
  keep?: { logits?: Float32Array; labels?: number[] },
): Promise<SplitMetrics> {
  if (examples.length === 0) return { n: 0, accuracy: 0 };
  const chunks = makeChunks(examples, p.D);
  const { logits, entropyRatio } = await predictOver(computer, p, chunks, examples.length, withEntropy);
  const labels = examples.map((e) => e.label);
  if (keep) Object.assign(keep, { logits, labels });
  return splitMetrics({
    classes,
    labels,
    logits,
    loss: lossFromLogits(logits, labels, p.C),
    entropyRatio,
  });
}
