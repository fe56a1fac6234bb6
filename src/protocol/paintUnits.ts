/**
 * Which tokens are painted together. A character made of several byte-fallback pieces has all of them on its span
 * (transformers' offsets convention), and a grapheme cluster (👩‍💻, 🇨🇭, 👍🏽, e + combining accent) may be split over
 * several tokens or characters: each paint unit is the smallest run of tokens whose spans cover whole grapheme
 * clusters (Intl.Segmenter), so it is painted once, with the sum of its pieces' weights. Pure: the editor overlay and
 * the attention panel share it.
 */
import type { TokenSpan } from './types';

export interface PaintUnit {
  /** UTF-16 [start, end) in the classified text, on grapheme-cluster boundaries. */
  start: number;
  end: number;
  /** Indices of the unit's tokens (pieces), in order. */
  tokens: number[];
}

/**
 * Grapheme-cluster boundaries of `text`: out[i] = 1 when a cluster starts (or the text ends) at UTF-16 offset i.
 * Intl.Segmenter is slow on long texts (~2 s for 56k characters here), so ASCII runs are decided directly: an ASCII
 * character never extends the cluster before it (UAX #29 GB9–GB9b: Extend, ZWJ and SpacingMark are non-ASCII), except
 * LF after CR (GB3). Only the stretches around non-ASCII characters go through the Segmenter, each with one ASCII
 * character of context on both sides (a cluster may start at the ASCII base before combining marks, and a Prepend
 * character may hold on to the ASCII character after it).
 */
export function graphemeBoundaries(text: string): Uint8Array {
  const n = text.length;
  const out = new Uint8Array(n + 1);
  out[n] = 1;
  let seg: Intl.Segmenter | undefined;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      out[i] = c === 0x0a && i > 0 && text.charCodeAt(i - 1) === 0x0d ? 0 : 1;
      i++;
      continue;
    }
    let j = i;
    while (j < n && text.charCodeAt(j) >= 0x80) j++;
    // Non-ASCII stretch [i, j): segment [from, to) with the ASCII neighbours; set boundaries for offsets i..j.
    const from = Math.max(0, i - 1);
    const to = Math.min(n, j + 1);
    seg ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
    for (let k = i; k <= j && k < n; k++) out[k] = 0;
    for (const s of seg.segment(text.slice(from, to))) {
      const at = from + s.index;
      if (at >= i && at <= j && at < n) out[at] = 1;
    }
    // The ASCII character at j (if any) is decided by the Segmenter above (a Prepend before it may hold on to it).
    i = j + 1;
  }
  return out;
}

/**
 * Paint units of `text`'s tokens with non-empty spans (special tokens such as <bos> take no characters and are left out).
 * Tokens are merged while they overlap (byte pieces of one character) or share a grapheme cluster.
 */
export function paintUnits(text: string | undefined, tokens: readonly TokenSpan[]): PaintUnit[] {
  // Without the text only overlapping spans (byte pieces of one character) are merged.
  const boundary = text === undefined ? undefined : graphemeBoundaries(text);
  const n = text?.length ?? Infinity;
  const snapUp = (e: number): number => {
    let x = Math.min(e, n);
    while (boundary && x < n && !boundary[x]) x++;
    return x;
  };
  const snapDown = (s: number): number => {
    let x = Math.min(s, n);
    while (boundary && x > 0 && !boundary[x]) x--;
    return x;
  };
  const order = [];
  for (let i = 0; i < tokens.length; i++) if (tokens[i].end > tokens[i].start) order.push(i);
  order.sort((a, b) => tokens[a].start - tokens[b].start || a - b);
  const units: PaintUnit[] = [];
  for (const i of order) {
    const t = tokens[i];
    const start = snapDown(t.start);
    const prev = units.at(-1);
    // Unit ends sit on cluster boundaries, so a token that starts before the last unit's end shares a character or
    // a cluster with it (byte pieces of one character, a ZWJ sequence split over tokens): it joins that unit.
    if (prev && start < prev.end) {
      prev.tokens.push(i);
      prev.end = Math.max(prev.end, snapUp(t.end));
    } else units.push({ start, end: snapUp(t.end), tokens: [i] });
  }
  return units;
}

/** Per-head attention of a unit: the sum over its pieces (a character's attention is that of all its pieces). */
export function unitAttention(unit: PaintUnit, tokens: readonly { attention: readonly number[] }[]): number[] {
  const out: number[] = [];
  for (const i of unit.tokens) tokens[i].attention.forEach((a, h) => (out[h] = (out[h] ?? 0) + a));
  return out;
}
