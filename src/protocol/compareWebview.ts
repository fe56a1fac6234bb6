/** Host <-> webview messages of the Compare Probes view (one panel; validated on both sides like the others). */
import type { ProbeComparison } from './types';

export type CompareToWebview =
  | { type: 'busy'; message: string }
  | { type: 'comparison'; comparison: ProbeComparison }
  | { type: 'error'; message: string };

export type CompareToHost =
  | { type: 'ready' }
  /** Save the table: the host asks where (a save dialog) and writes the file atomically. */
  | { type: 'export'; format: 'csv' | 'markdown' };

export interface ComparePanelState {
  comparison?: ProbeComparison;
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function isComparison(x: unknown): x is ProbeComparison {
  return (
    isObj(x) &&
    typeof x.data === 'string' &&
    Number.isSafeInteger(x.n) &&
    Array.isArray(x.classes) &&
    Array.isArray(x.rows) &&
    x.rows.every((r) => isObj(r) && typeof r.name === 'string' && isObj(r.metrics)) &&
    Array.isArray(x.pairs)
  );
}

export function parseCompareHostMessage(x: unknown): CompareToWebview | undefined {
  if (!isObj(x)) return undefined;
  if ((x.type === 'busy' || x.type === 'error') && typeof x.message === 'string' && x.message.length < 10_000)
    return { type: x.type, message: x.message };
  if (x.type === 'comparison' && isComparison(x.comparison)) return { type: 'comparison', comparison: x.comparison };
  return undefined;
}

export function parseCompareWebviewMessage(x: unknown): CompareToHost | undefined {
  if (!isObj(x)) return undefined;
  if (x.type === 'ready') return { type: 'ready' };
  if (x.type === 'export' && (x.format === 'csv' || x.format === 'markdown'))
    return { type: 'export', format: x.format };
  return undefined;
}

export function parseComparePanelState(x: unknown): ComparePanelState | undefined {
  if (!isObj(x)) return undefined;
  return x.comparison === undefined || isComparison(x.comparison) ? { comparison: x.comparison } : undefined;
}
