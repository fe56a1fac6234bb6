/**
 * Host <-> score panel (webview/scores) messages: the document's token scores as one point per painted unit, the
 * threshold, the top firing spans; the panel asks the host to reveal an offset. Validated on both sides.
 */

export interface ScorePanelSpan {
  /** Document offsets (UTF-16) of the span and its highest score. */
  start: number;
  end: number;
  peak: number;
  text: string;
}

export interface ScorePanelPayload {
  documentName: string;
  probeName: string;
  className: string;
  threshold: number;
  /**
   * The threshold giving ≤ 1 % FPR on the probe's test split (protocol/fprThreshold.ts), on the points' scale; absent
   * when unavailable (`fprNote` says why).
   */
  fprThreshold?: { value: number; fpr: number; tpr: number; negatives: number };
  /** One line under the plot: what the points are and what the 1 % FPR line means (or why there is none). */
  fprNote: string;
  /** Firing spans (ruler, jumps, the list) are counted above this value: the decision threshold or the 1 % FPR one. */
  firingThreshold: number;
  logit: number;
  /** One point per painted unit, in document order: its score and its document start offset. */
  scores: number[];
  offsets: number[];
  /** Highest firing spans, highest peak first. */
  spans: ScorePanelSpan[];
}

export type ScorePanelToWebview =
  | ({ type: 'show' } & ScorePanelPayload)
  /** The editor's cursor as a point index (−1: none). */
  | { type: 'cursor'; point: number };

export type ScorePanelToHost = { type: 'ready' } | { type: 'reveal'; offset: number; end?: number };

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;

/** A message from the score panel, or undefined when malformed. */
export function parseScorePanelToHost(raw: unknown): ScorePanelToHost | undefined {
  if (!isObj(raw)) return undefined;
  if (raw.type === 'ready') return { type: 'ready' };
  if (raw.type === 'reveal' && isNum(raw.offset) && raw.offset >= 0 && (raw.end === undefined || isNum(raw.end)))
    return raw.end === undefined
      ? { type: 'reveal', offset: raw.offset }
      : { type: 'reveal', offset: raw.offset, end: raw.end as number };
  return undefined;
}

/** A message from the host, or undefined when malformed (arrays checked for length and numbers). */
export function parseScorePanelToWebview(raw: unknown): ScorePanelToWebview | undefined {
  if (!isObj(raw)) return undefined;
  if (raw.type === 'cursor') return isNum(raw.point) ? { type: 'cursor', point: raw.point } : undefined;
  if (raw.type !== 'show') return undefined;
  const { scores, offsets, spans } = raw;
  if (!Array.isArray(scores) || !Array.isArray(offsets) || scores.length !== offsets.length) return undefined;
  if (!Array.isArray(spans) || !isNum(raw.threshold) || !isNum(raw.logit) || !isNum(raw.firingThreshold))
    return undefined;
  for (const k of ['documentName', 'probeName', 'className', 'fprNote'] as const)
    if (typeof raw[k] !== 'string') return undefined;
  const f = raw.fprThreshold;
  if (f !== undefined && !(isObj(f) && isNum(f.value) && isNum(f.fpr) && isNum(f.tpr) && isNum(f.negatives)))
    return undefined;
  const okSpan = (s: unknown) =>
    isObj(s) && isNum(s.start) && isNum(s.end) && isNum(s.peak) && typeof s.text === 'string';
  if (!spans.every(okSpan)) return undefined;
  return raw as unknown as ScorePanelToWebview;
}
