/**
 * Heads × tokens grid on a canvas (one rect per cell: a 1,000-token text with 8 heads is 9,000 rects, a few ms).
 * Row 0 is the sum over heads, then one row per head; each row is scaled to its own maximum.
 */
import type { ClassifiedToken } from '../../src/protocol/types';
import type { HeadSelection } from '../../src/protocol/webview';
import { headWeights, maxOf, type Rgb } from './weights';

export interface GridLayout {
  cellW: number;
  cellH: number;
  /** Width of the row-label column drawn into the canvas (0 when labels are DOM buttons beside it). */
  labelW: number;
  top: number;
}

export const gridRows = (heads: number): HeadSelection[] => ['sum', ...Array.from({ length: heads }, (_, i) => i)];
export const rowName = (row: HeadSelection): string => (typeof row === 'number' ? `head ${row + 1}` : row);

export function layoutFor(tokens: number, availableWidth: number, labelW = 0, top = 0): GridLayout {
  const cellW = Math.max(1, Math.min(24, Math.floor((availableWidth - labelW) / Math.max(1, tokens))));
  return { cellW, cellH: 16, labelW, top };
}

export interface GridColors {
  heat: Rgb;
  background: string;
  foreground: string;
  selection: string;
}

export function drawGrid(
  canvas: HTMLCanvasElement,
  tokens: ClassifiedToken[],
  heads: number,
  selected: HeadSelection,
  layout: GridLayout,
  colors: GridColors,
  extraHeight = 0,
): CanvasRenderingContext2D {
  const rows = gridRows(heads);
  const dpr = window.devicePixelRatio || 1;
  const width = layout.labelW + tokens.length * layout.cellW;
  const height = layout.top + rows.length * layout.cellH + extraHeight;
  canvas.width = Math.ceil(width * dpr);
  canvas.height = Math.ceil(height * dpr);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d')!;
  ctx.scale(dpr, dpr);
  ctx.fillStyle = colors.background;
  ctx.fillRect(0, 0, width, height);
  const [r, g, b] = colors.heat;
  rows.forEach((row, ri) => {
    const w = headWeights(tokens, row);
    const max = maxOf(w);
    const y = layout.top + ri * layout.cellH;
    if (layout.labelW > 0) {
      ctx.fillStyle = colors.foreground;
      ctx.font = '11px sans-serif';
      ctx.textBaseline = 'middle';
      ctx.fillText(rowName(row), 4, y + layout.cellH / 2);
    }
    for (let i = 0; i < w.length; i++) {
      const v = max > 0 ? w[i] / max : 0;
      if (v < 0.01) continue; // same cut-off as the text colouring
      ctx.fillStyle = `rgba(${r},${g},${b},${(0.08 + 0.92 * v).toFixed(3)})`;
      ctx.fillRect(
        layout.labelW + i * layout.cellW,
        y + 1,
        layout.cellW > 5 ? layout.cellW - 1 : layout.cellW,
        layout.cellH - 2,
      );
    }
    if (row === selected) {
      ctx.strokeStyle = colors.selection;
      ctx.lineWidth = 2;
      ctx.strokeRect(layout.labelW + 1, y + 1, tokens.length * layout.cellW - 2, layout.cellH - 2);
    }
  });
  return ctx;
}

/** Which (row, token) a point in CSS pixels falls on, if any. */
export function hitTest(
  x: number,
  y: number,
  layout: GridLayout,
  tokens: number,
  heads: number,
): { row: HeadSelection; token: number } | undefined {
  const token = Math.floor((x - layout.labelW) / layout.cellW);
  const ri = Math.floor((y - layout.top) / layout.cellH);
  const rows = gridRows(heads);
  if (token < 0 || token >= tokens || ri < 0 || ri >= rows.length) return undefined;
  return { row: rows[ri], token };
}
