/**
 * The heads × tokens grid as a figure for a paper: a title (probe, predicted label and probability), row labels
 * ("sum", "head 1" …), one column per token with the token's text written under it, and a colour scale. Each row is
 * scaled to its own maximum, as in the panel, so the scale reads "attention ÷ row max" from 0 to 1. Print colours
 * (white background, dark text) whatever the editor theme; no selection outline. Built as SVG (vector, for LaTeX or
 * Word) and rasterised from that same SVG for the PNG, at twice its size.
 */
import type { AttentionShowPayload } from '../../src/protocol/webview';
import { gridRows, rowName } from './grid';
import { headWeights, maxOf, type Rgb } from './weights';

export const FIGURE = {
  cellW: 14,
  cellH: 18,
  /** Longest token label written (longer ones end in "…"). */
  maxLabelChars: 18,
  fontSize: 11,
  /** Approximate advance of one character at fontSize, for sizing the label areas. */
  charW: 6.6,
  pad: 12,
  titleH: 26,
  scaleW: 12,
  heat: [204, 76, 2] as Rgb,
  ink: '#1a1a1a',
  paper: '#ffffff',
};

export interface Figure {
  svg: string;
  /** Size in CSS pixels (the PNG is twice that, capped to what a canvas can hold). */
  width: number;
  height: number;
}

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A token as written under its column: whitespace collapsed and trimmed (a bare space reads "␣"), shortened. */
export function tokenLabel(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim() || (text.length ? '␣' : '∅');
  return t.length > FIGURE.maxLabelChars ? `${t.slice(0, FIGURE.maxLabelChars - 1)}…` : t;
}

/** Opacity of a cell whose weight is `v` of its row's maximum (the panel's ramp): none below 1%. */
const alpha = (v: number): number => (v < 0.01 ? 0 : 0.08 + 0.92 * v);

export function attentionFigure(show: AttentionShowPayload): Figure {
  const F = FIGURE;
  const tokens = show.result.tokens;
  const heads = tokens[0]?.attention.length ?? 0;
  const rows = gridRows(heads);
  const labels = tokens.map((t) => tokenLabel(t.text));
  const rowLabelW = Math.ceil(Math.max(...rows.map((r) => rowName(r).length)) * F.charW) + 10;
  const tokenLabelH = Math.ceil(Math.max(1, ...labels.map((l) => l.length)) * F.charW) + 8;
  const gridX = F.pad + rowLabelW;
  const gridY = F.pad + F.titleH;
  const gridW = tokens.length * F.cellW;
  const gridH = rows.length * F.cellH;
  const scaleX = gridX + gridW + 16;
  const width = Math.ceil(scaleX + F.scaleW + 8 + 3 * F.charW + 80 + F.pad);
  const height = Math.ceil(gridY + gridH + tokenLabelH + 20 + F.pad);
  const [r, g, b] = F.heat;
  const fill = `rgb(${r},${g},${b})`;
  const p = show.result.probabilities[show.result.label];
  const title =
    `${show.probeName} · predicted ${show.result.label}${p !== undefined ? ` (p = ${p.toFixed(3)})` : ''}` +
    ` · ${tokens.length} tokens`;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="Liberation Sans, Arial, Helvetica, sans-serif" font-size="${F.fontSize}">`,
    `<rect width="${width}" height="${height}" fill="${F.paper}"/>`,
    `<text class="title" x="${F.pad}" y="${F.pad + 14}" font-size="13" fill="${F.ink}">${esc(title)}</text>`,
  );
  rows.forEach((row, ri) => {
    const y = gridY + ri * F.cellH;
    out.push(
      `<text class="row-label" x="${gridX - 6}" y="${y + F.cellH / 2}" text-anchor="end" dominant-baseline="central" fill="${F.ink}">${esc(rowName(row))}</text>`,
    );
    const w = headWeights(tokens, row);
    const max = maxOf(w);
    for (let i = 0; i < w.length; i++) {
      const a = alpha(max > 0 ? w[i] / max : 0);
      if (a === 0) continue;
      out.push(
        `<rect x="${gridX + i * F.cellW}" y="${y + 1}" width="${F.cellW - 1}" height="${F.cellH - 2}" fill="${fill}" fill-opacity="${a.toFixed(3)}"/>`,
      );
    }
  });
  out.push(
    `<rect x="${gridX - 0.5}" y="${gridY - 0.5}" width="${gridW + 1}" height="${gridH + 1}" fill="none" stroke="${F.ink}" stroke-opacity="0.35"/>`,
  );
  labels.forEach((label, i) => {
    const x = gridX + i * F.cellW + F.cellW / 2;
    const y = gridY + gridH + 6;
    out.push(
      `<text class="token-label" transform="translate(${x} ${y}) rotate(-90)" text-anchor="end" dominant-baseline="central" fill="${F.ink}">${esc(label)}</text>`,
    );
  });
  out.push(
    `<text class="axis-label" x="${gridX + gridW / 2}" y="${height - F.pad}" text-anchor="middle" fill="${F.ink}">tokens</text>`,
  );
  // Colour scale: the same ramp, 0 at the bottom (no fill) to the row maximum at the top.
  out.push(
    `<defs><linearGradient id="scale" x1="0" y1="1" x2="0" y2="0">` +
      `<stop offset="0" stop-color="${fill}" stop-opacity="0"/><stop offset="0.01" stop-color="${fill}" stop-opacity="${alpha(0.01).toFixed(3)}"/>` +
      `<stop offset="1" stop-color="${fill}" stop-opacity="1"/></linearGradient></defs>`,
    `<rect class="scale" x="${scaleX}" y="${gridY}" width="${F.scaleW}" height="${gridH}" fill="url(#scale)" stroke="${F.ink}" stroke-opacity="0.35"/>`,
  );
  for (const v of [0, 0.5, 1]) {
    const y = gridY + gridH * (1 - v);
    out.push(
      `<line x1="${scaleX + F.scaleW}" x2="${scaleX + F.scaleW + 3}" y1="${y}" y2="${y}" stroke="${F.ink}"/>`,
      `<text class="scale-tick" x="${scaleX + F.scaleW + 6}" y="${y}" dominant-baseline="central" fill="${F.ink}">${v}</text>`,
    );
  }
  out.push(
    `<text class="scale-label" x="${scaleX}" y="${gridY + gridH + 16}" fill="${F.ink}">attention ÷ row max</text>`,
    '</svg>',
  );
  return { svg: out.join('\n'), width, height };
}

/** Largest canvas side Chromium draws reliably. */
const MAX_CANVAS_SIDE = 32_000;

/** The figure as a PNG data URL, rasterised from its SVG at 2× (less when that would exceed a canvas). */
export async function figurePng(fig: Figure): Promise<string> {
  const scale = Math.min(2, MAX_CANVAS_SIDE / fig.width, MAX_CANVAS_SIDE / fig.height);
  const img = new Image();
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(fig.svg)}`;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(fig.width * scale);
  canvas.height = Math.round(fig.height * scale);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL('image/png');
}
