/**
 * ROC curve of a binary probe's test split as SVG, FPR on a log axis (monitors run at FPR ≤ 1–5 %, where a linear
 * axis squeezes everything into the corner). Points at FPR 0 sit on the left edge; dashed guides mark 1 % and 5 % FPR.
 */
import './roc.css';

const NS = 'http://www.w3.org/2000/svg';

function el(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

export interface RocSeries {
  label: string;
  fpr: number[];
  tpr: number[];
}

const COLOURS = ['#3794ff', '#f0a35e', '#89d185', '#c586c0', '#d16969', '#4ec9b0'];

/** One or more ROC curves (compare view overlays several) on a shared log-FPR axis. */
export function rocChart(series: RocSeries[], opts: { title?: string; id?: string } = {}): HTMLElement {
  const W = 420;
  const Ht = 300;
  const m = { l: 44, r: 12, t: 24, b: 36 };
  const positive = series.flatMap((s) => s.fpr.filter((x) => x > 0));
  const minPos = positive.length ? Math.min(...positive) : 1e-3;
  // At least down to 0.001, so the 1 % guide never sits on the edge; at most 1e-4.
  const lo = Math.max(-4, Math.min(-3, Math.floor(Math.log10(minPos))));
  const x = (f: number) => m.l + ((Math.log10(Math.max(f, 10 ** lo)) - lo) / -lo) * (W - m.l - m.r);
  const y = (t: number) => Ht - m.b - t * (Ht - m.t - m.b);
  const svg = el('svg', {
    viewBox: `0 0 ${W} ${Ht}`,
    class: 'roc',
    role: 'img',
    'aria-label': opts.title ?? 'ROC curve (log FPR)',
    ...(opts.id ? { id: opts.id } : {}),
  });
  svg.append(el('text', { x: m.l, y: 14, class: 'roc-title' }, opts.title ?? 'ROC curve (test), log FPR'));
  // Axes, decade ticks, TPR ticks.
  svg.append(el('line', { x1: m.l, y1: y(0), x2: W - m.r, y2: y(0), class: 'roc-axis' }));
  svg.append(el('line', { x1: m.l, y1: y(0), x2: m.l, y2: y(1), class: 'roc-axis' }));
  for (let d = lo; d <= 0; d++) {
    svg.append(el('line', { x1: x(10 ** d), y1: y(0), x2: x(10 ** d), y2: y(1), class: 'roc-grid' }));
    svg.append(
      el('text', { x: x(10 ** d), y: Ht - m.b + 14, class: 'roc-tick', 'text-anchor': 'middle' }, `${10 ** d}`),
    );
  }
  for (const t of [0, 0.25, 0.5, 0.75, 1])
    svg.append(el('text', { x: m.l - 6, y: y(t) + 4, class: 'roc-tick', 'text-anchor': 'end' }, t.toFixed(2)));
  for (const f of [0.01, 0.05])
    svg.append(el('line', { x1: x(f), y1: y(0), x2: x(f), y2: y(1), class: 'roc-guide', 'data-fpr': f }));
  svg.append(
    el(
      'text',
      { x: (m.l + W - m.r) / 2, y: Ht - 4, class: 'roc-tick', 'text-anchor': 'middle' },
      'false-positive rate (log)',
    ),
  );
  // Chance line TPR = FPR, sampled along the log axis.
  const chance = Array.from({ length: 41 }, (_, i) => 10 ** (lo - (lo * i) / 40));
  svg.append(el('polyline', { points: chance.map((f) => `${x(f)},${y(f)}`).join(' '), class: 'roc-chance' }));
  series.forEach((s, k) => {
    const pts = s.fpr.map((f, i) => `${x(f).toFixed(1)},${y(s.tpr[i]).toFixed(1)}`).join(' ');
    const line = el('polyline', {
      points: pts,
      class: 'roc-line',
      stroke: COLOURS[k % COLOURS.length],
      'data-label': s.label,
    });
    line.append(el('title', {}, s.label));
    svg.append(line);
    if (series.length > 1)
      svg.append(
        el(
          'text',
          {
            x: W - m.r - 4,
            y: y(0) - 8 - 14 * k,
            class: 'roc-legend',
            'text-anchor': 'end',
            fill: COLOURS[k % COLOURS.length],
          },
          s.label,
        ),
      );
  });
  const box = document.createElement('div');
  box.className = 'roc-box';
  box.append(svg);
  return box;
}
