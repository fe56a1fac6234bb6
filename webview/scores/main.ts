/**
 * The score panel: the probe's score at every painted unit of a document (uPlot, one point per unit; 100k points
 * draw in one pass), the decision threshold as a dashed red line, the 1 % FPR threshold of the probe's test split as
 * a dotted orange line labelled on the plot (or a note saying why it is unavailable), the editor's cursor as a
 * vertical line, a click on the plot reveals that place in the editor, and the top firing spans listed with their
 * text (click: reveal the span).
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import '../shared/base.css';
import './main.css';
import { parseScorePanelToWebview, type ScorePanelPayload, type ScorePanelToHost } from '../../src/protocol/scorePanel';
import { appRoot, h } from '../shared/dom';
import { fmtInt } from '../shared/format';
import { chartColors, cssVar, onThemeChange } from '../shared/theme';
import { onHostMessage, panelApi } from '../shared/vscodeApi';

const api = panelApi<ScorePanelToHost, undefined>(() => undefined);
const root = appRoot();
const head = h('div', { id: 'head' });
const plotEl = h('div', { id: 'plot', role: 'img', 'aria-label': 'Score against position' });
const noteEl = h('div', { id: 'fpr-note', class: 'muted' });
const spansTitle = h('h3', {}, 'Top firing spans');
const spansEl = h('ol', { id: 'spans' });
root.append(head, plotEl, noteEl, spansTitle, spansEl);

let payload: ScorePanelPayload | undefined;
let plot: uPlot | undefined;
let cursorPoint = -1;

function render(): void {
  plot?.destroy();
  plot = undefined;
  const p = payload;
  if (!p) return;
  head.replaceChildren(
    h('span', {}, h('b', {}, p.documentName)),
    h('span', {}, `${p.probeName} · class ${p.className}`),
    h('span', { id: 'logit' }, `document logit ${p.logit.toFixed(3)}`),
    h('span', { class: 'muted' }, `threshold ${p.threshold} · ${fmtInt(p.scores.length)} points`),
    ...(p.fprThreshold
      ? [h('span', { id: 'fpr', class: 'fpr' }, `1 % FPR threshold ${p.fprThreshold.value.toFixed(3)}`)]
      : []),
  );
  noteEl.textContent = p.fprNote;
  plotEl.dataset.fprThreshold = p.fprThreshold ? String(p.fprThreshold.value) : '';
  spansEl.replaceChildren(
    ...p.spans.map((s) =>
      h(
        'li',
        {},
        h(
          'button',
          { 'data-start': s.start, title: `offset ${s.start}` },
          h('span', { class: 'peak' }, s.peak.toFixed(3)),
          s.text.length > 120 ? `${s.text.slice(0, 120)}…` : s.text,
        ),
      ),
    ),
  );
  const firingBy = p.fprThreshold && p.firingThreshold === p.fprThreshold.value ? ' (1 % FPR threshold)' : '';
  spansTitle.textContent = p.spans.length ? `Top firing spans${firingBy}` : `No span passes the threshold${firingBy}`;
  const x = new Float64Array(p.scores.length);
  for (let i = 0; i < x.length; i++) x[i] = i;
  const y = Float64Array.from(p.scores);
  const fg = cssVar('--vscode-charts-foreground', cssVar('--vscode-foreground', '#888'));
  const grid = cssVar('--vscode-charts-lines', 'rgba(128,128,128,0.35)');
  const thresholdColor = cssVar('--vscode-charts-red', '#f14c4c');
  const fprColor = cssVar('--vscode-charts-orange', '#d18616');
  const cursorColor = cssVar('--vscode-focusBorder', '#0078d4');
  const font = `11px ${cssVar('--vscode-font-family', 'sans-serif')}`;
  const axis = (label: string): uPlot.Axis => ({
    label,
    stroke: fg,
    font,
    labelFont: font,
    grid: { stroke: grid, width: 1 },
    ticks: { stroke: grid, width: 1 },
  });
  const overlay = (u: uPlot) => {
    const ctx = u.ctx;
    ctx.save();
    ctx.lineWidth = 1.5 * devicePixelRatio;
    const ty = u.valToPos(p.threshold, 'y', true);
    ctx.strokeStyle = thresholdColor;
    ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
    ctx.beginPath();
    ctx.moveTo(u.bbox.left, ty);
    ctx.lineTo(u.bbox.left + u.bbox.width, ty);
    ctx.stroke();
    if (p.fprThreshold) {
      // The 1 % FPR line: dotted, another colour, labelled at its right end.
      const fy = u.valToPos(p.fprThreshold.value, 'y', true);
      ctx.strokeStyle = fprColor;
      ctx.setLineDash([2 * devicePixelRatio, 3 * devicePixelRatio]);
      ctx.beginPath();
      ctx.moveTo(u.bbox.left, fy);
      ctx.lineTo(u.bbox.left + u.bbox.width, fy);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = fprColor;
      ctx.font = `${11 * devicePixelRatio}px ${cssVar('--vscode-font-family', 'sans-serif')}`;
      ctx.textAlign = 'right';
      ctx.textBaseline = 'bottom';
      ctx.fillText(
        '1 % FPR (test split)',
        u.bbox.left + u.bbox.width - 4 * devicePixelRatio,
        fy - 2 * devicePixelRatio,
      );
    }
    if (cursorPoint >= 0) {
      const cx = u.valToPos(cursorPoint, 'x', true);
      ctx.strokeStyle = cursorColor;
      ctx.setLineDash([]);
      ctx.beginPath();
      ctx.moveTo(cx, u.bbox.top);
      ctx.lineTo(cx, u.bbox.top + u.bbox.height);
      ctx.stroke();
    }
    ctx.restore();
  };
  plot = new uPlot(
    {
      width: Math.max(200, plotEl.clientWidth),
      height: 260,
      // The y range always holds both threshold lines, even when every score is on one side of them.
      scales: {
        x: { time: false },
        y: {
          range: (_u, min, max) => {
            const lines = [p.threshold, ...(p.fprThreshold ? [p.fprThreshold.value] : [])];
            const lo = Math.min(min, ...lines);
            const hi = Math.max(max, ...lines);
            const pad = (hi - lo) * 0.05 || 1;
            return [lo - pad, hi + pad];
          },
        },
      },
      axes: [axis('position (painted unit)'), axis('score')],
      legend: { show: false },
      series: [{}, { label: 'score', stroke: chartColors()[0], width: 1, points: { show: false } }],
      hooks: { draw: [overlay] },
    },
    [x, y] as unknown as uPlot.AlignedData,
    plotEl,
  );
  plot.over.addEventListener('click', () => {
    const i = plot?.cursor.idx;
    if (i != null && payload) api.post({ type: 'reveal', offset: payload.offsets[i]! });
  });
  plotEl.dataset.points = String(plot.data[0]!.length);
  // Tests map values to canvas rows through the live plot.
  (window as unknown as { __scorePlot?: uPlot }).__scorePlot = plot;
}

spansEl.addEventListener('click', (e) => {
  const b = (e.target as HTMLElement).closest('button');
  const s = payload?.spans.find((x) => String(x.start) === b?.dataset.start);
  if (s) api.post({ type: 'reveal', offset: s.start, end: s.end });
});

onHostMessage(parseScorePanelToWebview, (m) => {
  if (m.type === 'cursor') {
    cursorPoint = m.point;
    plotEl.dataset.cursor = String(m.point);
    plot?.redraw(false);
    return;
  }
  const { type: _type, ...rest } = m;
  payload = rest;
  render();
});
new ResizeObserver(() => plot?.setSize({ width: Math.max(200, plotEl.clientWidth), height: 260 })).observe(plotEl);
onThemeChange(render);
api.post({ type: 'ready' });
