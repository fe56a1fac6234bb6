/**
 * Turns a classification's per-token, per-head attention into one weight and one colour bucket per visible token.
 * Pure (no `vscode`): the overlay painter, the hover, the attention panel and the tests share it.
 */
import { paintUnits, unitAttention } from '../../protocol/paintUnits';
import type { ClassifiedToken, ProbeKind } from '../../protocol/types';
import type { HeadSelection } from '../../protocol/webview';

/** The overlay paints with a fixed set of decoration types, one per bucket (0 = faintest). */
export const BUCKET_COUNT = 6;

/** The theme colour (package.json contributes.colors) of a 0-based bucket. */
export const bucketColorId = (bucket: number): string => `probescope.attentionBucket${bucket + 1}`;

/** One token of a painted unit, with its own weight (the hover lists them). */
export interface WeightedPiece {
  index: number;
  id: number;
  text: string;
  weight: number;
  attention: number[];
}

/**
 * One painted unit (src/protocol/paintUnits.ts): a token, or the tokens that share a character (byte-fallback pieces)
 * or a grapheme cluster; its weight is the sum of its pieces'.
 */
export interface WeightedToken {
  /** Index into ClassifyResult.tokens of the unit's first piece. */
  index: number;
  id: number;
  text: string;
  /** UTF-16 offsets into the classified text (whole grapheme clusters when the text is given). */
  start: number;
  end: number;
  /** Heads combined by the selection (sum / max / one head) on the unit's per-head attention (summed over pieces). */
  weight: number;
  /** weight / the largest weight among visible tokens, in [0, 1]. */
  normalized: number;
  bucket: number;
  /** Per head, summed over the unit's pieces. */
  attention: number[];
  pieces: WeightedPiece[];
}

/** Parses the `probescope.attentionHeads` setting; anything unknown falls back to `sum`. */
export function parseHeadSelection(setting: string | number | undefined): HeadSelection {
  if (setting === 'sum' || setting === 'max') return setting;
  const n = typeof setting === 'number' ? setting : Number(setting);
  return Number.isInteger(n) && n >= 0 ? n : 'sum';
}

export function headSelectionLabel(head: HeadSelection): string {
  return head === 'sum' ? 'sum' : head === 'max' ? 'max' : `head ${head + 1}`; // shown 1-based, as in the attention panel
}

export function combineHeads(attention: readonly number[], head: HeadSelection): number {
  if (attention.length === 0) return 0;
  if (head === 'sum') return attention.reduce((a, b) => a + b, 0);
  if (head === 'max') return Math.max(...attention);
  return attention[Math.min(head, attention.length - 1)] ?? 0;
}

export function bucketOf(normalized: number): number {
  if (!(normalized > 0)) return 0;
  return Math.min(BUCKET_COUNT - 1, Math.floor(normalized * BUCKET_COUNT));
}

/**
 * Weights for the paint units of the tokens that cover text (special tokens such as <bos> have empty spans and are
 * skipped, and do not take part in the normalisation: an attention sink on <bos> would otherwise wash out every
 * visible token). Pass the classified `text` so grapheme clusters are painted as one unit; without it only pieces of
 * one character are merged. Mean and last-token probes have no attention: every token weighs the same for `mean`,
 * only the last for `last`.
 */
export function weighTokens(
  tokens: readonly ClassifiedToken[],
  head: HeadSelection,
  probe: ProbeKind,
  text?: string,
): WeightedToken[] {
  const units = paintUnits(text, tokens);
  const visibleCount = units.reduce((n, u) => n + u.tokens.length, 0);
  const lastIndex = units.length ? units[units.length - 1].tokens.reduce((m, i) => Math.max(m, i), -1) : -1;
  const pieceWeight = (i: number): number => {
    const t = tokens[i];
    if (t.attention.length > 0) return combineHeads(t.attention, head);
    if (probe === 'mean') return visibleCount ? 1 / visibleCount : 0;
    return i === lastIndex ? 1 : 0;
  };
  const raw = units.map((u) => {
    if (tokens[u.tokens[0]].attention.length > 0) return combineHeads(unitAttention(u, tokens), head);
    return u.tokens.reduce((a, i) => a + pieceWeight(i), 0);
  });
  const max = raw.reduce((m, w) => Math.max(m, w), 0);
  return units.map((u, k) => {
    const first = tokens[u.tokens[0]];
    const normalized = max > 0 ? raw[k] / max : 0;
    return {
      index: u.tokens[0],
      id: first.id,
      text: u.tokens.map((i) => tokens[i].text).join(''),
      start: u.start,
      end: u.end,
      weight: raw[k],
      normalized,
      bucket: bucketOf(normalized),
      attention: unitAttention(u, tokens),
      pieces: u.tokens.map((i) => ({
        index: i,
        id: tokens[i].id,
        text: tokens[i].text,
        weight: pieceWeight(i),
        attention: tokens[i].attention,
      })),
    };
  });
}
