/** Issue #13: the Compare Probes view in real Chromium — one table with intervals, paired tests, overlaid ROCs, export. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openPanel, RESULTS, startHarness, type Harness } from './harness';
import { parseCompareWebviewMessage } from '../../src/protocol/compareWebview';
import type { ProbeComparison, SplitMetrics } from '../../src/protocol/types';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => h?.close());

const metrics = (acc: number, auc: number): SplitMetrics => ({
  n: 100,
  accuracy: acc,
  f1: acc - 0.01,
  roc_auc: auc,
  balanced_accuracy: acc,
  log_loss: 0.3,
  brier: 0.08,
  recall_at_fpr: { '0.01': 0.4, '0.05': 0.7 },
  ci95: { accuracy: [acc - 0.05, acc + 0.04], roc_auc: [auc - 0.03, Math.min(1, auc + 0.02)] },
  roc: { fpr: [0, 0, 0.02, 0.1, 1], tpr: [0, 0.3, 0.6, 0.9, 1] },
});

const COMPARISON: ProbeComparison = {
  data: '/data/held-out.jsonl',
  n: 100,
  classes: ['0', '1'],
  rows: [
    {
      name: 'attention-l3',
      dir: '/p/a',
      kind: 'attention',
      layer: 3,
      heads: 8,
      optimizer: 'adamw',
      model: 'tiny',
      metrics: metrics(0.93, 0.97),
    },
    {
      name: 'mean-l3',
      dir: '/p/m',
      kind: 'mean',
      layer: 3,
      heads: 1,
      optimizer: 'lbfgs',
      model: 'tiny',
      metrics: metrics(0.74, 0.81),
    },
  ],
  pairs: [
    {
      a: 'attention-l3',
      b: 'mean-l3',
      differences: {
        accuracy: { difference: 0.19, ci95: [0.12, 0.26], p_value: 0, significant: true },
        roc_auc: { difference: 0.16, ci95: [0.1, 0.22], p_value: 0, significant: true },
      },
    },
  ],
};

test('Compare Probes shows one row per probe with intervals, the paired tests, overlaid ROC curves and posts exports', async () => {
  const p = await openPanel(h, 'compare');
  await p.waitForPosted('ready');
  await p.send({ type: 'comparison', comparison: COMPARISON });
  await p.page.locator('#compare-table').waitFor();
  const rows = await p.page
    .locator('#compare-table tr')
    .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent ?? '')));
  assert.deepEqual(rows[0]!.slice(0, 6), ['Probe', 'Kind', 'Layer', 'Heads', 'Optimizer', 'Accuracy']);
  assert.deepEqual(rows[1]!.slice(0, 6), [
    'attention-l3',
    'attention',
    'layer 3',
    '8',
    'adamw',
    '0.930 [0.880, 0.970]',
  ]);
  assert.equal(rows[2]![rows[0]!.indexOf('ROC-AUC')], '0.810 [0.780, 0.830]');
  assert.equal(rows[2]![rows[0]!.indexOf('Recall @ 1% FPR')], '0.400');
  const pairs = await p.page.locator('#pairs-table tr[data-significant="true"]').count();
  assert.equal(pairs, 2);
  assert.equal(await p.page.locator('#roc polyline.roc-line').count(), 2);
  assert.match((await p.page.locator('#subtitle').textContent()) ?? '', /2 probes on 100 examples of held-out\.jsonl/);
  await p.page.locator('#export-csv').click();
  await p.page.locator('#export-markdown').click();
  const exports = await p.waitForPosted('export', 2);
  assert.deepEqual(
    exports.map((m) => parseCompareWebviewMessage(m)),
    [
      { type: 'export', format: 'csv' },
      { type: 'export', format: 'markdown' },
    ],
  );
  await p.page.screenshot({ path: join(RESULTS, 'compare-probes.png'), fullPage: true });
  assert.deepEqual(p.problems, []);
  await p.page.close();
});
