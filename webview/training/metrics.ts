/** Final metrics: train/test table, confusion matrix (multiclass) and per-class accuracy, numbers always written. */
import type { SplitMetrics, TrainResult } from '../../src/protocol/types';
import { probeKindLabel } from '../../src/protocol/probeLabel';
import { h } from '../shared/dom';
import { fmtDuration, fmtInt, fmtLayer, fmtNum, fmtPct } from '../shared/format';
import { rocChart } from './roc';

type Row = [string, (m: SplitMetrics) => string];

/** "0.970 [0.950, 0.990]" when the split has a 95 % interval for the metric, else the plain value. */
function withCi(m: SplitMetrics, key: string, v: number | undefined, plain: (v: number | undefined) => string): string {
  const ci = m.ci95?.[key];
  return ci && v !== undefined ? `${fmtNum(v)} [${fmtNum(ci[0])}, ${fmtNum(ci[1])}]` : plain(v);
}

const ROWS: Row[] = [
  ['Examples', (m) => fmtInt(m.n)],
  ['Accuracy', (m) => withCi(m, 'accuracy', m.accuracy, (v) => fmtPct(v))],
  ['F1', (m) => withCi(m, 'f1', m.f1, (v) => fmtNum(v))],
  ['ROC-AUC', (m) => withCi(m, 'roc_auc', m.roc_auc, (v) => fmtNum(v))],
  ['Entropy ratio', (m) => fmtNum(m.entropy_ratio)],
  ['Loss', (m) => fmtNum(m.loss, 4)],
];

/** Rows shown only when a split has the metric (results from before issue #13 lack them). */
const EXTRA_ROWS: [string, (m: SplitMetrics) => number | undefined, string][] = [
  ['Balanced accuracy', (m) => m.balanced_accuracy, 'balanced_accuracy'],
  ['Log loss', (m) => m.log_loss, 'log_loss'],
  ['Brier score', (m) => m.brier, 'brier'],
  ['Recall @ 1% FPR', (m) => m.recall_at_fpr?.['0.01'], 'recall_at_fpr_0.01'],
  ['Recall @ 5% FPR', (m) => m.recall_at_fpr?.['0.05'], 'recall_at_fpr_0.05'],
];

export function metricsView(r: TrainResult): HTMLElement {
  const table = h(
    'table',
    { class: 'metrics', id: 'metrics-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Metric'),
        h('th', { scope: 'col' }, 'Train'),
        h('th', { scope: 'col' }, 'Test'),
      ),
    ),
  );
  const body = h('tbody');
  const rows: Row[] = [...ROWS];
  for (const [name, get, key] of EXTRA_ROWS)
    if (get(r.train) !== undefined || get(r.test) !== undefined)
      rows.push([name, (m) => withCi(m, key, get(m), (v) => fmtNum(v))]);
  for (const [name, f] of rows) {
    body.append(
      h(
        'tr',
        { 'data-metric': name },
        h('th', { scope: 'row' }, name),
        h('td', {}, f(r.train)),
        h('td', {}, f(r.test)),
      ),
    );
  }
  table.append(body);
  const info = h(
    'p',
    { class: 'muted' },
    `${probeKindLabel(r.probe, r.heads)} probe · ${fmtLayer(r.layer)} · ${fmtInt(r.steps)} steps · ` +
      `weight decay ${r.weightDecay} · extraction ${fmtDuration(r.seconds.extract)} · training ${fmtDuration(r.seconds.train)}` +
      (r.stoppedEarly ? ' · stopped early (best probe kept)' : ''),
  );
  const out = h('div', {}, info, splitLine(r), table);
  if (r.test.ci95) out.append(h('p', { class: 'muted' }, '[…]: 95 % stratified bootstrap interval (1,000 resamples).'));
  if (r.seeds) out.append(h('h3', {}, 'Seeds'), seedsTable(r));
  if (r.test.roc && r.classes.length === 2)
    out.append(rocChart([{ label: 'test', fpr: r.test.roc.fpr, tpr: r.test.roc.tpr }], { id: 'roc' }));
  if (r.classes.length > 2 && r.test.confusion)
    out.append(h('h3', {}, 'Confusion matrix (test)'), confusion(r.classes, r.test.confusion));
  const perClass = r.test.per_class_accuracy ?? r.train.per_class_accuracy;
  if (perClass) out.append(h('h3', {}, 'Per-class accuracy'), perClassTable(r));
  return out;
}

