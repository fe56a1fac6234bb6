/** Final metrics: train/test table, confusion matrix (multiclass) and per-class accuracy, numbers always written. */
import type { SplitMetrics, TrainResult } from '../../src/protocol/types';
import { h } from '../shared/dom';
import { fmtDuration, fmtInt, fmtLayer, fmtNum, fmtPct } from '../shared/format';

type Row = [string, (m: SplitMetrics) => string];
const ROWS: Row[] = [
  ['Examples', (m) => fmtInt(m.n)],
  ['Accuracy', (m) => fmtPct(m.accuracy)],
  ['F1', (m) => fmtNum(m.f1)],
  ['ROC-AUC', (m) => fmtNum(m.roc_auc)],
  ['Entropy ratio', (m) => fmtNum(m.entropy_ratio)],
  ['Loss', (m) => fmtNum(m.loss, 4)],
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
  for (const [name, f] of ROWS) {
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
    `${r.probe} probe${r.probe === 'attention' ? ` · ${r.heads} heads` : ''} · ${fmtLayer(r.layer)} · ${fmtInt(r.steps)} steps · ` +
      `weight decay ${r.weightDecay} · extraction ${fmtDuration(r.seconds.extract)} · training ${fmtDuration(r.seconds.train)}` +
      (r.stoppedEarly ? ' · stopped early (best probe kept)' : ''),
  );
  const out = h('div', {}, info, table);
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
