/**
 * Re-scoring an edited document without re-running what the edit cannot change. The model is causal, so a window's
 * states depend only on its own token ids; a window of the new plan whose ids and place are those of a window of the
 * previous run (same index, same [start, end), all before the first changed token) has the same states, hence the
 * same readouts: they are reused and only the other windows run. The attention probe's softmax over the whole
 * document is recomputed from all readouts, so the result is exactly that of a fresh run.
 * The worker keeps the last runs per `reuseKey` (e.g. a document URI) in memory (a few MB per 100k tokens).
 */
import type { TokenWindow } from './windowPlan';

/** Readouts of the tokens a window keeps ([keepFrom, end)) and the window's own logits [C]. */
export interface WindowReadouts {
  qx: Float64Array;
  v: Float64Array;
  logits: Float64Array;
}

export interface ScoreRun {
  /** What produced the readouts: reused only with the very same loaded probe and extractor (a retrained probe or a
   * reloaded model is a new object). */
  owner?: { probe: object; extractor: object; layer: string; overlap: number };
  ids: Int32Array;
  windows: TokenWindow[];
  kept: WindowReadouts[];
}

/** Indices of `windows` whose readouts `previous` already holds (see the header). */
export function reusableWindows(previous: ScoreRun | undefined, ids: Int32Array, windows: TokenWindow[]): number[] {
  if (!previous) return [];
  let common = 0;
  const n = Math.min(previous.ids.length, ids.length);
  while (common < n && previous.ids[common] === ids[common]) common++;
  const out: number[] = [];
  for (let k = 0; k < windows.length && k < previous.windows.length; k++) {
    const a = windows[k]!;
    const b = previous.windows[k]!;
    const same = a.start === b.start && a.end === b.end && a.keepFrom === b.keepFrom && a.withBos === b.withBos;
    if (!same || a.end > common) break;
    out.push(k);
  }
  return out;
}

const MAX_RUNS = 8;
const runs = new Map<string, ScoreRun>();

/** The last run remembered under `key` (a document), if it came from the same `owner`. */
export function previousRun(key: string | undefined, owner: NonNullable<ScoreRun['owner']>): ScoreRun | undefined {
  const run = key === undefined ? undefined : runs.get(key);
  const o = run?.owner;
  const same =
    o &&
    o.probe === owner.probe &&
    o.extractor === owner.extractor &&
    o.layer === owner.layer &&
    o.overlap === owner.overlap;
  return same ? run : undefined;
}

/** Remembers `run` under `key`, dropping the least recently stored beyond MAX_RUNS. */
export function rememberRun(key: string | undefined, run: ScoreRun): void {
  if (key === undefined) return;
  runs.delete(key);
  runs.set(key, run);
  while (runs.size > MAX_RUNS) runs.delete(runs.keys().next().value!);
}
