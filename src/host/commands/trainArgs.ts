/**
 * Arguments the training commands accept besides the quick picks: the dataset panel passes its dataset, and
 * scripts/tests may pass any field to skip its pick. Validated, since anyone can run a command with any arguments.
 */
import type { LayerSpec, OptimizerName, ProbeKind } from '../../protocol/types';

export interface TrainArgs {
  dataPath?: string;
  textField?: string;
  labelField?: string;
  testSplit?: number;
  seed?: number;
  /** A given split: the dataset's split column, or a file to test on. */
  splitField?: string;
  testDataPath?: string;
  layer?: LayerSpec;
  probe?: ProbeKind;
  heads?: number;
  optimizer?: OptimizerName | 'auto';
  /** Layer Sweep: the layers and probe kinds (skip its two picks). */
  layers?: LayerSpec[];
  kinds?: { probe: ProbeKind; heads?: number }[];
}

export function parseTrainArgs(arg: unknown): TrainArgs {
  if (typeof arg !== 'object' || arg === null) return {};
  const a = arg as Record<string, unknown>;
  const out: TrainArgs = {};
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
  out.dataPath = str(a.dataPath) ?? str(a.path);
  out.textField = str(a.textField);
  out.labelField = str(a.labelField);
  out.splitField = str(a.splitField);
  out.testDataPath = str(a.testDataPath);
  const split = (a.split ?? a) as Record<string, unknown>;
  if (typeof split.testSplit === 'number' && split.testSplit > 0 && split.testSplit < 1)
    out.testSplit = split.testSplit;
  if (Number.isSafeInteger(split.seed) && (split.seed as number) >= 0) out.seed = split.seed as number;
  if (a.layer === 'final' || (Number.isSafeInteger(a.layer) && (a.layer as number) >= 0))
    out.layer = a.layer as LayerSpec;
  if (a.probe === 'attention' || a.probe === 'mean' || a.probe === 'last') out.probe = a.probe;
  if (Number.isSafeInteger(a.heads) && (a.heads as number) >= 1) out.heads = a.heads as number;
  if (a.optimizer === 'auto' || a.optimizer === 'adamw' || a.optimizer === 'lbfgs') out.optimizer = a.optimizer;
  const isLayer = (v: unknown): v is LayerSpec => v === 'final' || (Number.isSafeInteger(v) && (v as number) >= 0);
  if (Array.isArray(a.layers) && a.layers.length > 0 && a.layers.every(isLayer)) out.layers = a.layers;
  if (Array.isArray(a.kinds) && a.kinds.length > 0) {
    const kinds = a.kinds.filter(
      (k): k is { probe: ProbeKind; heads?: number } =>
        typeof k === 'object' &&
        k !== null &&
        ['attention', 'mean', 'last'].includes((k as { probe?: unknown }).probe as string) &&
        ((k as { heads?: unknown }).heads === undefined ||
          (Number.isSafeInteger((k as { heads?: unknown }).heads) && (k as { heads: number }).heads >= 1)),
    );
    if (kinds.length === a.kinds.length)
      out.kinds = kinds.map((k) => (k.heads ? { probe: k.probe, heads: k.heads } : { probe: k.probe }));
  }
  for (const k of Object.keys(out) as (keyof TrainArgs)[]) if (out[k] === undefined) delete out[k];
  return out;
}
