/**
 * Turns a classification's per-token, per-head attention into one weight and one colour bucket per visible token.
 * Pure (no `vscode`): the overlay painter, the hover, the attention panel and the tests share it.
 */
import type { ClassifiedToken, ProbeKind } from '../../protocol/types';
import type { HeadSelection } from '../../protocol/webview';

/** The overlay paints with a fixed set of decoration types, one per bucket (0 = faintest). */
export const BUCKET_COUNT = 6;

/** The theme colour (package.json contributes.colors) of a 0-based bucket. */
export const bucketColorId = (bucket: number): string => `probescope.attentionBucket${bucket + 1}`;

export interface WeightedToken {
  /** Index into ClassifyResult.tokens. */
  index: number;
  id: number;
  text: string;
  /** UTF-16 offsets into the classified text. */
  start: number;
  end: number;
  /** Heads combined by the selection (sum / max / one head). */
  weight: number;
  /** weight / the largest weight among visible tokens, in [0, 1]. */
  normalized: number;
  bucket: number;
  attention: number[];
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
 * Weights for the tokens that cover text (special tokens such as <bos> have empty spans and are skipped, and do not
 * take part in the normalisation: an attention sink on <bos> would otherwise wash out every visible token).
 * Mean and last-token probes have no attention: every token weighs the same for `mean`, only the last for `last`.
 */
export function weighTokens(
  tokens: readonly ClassifiedToken[],
  head: HeadSelection,
  probe: ProbeKind,
): WeightedToken[] {
  const visible = tokens.map((t, index) => ({ t, index })).filter(({ t }) => t.end > t.start);
  const lastIndex = visible.length ? visible[visible.length - 1].index : -1;
  const raw = visible.map(({ t, index }) => {
    if (t.attention.length > 0) return combineHeads(t.attention, head);
    if (probe === 'mean') return visible.length ? 1 / visible.length : 0;
    return index === lastIndex ? 1 : 0;
  });
  const max = raw.reduce((m, w) => Math.max(m, w), 0);
  return visible.map(({ t, index }, i) => {
    const normalized = max > 0 ? raw[i] / max : 0;
    return {
      index,
      id: t.id,
      text: t.text,
      start: t.start,
      end: t.end,
      weight: raw[i],
      normalized,
      bucket: bucketOf(normalized),
      attention: t.attention,
    };
  });
}
