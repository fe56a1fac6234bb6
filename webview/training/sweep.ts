/** Layer sweep: test accuracy by layer, one line per probe kind (mean, last, attention ×H), plus the same as a table. */
import type { LayerSpec, LayerSweepPoint, ProbeKind } from '../../src/protocol/types';
import { probeKindLabel } from '../../src/protocol/probeLabel';
import { h } from '../shared/dom';
import { fmtPct } from '../shared/format';
import { LiveChart } from './chart';

/** A kind's column and line name: the one probe name of src/protocol/probeLabel ("attention ×8", "mean", "last"). */
export const kindKey = (probe: ProbeKind, heads?: number): string => probeKindLabel(probe, heads);

export class SweepView {
  readonly element = h('div', { class: 'sweep' });
  readonly points: LayerSweepPoint[] = [];
  private chart: LiveChart | undefined;
  private chartKinds = '';
  private readonly chartBox = h('div');
  private readonly tableBox = h('div');
  private finalX = 0;
  private bands: { series: number; lo: (number | null)[]; hi: (number | null)[] }[] = [];
  private hasFinal = false;

  constructor(private kinds: string[] = []) {
    this.element.append(this.chartBox, this.tableBox);
  }

  reset(kinds: string[]): void {
    this.kinds = [...kinds];
    this.points.length = 0;
    this.render();
  }

  add(points: LayerSweepPoint[]): void {
    for (const p of points) {
      const i = this.points.findIndex(
        (q) => q.layer === p.layer && kindKey(q.probe, q.heads) === kindKey(p.probe, p.heads),
      );
      if (i >= 0) this.points[i] = p;
      else this.points.push(p);
      const k = kindKey(p.probe, p.heads);
      if (!this.kinds.includes(k)) this.kinds.push(k);
    }
    this.render();
  }

  retheme(): void {
    this.chart?.retheme();
  }

  get lineChart(): LiveChart | undefined {
    return this.chart;
  }

  /** Hover text of a cell: the test accuracy's 95 % interval and the validation accuracy Keep Best ranks by. */
  private detail(l: LayerSpec, k: string): string | undefined {
    const p = this.points.find((q) => q.layer === l && kindKey(q.probe, q.heads) === k);
    if (!p) return undefined;
    const parts: string[] = [];
    if (p.accuracyCi95) parts.push(`test 95 % interval ${fmtPct(p.accuracyCi95[0])} – ${fmtPct(p.accuracyCi95[1])}`);
    if (p.valAccuracy !== undefined) parts.push(`validation ${fmtPct(p.valAccuracy)}`);
    return parts.length ? parts.join(' · ') : undefined;
  }

  private render(): void {
    if (this.kinds.length === 0) {
      this.chart = undefined;
      this.chartKinds = '';
      this.chartBox.replaceChildren();
      this.tableBox.replaceChildren();
      return;
    }
    const numeric = [...new Set(this.points.map((p) => p.layer).filter((l): l is number => l !== 'final'))].sort(
      (a, b) => a - b,
    );
    const hasFinal = (this.hasFinal = this.points.some((p) => p.layer === 'final'));
    this.finalX = (numeric.at(-1) ?? -1) + 1;
    const layers: LayerSpec[] = hasFinal ? [...numeric, 'final'] : numeric;
    const x = (l: LayerSpec) => (l === 'final' ? this.finalX : l);
    const acc = (l: LayerSpec, k: string) =>
      this.points.find((p) => p.layer === l && kindKey(p.probe, p.heads) === k)?.accuracy;

    if (this.chartKinds !== this.kinds.join(',')) {
      this.chartKinds = this.kinds.join(',');
      this.chart = new LiveChart({
        title: 'Test accuracy by layer',
        xLabel: 'layer',
        yLabel: 'accuracy',
        yRange: [0, 1],
        series: this.kinds.map((label) => ({ label, points: true })),
        xValues: (v) => (this.hasFinal && v === this.finalX ? 'final' : Number.isInteger(v) ? String(v) : ''),
        yValues: (v) => fmtPct(v, 0),
        bands: () => this.bands,
      });
      this.chartBox.replaceChildren(this.chart.element);
    }
    // 95 % intervals of test accuracy as bands under each kind's line (points without one have none).
    const ci = (l: LayerSpec, k: string) =>
      this.points.find((p) => p.layer === l && kindKey(p.probe, p.heads) === k)?.accuracyCi95;
    this.bands = this.kinds.map((k, series) => ({
      series,
      lo: layers.map((l) => ci(l, k)?.[0] ?? null),
      hi: layers.map((l) => ci(l, k)?.[1] ?? null),
    }));
    this.chart!.replace([layers.map(x), ...this.kinds.map((k) => layers.map((l) => acc(l, k) ?? null))]);

    const table = h('table', { class: 'metrics', id: 'sweep-table' });
    table.append(
      h('tr', {}, h('th', { scope: 'col' }, 'Layer'), ...this.kinds.map((k) => h('th', { scope: 'col' }, k))),
    );
    for (const l of layers) {
      table.append(
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, String(l)),
          ...this.kinds.map((k) => h('td', { title: this.detail(l, k) }, fmtPct(acc(l, k)))),
        ),
      );
    }
    this.tableBox.replaceChildren(table);
  }
}
