/** Attention weights per token for a head selection, the colour ramp, and the self-contained HTML export. */
import { paintUnits } from '../../src/protocol/paintUnits';
import type { ClassifiedToken } from '../../src/protocol/types';
import type { AttentionShowPayload, HeadSelection } from '../../src/protocol/webview';

export type Rgb = [number, number, number];

/** Weight of each token under `head`: sum over heads, max over heads, or one head (0 where a head is missing). */
export function headWeights(tokens: ClassifiedToken[], head: HeadSelection): Float64Array {
  const w = new Float64Array(tokens.length);
  tokens.forEach((t, i) => {
    const a = t.attention;
    if (head === 'sum') w[i] = a.reduce((s, x) => s + x, 0);
    else if (head === 'max') w[i] = a.length ? Math.max(...a) : 0;
    else w[i] = a[head] ?? 0;
  });
  return w;
}

export function maxOf(w: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < w.length; i++) if (w[i] > m) m = w[i];
  return m;
}

/** Background for a token whose weight is `intensity` (0..1) of the row maximum; transparent below 1%. */
export function heatColor(rgb: Rgb, intensity: number): string {
  const alpha = 0.85 * Math.min(1, intensity);
  if (!(alpha >= 0.01)) return 'transparent';
  return `rgba(${rgb[0]}, ${rgb[1]}, ${rgb[2]}, ${alpha.toFixed(3)})`;
}

export function headLabel(head: HeadSelection): string {
  return head === 'sum' ? 'sum over heads' : head === 'max' ? 'max over heads' : `head ${head + 1}`;
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * Segments of the original text in text order: paint units (src/protocol/paintUnits.ts: a token, or the byte-fallback
 * pieces of one character / the tokens of one grapheme cluster, painted together) and the gaps between them.
 * `token` is the unit's first token, `tokens` all of them.
 */
export function textSegments(
  text: string,
  tokens: ClassifiedToken[],
): { text: string; token?: number; tokens?: number[] }[] {
  const out: { text: string; token?: number; tokens?: number[] }[] = [];
  let pos = 0;
  for (const u of paintUnits(text, tokens)) {
    if (u.start > pos) out.push({ text: text.slice(pos, u.start) });
    out.push({ text: text.slice(u.start, u.end), token: u.tokens[0], tokens: u.tokens });
    pos = u.end;
  }
  if (pos < text.length) out.push({ text: text.slice(pos) });
  return out;
}

/** A unit's weight: the sum of its pieces' weights (w from headWeights). */
export function unitWeight(w: ArrayLike<number>, tokens: readonly number[]): number {
  let s = 0;
  for (const i of tokens) s += w[i];
  return s;
}

/** Inline-styled HTML that pastes into documents and mail as-is (no classes, no external CSS). */
export function exportHtml(show: AttentionShowPayload, head: HeadSelection, rgb: Rgb): string {
  const w = headWeights(show.result.tokens, head);
  const segments = textSegments(show.text, show.result.tokens);
  const max = segments.reduce((m, s) => (s.tokens ? Math.max(m, unitWeight(w, s.tokens)) : m), 0);
  const p = show.result.probabilities[show.result.label];
  const header =
    `<div style="font-family:sans-serif;font-size:12px;margin-bottom:6px;color:#555">` +
    `${escapeHtml(show.probeName)} · predicted <b>${escapeHtml(show.result.label)}</b>` +
    `${p !== undefined ? ` (p = ${p.toFixed(3)})` : ''} · ${escapeHtml(headLabel(head))}</div>`;
  const body = segments
    .map((s) => {
      if (s.tokens === undefined) return escapeHtml(s.text);
      const weight = unitWeight(w, s.tokens);
      const bg = heatColor(rgb, max > 0 ? weight / max : 0);
      return `<span style="background-color:${bg};border-radius:2px" title="weight ${weight.toFixed(4)}">${escapeHtml(s.text)}</span>`;
    })
    .join('');
  return (
    `<div style="font-family:Consolas,Menlo,monospace;font-size:13px;line-height:1.7;white-space:pre-wrap;color:#222;background:#fff;padding:8px">` +
    `${header}${body}</div>`
  );
}
