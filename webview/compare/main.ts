/** Compare Probes: one table (kind, layer, heads, optimizer, every metric with its interval), paired tests, ROCs. */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '../shared/base.css';
import './main.css';
import {
  parseCompareHostMessage,
  parseComparePanelState,
  type ComparePanelState,
  type CompareToHost,
} from '../../src/protocol/compareWebview';
import type { ProbeComparison, SplitMetrics } from '../../src/protocol/types';
import { appRoot, h } from '../shared/dom';
import { fmtInt, fmtLayer, fmtNum } from '../shared/format';
import { onHostMessage, panelApi } from '../shared/vscodeApi';
import { rocChart } from '../training/roc';

const api = panelApi<CompareToHost, ComparePanelState>(parseComparePanelState);

const COLUMNS: [string, string, (m: SplitMetrics) => number | undefined][] = [
  ['Accuracy', 'accuracy', (m) => m.accuracy],
  ['Balanced acc.', 'balanced_accuracy', (m) => m.balanced_accuracy],
  ['F1', 'f1', (m) => m.f1],
  ['ROC-AUC', 'roc_auc', (m) => m.roc_auc],
  ['Log loss', 'log_loss', (m) => m.log_loss],
  ['Brier', 'brier', (m) => m.brier],
  ['Recall @ 1% FPR', 'recall_at_fpr_0.01', (m) => m.recall_at_fpr?.['0.01']],
  ['Recall @ 5% FPR', 'recall_at_fpr_0.05', (m) => m.recall_at_fpr?.['0.05']],
];

const title = h('h1', {}, 'Compare probes');
const subtitle = h('div', { class: 'muted', id: 'subtitle' }, 'Evaluating…');
const busy = h('vscode-progress-bar', { 'aria-label': 'Evaluating' });
const errorBox = h('div', { class: 'error-banner hidden', role: 'alert', id: 'error' });
const csvButton = h('vscode-button', { id: 'export-csv', secondary: true, disabled: true }, 'Export CSV…');
const mdButton = h('vscode-button', { id: 'export-markdown', secondary: true, disabled: true }, 'Export Markdown…');
const body = h('div', { id: 'comparison' });
appRoot().append(
  h(
    'header',
    { class: 'row space-between' },
    h('div', {}, title, subtitle),
    h('div', { class: 'row' }, csvButton, mdButton),
  ),
  busy,
  errorBox,
  body,
);
csvButton.addEventListener('click', () => api.post({ type: 'export', format: 'csv' }));
mdButton.addEventListener('click', () => api.post({ type: 'export', format: 'markdown' }));

const cell = (m: SplitMetrics, key: string, v: number | undefined): string => {
  const ci = m.ci95?.[key];
  return ci && v !== undefined ? `${fmtNum(v)} [${fmtNum(ci[0])}, ${fmtNum(ci[1])}]` : fmtNum(v);
};

function show(c: ProbeComparison): void {
  busy.classList.add('hidden');
  errorBox.classList.add('hidden');
  csvButton.removeAttribute('disabled');
  mdButton.removeAttribute('disabled');
  subtitle.textContent = `${c.rows.length} probes on ${fmtInt(c.n)} examples of ${c.data.split(/[\\/]/).pop()} · classes ${c.classes.join(', ')}`;
  const cols = COLUMNS.filter(([, , get]) => c.rows.some((r) => get(r.metrics) !== undefined));
  const table = h('table', { class: 'metrics', id: 'compare-table' });
  table.append(
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['Probe', 'Kind', 'Layer', 'Heads', 'Optimizer', ...cols.map(([label]) => label)].map((l) =>
          h('th', { scope: 'col' }, l),
        ),
      ),
    ),
  );
  const tbody = h('tbody');
  for (const r of c.rows)
    tbody.append(
      h(
        'tr',
        { 'data-probe': r.name },
        h('th', { scope: 'row', title: r.dir }, r.name),
        h('td', {}, r.kind),
        h('td', {}, fmtLayer(r.layer)),
        h('td', {}, String(r.heads)),
        h('td', {}, r.optimizer ?? '–'),
        ...cols.map(([, key, get]) => h('td', {}, cell(r.metrics, key, get(r.metrics)))),
      ),
    );
  table.append(tbody);
  const pairs = h('table', { class: 'metrics', id: 'pairs-table' });
  pairs.append(
    h('caption', { class: 'muted' }, 'Paired stratified bootstrap (1,000 resamples): A − B with its 95 % interval'),
    h(
      'tr',
      {},
      ...['A', 'B', 'Metric', 'A − B', '95 % interval', 'p', 'Significant'].map((l) => h('th', { scope: 'col' }, l)),
    ),
  );
  for (const p of c.pairs)
    for (const [metric, d] of Object.entries(p.differences))
      pairs.append(
        h(
          'tr',
          { 'data-significant': String(d.significant) },
          h('td', {}, p.a),
          h('td', {}, p.b),
          h('td', {}, metric),
          h('td', {}, fmtNum(d.difference)),
          h('td', {}, `[${fmtNum(d.ci95[0])}, ${fmtNum(d.ci95[1])}]`),
          h('td', {}, fmtNum(d.p_value)),
          h('td', {}, d.significant ? 'yes' : 'no'),
        ),
      );
  const rocs = c.rows
    .filter((r) => r.metrics.roc)
    .map((r) => ({ label: r.name, fpr: r.metrics.roc!.fpr, tpr: r.metrics.roc!.tpr }));
  body.replaceChildren(
    table,
    h('p', { class: 'muted' }, '[…]: 95 % stratified bootstrap interval (1,000 resamples).'),
    h('h2', {}, 'Paired tests'),
    pairs,
    ...(rocs.length ? [rocChart(rocs, { id: 'roc', title: 'ROC curves, log FPR' })] : []),
  );
}

onHostMessage(parseCompareHostMessage, (m) => {
  if (m.type === 'busy') {
    busy.classList.remove('hidden');
    subtitle.textContent = m.message;
  } else if (m.type === 'error') {
    busy.classList.add('hidden');
    errorBox.classList.remove('hidden');
    errorBox.textContent = m.message;
  } else {
    api.setState({ comparison: m.comparison });
    show(m.comparison);
  }
});

const saved = api.getState();
if (saved?.comparison) show(saved.comparison);
api.post({ type: 'ready' });
