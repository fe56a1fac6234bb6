/**
 * A document of any length through the model, window by window (windowPlan.ts): calls back with the state of every
 * document token, in order, each from the window where it has the most left context. Only a few windows' states are
 * in memory at once (`windowsPerRun`), so memory does not grow with the document beyond its token list.
 */
import type { LayerSpec, TokenSpan } from '../../protocol/types';
import { ProbescopeError, throwIfAborted } from '../errors';
import type { ActivationExtractor } from '../model/extractor';
import { defaultOverlap, leadsWithBos, planWindows, rowInWindow, windowIds, type TokenWindow } from './windowPlan';

/** What part of a text the states cover (reported by classify in the CLI JSON and the worker's result). */
export interface TextCoverage {
  /** Document tokens scored (the leading <bos> included): all of them. */
  tokens: number;
  /** UTF-16 length of the text covered: the whole text. */
  coveredChars: number;
  /** Model runs the text took (1 when it fits the window). */
  windows: number;
  /** Tokens per model run (the probe's training maxLength) and tokens of left context repeated between runs. */
  windowTokens: number;
  overlapTokens: number;
}

export interface StitchOptions {
  overlapTokens?: number;
  /** Windows run per extractor call (bounds memory: windowsPerRun · windowTokens · D floats). */
  windowsPerRun?: number;
  signal?: AbortSignal;
  onWindows?(done: number, total: number): void;
}

/**
 * Streams the states of `layer` for `tokens` (the extractor's own encoding of the text) to `onToken(t, states, row)`:
 * document token t's state is states[row·D, (row+1)·D). Errors: INTERNAL when the extractor returns no such layer.
 */
export async function streamStitchedStates(
  extractor: ActivationExtractor,
  layer: LayerSpec,
  tokens: TokenSpan[],
  onToken: (t: number, states: Float32Array, row: number) => void,
  opts: StitchOptions = {},
): Promise<TextCoverage> {
  const windowTokens = extractor.maxLength;
  const bos = leadsWithBos(tokens, extractor.bosId);
  const overlapTokens = opts.overlapTokens ?? defaultOverlap(windowTokens);
  const windows = planWindows(tokens.length, { windowTokens, overlapTokens, bos });
  const ids = tokens.map((t) => t.id);
  const perRun = Math.max(1, opts.windowsPerRun ?? 4);
  for (let i = 0; i < windows.length; i += perRun) {
    throwIfAborted(opts.signal);
    const group: TokenWindow[] = windows.slice(i, i + perRun);
    const states = await extractor.extractIds(
      group.map((w) => windowIds(ids, w)),
      { signal: opts.signal },
    );
    group.forEach((w, k) => {
      const s = states[k].get(layer);
      if (!s) throw new ProbescopeError('INTERNAL', `The extractor returned no states for layer ${layer}.`);
      for (let t = w.keepFrom; t < w.end; t++) onToken(t, s, rowInWindow(w, t));
    });
    opts.onWindows?.(Math.min(windows.length, i + perRun), windows.length);
  }
  return {
    tokens: tokens.length,
    coveredChars: coveredEnd(tokens),
    windows: windows.length,
    windowTokens,
    overlapTokens,
  };
}

/** Largest token end (spans are monotone, but a trailing empty span must not shrink the coverage). */
function coveredEnd(tokens: TokenSpan[]): number {
  let end = 0;
  for (const t of tokens) if (t.end > end) end = t.end;
  return end;
}
