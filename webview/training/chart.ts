/**
 * A uPlot line chart that grows as points stream in: points are pushed onto the column arrays and the chart redraws
 * at most once per animation frame. Colours come from the VS Code theme and are re-read when the theme changes.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { chartColors, cssVar } from '../shared/theme';
import { frameThrottle } from '../shared/vscodeApi';

export interface SeriesDef {
  label: string;
  /** Line dash, so series differ by more than colour. */
  dash?: number[];
  points?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: SeriesDef[];
  /** Fixed y range (e.g. [0, 1] for accuracy); otherwise auto. */
  yRange?: [number, number];
  xValues?: (v: number) => string;
  yValues?: (v: number) => string;
  height?: number;
  /**
   * Shaded bands (e.g. 95 % intervals) drawn under series `series` (0-based): lo/hi per x index, null where none.
   * Drawn on the canvas, not as extra series, so the data columns stay one per line.
   */
  bands?: () => { series: number; lo: (number | null)[]; hi: (number | null)[] }[];
}

export const DASHES = [[], [6, 4], [2, 3], [10, 3, 2, 3], [4, 2, 4, 6]];
// x is a step or a layer: ticks only at whole numbers.
const INTEGER_INCRS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1e3, 2e3, 2.5e3, 5e3, 1e4, 2e4, 5e4, 1e5, 1e6];

export class LiveChart {
  readonly element: HTMLElement;
  /** Column data: x, then one column per series (null = no value at that x). */
  readonly data: (number | null)[][];
  private plot: uPlot | undefined;
  private readonly redraw = frameThrottle(() => this.plot?.setData(this.data as uPlot.AlignedData));

  constructor(private readonly opts: ChartOptions) {
    this.element = document.createElement('div');
    this.element.className = 'chart';
    this.element.setAttribute('role', 'img');
    this.element.setAttribute('aria-label', opts.title);
    this.data = [[], ...opts.series.map(() => [])];
    new ResizeObserver(() => this.resize()).observe(this.element);
  }

  /** Appends one x with a value (or null) per series. */
  push(x: number, ys: (number | null | undefined)[]): void {
    this.data[0].push(x);
    for (let s = 0; s < this.opts.series.length; s++) this.data[s + 1].push(ys[s] ?? null);
    this.ensurePlot();
    this.redraw();
  }

  /** Replaces all data (used for sweep tables where x values arrive out of order). */
  replace(columns: (number | null)[][]): void {
    for (let c = 0; c < this.data.length; c++) this.data[c].splice(0, this.data[c].length, ...(columns[c] ?? []));
    this.ensurePlot();
    this.redraw();
  }

  clear(): void {
    for (const col of this.data) col.length = 0;
    this.plot?.setData(this.data as uPlot.AlignedData);
  }

  get length(): number {
    return this.data[0].length;
  }

  /** Rebuilds the plot with the current theme's colours. */
  retheme(): void {
    this.plot?.destroy();
    this.plot = undefined;
    this.ensurePlot();
  }

  private ensurePlot(): void {
    if (this.plot || this.element.clientWidth === 0) return;
    const fg = cssVar('--vscode-charts-foreground', cssVar('--vscode-foreground', '#888'));
    const grid = cssVar('--vscode-charts-lines', 'rgba(128,128,128,0.35)');
    const font = `11px ${cssVar('--vscode-font-family', 'sans-serif')}`;
    const colors = chartColors();
    const axis = (label: string, values?: (v: number) => string): uPlot.Axis => ({
      label,
      stroke: fg,
      font,
      labelFont: font,
      grid: { stroke: grid, width: 1 },
      ticks: { stroke: grid, width: 1 },
      values: values ? (_u, splits) => splits.map(values) : undefined,
    });
    const o = this.opts;
    this.plot = new uPlot(
      {
        title: o.title,
        hooks: o.bands ? { drawClear: [(u: uPlot) => this.drawBands(u)] } : undefined,
        width: this.element.clientWidth,
        height: o.height ?? 220,
        scales: { x: { time: false }, y: o.yRange ? { range: o.yRange } : {} },
        axes: [{ ...axis(o.xLabel, o.xValues), incrs: INTEGER_INCRS }, axis(o.yLabel, o.yValues)],
        series: [
          { label: o.xLabel, value: (_u, v) => (v == null ? '–' : o.xValues ? o.xValues(v) : String(v)) },
          ...o.series.map((s, i): uPlot.Series => ({
            label: s.label,
            stroke: colors[i % colors.length],
            width: 2,
            dash: s.dash ?? DASHES[i % DASHES.length],
            spanGaps: true,
            points: { show: s.points ?? false, size: 6 },
            value: (_u, v) => (v == null ? '–' : o.yValues ? o.yValues(v) : v.toFixed(4)),
          })),
        ],
      },
      this.data as uPlot.AlignedData,
      this.element,
    );
  }

  /** uPlot draw hook: one translucent polygon per band in its series' colour, over the x positions that have both. */
  private drawBands(u: uPlot): void {
    const bands = this.opts.bands?.() ?? [];
    if (!bands.length) return;
    const colors = chartColors();
    const xs = u.data[0] as number[];
    const ctx = u.ctx;
    ctx.save();
    ctx.beginPath();
    ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
    ctx.clip();
    for (const b of bands) {
      const idx = xs.map((_, i) => i).filter((i) => b.lo[i] != null && b.hi[i] != null);
      if (!idx.length) continue;
      const px = (i: number) => u.valToPos(xs[i], 'x', true);
      const py = (v: number) => u.valToPos(v, 'y', true);
      ctx.beginPath();
      // A lone point gets a small vertical bar; otherwise the polygon hi (left→right) then lo (right→left).
      const w = idx.length === 1 ? 3 * devicePixelRatio : 0;
      idx.forEach((i, j) => (j === 0 ? ctx.moveTo(px(i) - w, py(b.hi[i]!)) : ctx.lineTo(px(i), py(b.hi[i]!))));
      if (w) ctx.lineTo(px(idx[0]) + w, py(b.hi[idx[0]]!));
      for (let j = idx.length - 1; j >= 0; j--) ctx.lineTo(px(idx[j]) + (w && j === 0 ? w : 0), py(b.lo[idx[j]]!));
      if (w) ctx.lineTo(px(idx[0]) - w, py(b.lo[idx[0]]!));
      ctx.closePath();
      ctx.globalAlpha = 0.18;
      ctx.fillStyle = colors[b.series % colors.length];
      ctx.fill();
      ctx.globalAlpha = 1;
    }
    ctx.restore();
  }

  private resize(): void {
    if (!this.plot) {
      if (this.length > 0) this.ensurePlot();
      return;
    }
    if (this.element.clientWidth > 0)
      this.plot.setSize({ width: this.element.clientWidth, height: this.opts.height ?? 220 });
  }

  /** Length of each series' data as uPlot holds it (for tests and status text). */
  plottedLengths(): number[] {
    return this.plot ? this.plot.data.map((c) => c.length) : [];
  }
}
