/** The checks trainProbeRun makes on its parameters before any dataset is read or model run (BAD_ARGUMENT). */
import type { TrainProbeParams } from '../../protocol/types';
import { ProbescopeError } from '../errors';

/** Throws BAD_ARGUMENT naming the flag when a training parameter is out of range or unknown. */
export function validateTrainParams(p: TrainProbeParams): void {
  const bad = (msg: string): never => {
    throw new ProbescopeError('BAD_ARGUMENT', msg);
  };
  if (!['attention', 'mean', 'last'].includes(p.probe))
    bad(`Unknown probe kind "${p.probe}": use attention, mean or last.`);
  if (p.heads !== undefined && !(Number.isInteger(p.heads) && p.heads >= 1))
    bad(`--heads must be a positive integer (got ${p.heads}).`);
  if (p.optimizer !== undefined && p.optimizer !== 'adamw' && p.optimizer !== 'lbfgs')
    bad(`Unknown optimizer "${p.optimizer}": use adamw or lbfgs.`);
  if (p.lr !== undefined && !(p.lr > 0)) bad(`--lr must be positive (got ${p.lr}).`);
  if (p.steps !== undefined && !(Number.isInteger(p.steps) && p.steps >= 1))
    bad(`--steps must be a positive integer (got ${p.steps}).`);
  if (p.weightDecay !== undefined && p.weightDecay !== 'cv' && !(p.weightDecay >= 0))
    bad(`--weight-decay must be ≥ 0 or "cv" (got ${p.weightDecay}).`);
  if (p.seeds !== undefined && !(p.seeds.length >= 1 && p.seeds.every((x) => Number.isInteger(x))))
    bad(`--seeds must be a comma-separated list of integers (got ${p.seeds.join(',')}).`);
  if (p.seeds !== undefined && new Set(p.seeds).size !== p.seeds.length)
    bad(`--seeds lists a seed twice (${p.seeds.join(',')}); each seed trains one probe.`);
  if (p.preset !== undefined && p.preset !== 'fast' && p.preset !== 'reference')
    bad(`Unknown preset "${p.preset}": use fast or reference.`);
  if (!p.outDir) bad('An output folder (--out) is required.');
}
