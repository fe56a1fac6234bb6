/**
 * Run history: the current run and the earlier ones (newest first) side by side in one table, so two runs can be
 * compared after the next one started — configuration, how each ended, steps and test metrics (a sweep shows its
 * best point).
 */
import type { TrainingPanelConfig, TrainingRunSummary } from '../../src/protocol/webview';
import { probeKindLabel } from '../../src/protocol/probeLabel';
import { h } from '../shared/dom';
import { fmtInt, fmtLayer, fmtNum, fmtPct } from '../shared/format';

const STATUS: Record<TrainingRunSummary['status'], string> = {
  idle: 'Waiting',
  running: 'Running',
  finished: 'Finished',
  failed: 'Failed',
  stopped: 'Stopped',
};

/** "tiny-gemma2 · layer 3 · attention ×8 · adamw · sst3.jsonl" / "… · layers 0–4 · mean, last · …" */
export function describeConfig(c: TrainingPanelConfig): string {
  const data = c.dataPath.split(/[\\/]/).pop();
  return c.mode === 'train'
    ? `${c.modelId} · ${fmtLayer(c.layer)} · ${probeKindLabel(c.probe, c.heads)}${c.optimizer ? ` · ${c.optimizer}` : ''} · ${data}`
    : `${c.modelId} · layer sweep ${c.layers.join(', ')} · ${c.kinds.map((k) => probeKindLabel(k.probe, k.heads)).join(', ')} · ${data}`;
}

/** The table, or null when there is no earlier run to compare with. */
export function historyView(
  current: TrainingRunSummary | undefined,
  earlier: TrainingRunSummary[],
): HTMLElement | null {
  if (earlier.length === 0) return null;
  const head = ['Run', 'Configuration', 'Status', 'Steps', 'Test accuracy', 'F1', 'ROC-AUC'];
  const table = h(
    'table',
    { class: 'metrics', id: 'history-table' },
    h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col' }, c)))),
  );
  const body = h('tbody');
  const rows: [string, TrainingRunSummary][] = [
    ...(current ? ([['current', current]] as [string, TrainingRunSummary][]) : []),
    ...earlier.map((r, i): [string, TrainingRunSummary] => [i === 0 ? 'previous' : `${i + 1} runs ago`, r]),
  ];
  for (const [name, r] of rows) {
    const best = r.sweepPoints.reduce<TrainingRunSummary['sweepPoints'][number] | undefined>(
      (a, p) => (!a || p.accuracy > a.accuracy ? p : a),
      undefined,
    );
    const acc = r.result
      ? fmtPct(r.result.test.accuracy)
      : best
        ? `${fmtPct(best.accuracy)} (best: ${probeKindLabel(best.probe, best.heads)}, ${fmtLayer(best.layer)})`
        : '–';
    body.append(
      h(
        'tr',
        { 'data-run': name },
        h('th', { scope: 'row' }, name),
        h('td', {}, describeConfig(r.config)),
        h('td', { title: r.error ?? '' }, STATUS[r.status]),
        h('td', {}, fmtInt(r.result?.steps ?? r.steps)),
        h('td', {}, acc),
        h('td', {}, r.result ? fmtNum(r.result.test.f1) : '–'),
        h('td', {}, r.result ? fmtNum(r.result.test.roc_auc) : '–'),
      ),
    );
  }
  table.append(body);
  return h('div', {}, h('h2', { id: 'history-h' }, 'Runs'), table);
}
