/**
 * Covering a long token sequence with model-sized windows. The model (and a probe trained on it) sees at most
 * `windowTokens` tokens per run, so a longer document is cut into overlapping windows and every token's state is taken
 * from the window where it has the most left context — the earliest window that holds it, since windows move right.
 * Same idea as Hugging Face's strided perplexity evaluation (each window only contributes its tail).
 *
 * Tokens are the document's tokens *including* the leading <bos> (index 0) when `bos` is set. Every window after the
 * first starts with a copy of that <bos> (Gemma expects it at position 0; its state is dropped), then the last
 * `overlapTokens` tokens of the previous window as context, then new tokens.
 */
import { ProbescopeError } from '../errors';

export interface TokenWindow {
  /** Document token range the window runs on: [start, end) (the copied <bos> not counted). */
  start: number;
  end: number;
  /** First document token whose state is taken from this window; tokens [keepFrom, end) are kept. */
  keepFrom: number;
  /** Whether the window is run with a copy of document token 0 (<bos>) in front of `start`. */
  withBos: boolean;
}

export interface WindowPlanOptions {
  /** Tokens per model run, the copied <bos> included (the extractor's maxLength). */
  windowTokens: number;
  /** Context tokens repeated from the previous window (default: a quarter of the window). */
  overlapTokens?: number;
  /** Document token 0 is <bos>: repeat it at the head of every later window. */
  bos: boolean;
}

/** Default overlap: a quarter of the window, so every token after the first window has ≥ W/4 left context. */
export function defaultOverlap(windowTokens: number): number {
  return Math.floor(windowTokens / 4);
}

/**
 * Windows covering `numTokens` document tokens: kept ranges are disjoint, in order, and cover 0..numTokens exactly;
 * every kept token of window k > 0 has at least `overlapTokens` document tokens of left context in it.
 * Errors: BAD_ARGUMENT when the window cannot hold the overlap plus one new token.
 */
export function planWindows(numTokens: number, opts: WindowPlanOptions): TokenWindow[] {
  const W = opts.windowTokens;
  const O = opts.overlapTokens ?? defaultOverlap(W);
  const capacity = W - (opts.bos ? 1 : 0); // document tokens a later window can hold
  if (!(Number.isInteger(W) && W >= 2) || !(Number.isInteger(O) && O >= 0) || O >= capacity) {
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      `A window of ${W} tokens cannot repeat ${O} tokens of context and still move on; use a longer window or a smaller overlap.`,
    );
  }
  const windows: TokenWindow[] = [];
  if (numTokens <= 0) return windows;
  let end = Math.min(numTokens, W);
  windows.push({ start: 0, end, keepFrom: 0, withBos: false });
  while (end < numTokens) {
    const start = Math.max(opts.bos ? 1 : 0, end - O);
    const next = Math.min(numTokens, start + capacity);
    windows.push({ start, end: next, keepFrom: end, withBos: opts.bos });
    end = next;
  }
  return windows;
}

/** The ids a window runs on: the copied <bos> (when set) followed by document ids [start, end). */
export function windowIds(ids: ArrayLike<number>, w: TokenWindow): number[] {
  const out: number[] = w.withBos ? [ids[0]] : [];
  for (let i = w.start; i < w.end; i++) out.push(ids[i]);
  return out;
}

/** Row inside the window's states of document token `t` (skips the copied <bos>). */
export function rowInWindow(w: TokenWindow, t: number): number {
  return t - w.start + (w.withBos ? 1 : 0);
}

/**
 * Whether document token 0 is <bos> — added by the tokenizer (span [0, 0)) or the text's own (a transcript that begins
 * with "<bos>", span [0, 5)): either way planWindows repeats it at the head of every later window.
 */
export function leadsWithBos(tokens: readonly { id: number }[], bosId: number): boolean {
  return tokens.length > 0 && tokens[0].id === bosId;
}