function confusion(classes: string[], m: number[][]): HTMLElement {
  const max = Math.max(1, ...m.flat());
  const table = h('table', { class: 'metrics confusion', id: 'confusion' });
  table.append(
    h('caption', { class: 'muted' }, 'rows: true class · columns: predicted class'),
    h('tr', {}, h('th', {}, ''), ...classes.map((c) => h('th', { scope: 'col' }, c))),
  );
  m.forEach((row, i) => {
    const tr = h('tr', {}, h('th', { scope: 'row' }, classes[i] ?? String(i)));
    row.forEach((count, j) => {
      const td = h('td', { class: i === j ? 'diag' : '' }, fmtInt(count));
      td.style.setProperty('--heat', String(count / max));
      tr.append(td);
    });
    table.append(tr);
  });
  return table;
}

function perClassTable(r: TrainResult): HTMLElement {
  const table = h('table', { class: 'metrics', id: 'per-class' });
  table.append(
    h(
      'tr',
      {},
      h('th', { scope: 'col' }, 'Class'),
      h('th', { scope: 'col' }, 'Train'),
      h('th', { scope: 'col' }, 'Test'),
    ),
  );
  for (const c of r.classes) {
    table.append(
      h(
        'tr',
        {},
        h('th', { scope: 'row' }, c),
        h('td', {}, perClassCell(r.train.per_class_accuracy?.[c], 'no train rows')),
        h('td', {}, perClassCell(r.test.per_class_accuracy?.[c], 'no test rows')),
      ),
    );
  }
  return table;
}

/** A class absent from a split has no accuracy there (null), which is not 0 %. */
function perClassCell(v: number | null | undefined, none: string): string {
  return v === null ? none : fmtPct(v);
}

/** Where the numbers come from: the split (random, a column, another file), validation and refit. */
function splitLine(r: TrainResult): HTMLElement | null {
  const s = r.split;
  if (!s) return null;
  const file = (p: string | undefined) => (p ?? '').split(/[\\/]/).pop();
  const source =
    s.source === 'field'
      ? `split from column "${s.field}"`
      : s.source === 'file'
        ? `tested on ${file(s.testData)}`
        : `random ${Math.round((s.testSplit ?? 0.25) * 100)}% test split (seed ${s.seed ?? 0})`;
  const val =
    s.validation === 'none'
      ? s.validationNote
        ? `no validation set (${s.validationNote.replace(/^no validation set: /, '')})`
        : 'no validation carve-out'
      : `${fmtInt(s.counts.validation)} ${s.validation} validation rows`;
  const refit = r.refit ? ` · refit on all ${fmtInt(r.refit.rows)} training rows` : '';
  return h(
    'p',
    { class: 'muted', id: 'split-info' },
    `${source} · ${fmtInt(s.counts.train)} train · ${val} · ${fmtInt(s.counts.test)} test${refit}`,
  );
}

/** Mean ± sd over seeds, and the seed whose weights were saved. */
function seedsTable(r: TrainResult): HTMLElement {
  const s = r.seeds!;
  const table = h('table', { class: 'metrics', id: 'seeds' });
  table.append(
    h(
      'caption',
      { class: 'muted' },
      `seeds ${s.seeds.join(', ')}; saved: seed ${s.selectedSeed} (lowest ${s.selectedBy})`,
    ),
  );
  for (const [k, mu] of Object.entries(s.mean))
    table.append(h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, `${fmtNum(mu)} ± ${fmtNum(s.sd[k])}`)));
  return table;
}
