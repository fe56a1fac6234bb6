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
