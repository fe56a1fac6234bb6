/** Issue #13 in the training panel (real Chromium): metrics with intervals, split line, seeds, log-FPR ROC curve. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openPanel, RESULTS, startHarness, type Harness } from './harness';
import type { TrainingPanelConfig } from '../../src/protocol/webview';
import type { TrainResult } from '../../src/protocol/types';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => h?.close());

const CONFIG: TrainingPanelConfig = {
  mode: 'train',
  modelId: 'tiny-gemma2',
  dataPath: '/data/needle.jsonl',
  layer: 3,
  probe: 'attention',
  heads: 8,
};

const test_ = {
  n: 200,
  accuracy: 0.97,
  loss: 0.09,
  f1: 0.969,
  roc_auc: 0.991,
  balanced_accuracy: 0.97,
  log_loss: 0.09,
  brier: 0.025,
  recall_at_fpr: { '0.01': 0.62, '0.05': 0.91 },
  ci95: {
    accuracy: [0.95, 0.99] as [number, number],
    f1: [0.948, 0.988] as [number, number],
    roc_auc: [0.982, 0.998] as [number, number],
    balanced_accuracy: [0.95, 0.99] as [number, number],
    log_loss: [0.06, 0.13] as [number, number],
    brier: [0.015, 0.037] as [number, number],
    'recall_at_fpr_0.01': [0.41, 0.8] as [number, number],
    'recall_at_fpr_0.05': [0.84, 0.97] as [number, number],
  },
  roc: { fpr: [0, 0, 0.005, 0.01, 0.03, 0.05, 0.2, 1], tpr: [0, 0.3, 0.55, 0.62, 0.85, 0.91, 0.99, 1] },
};

const RESULT: TrainResult = {
  probe: 'attention',
  heads: 8,
  layer: 3,
  classes: ['0', '1'],
  outDir: '/ws/.probescope/probes/needle-attention-l3',
  train: { n: 600, accuracy: 0.99, loss: 0.03 },
  test: test_,
  steps: 101,
  weightDecay: 0,
  stoppedEarly: true,
  seconds: { extract: 3, train: 1.2 },
  split: {
    source: 'field',
    field: 'split',
    validation: 'carved',
    validationFraction: 0.15,
    counts: { train: 510, validation: 90, test: 200 },
  },
  refit: { steps: 40, rows: 600 },
  seeds: {
    seeds: [0, 1, 2],
    selectedSeed: 1,
    selectedBy: 'validation loss',
    mean: { accuracy: 0.965, roc_auc: 0.99 },
    sd: { accuracy: 0.005, roc_auc: 0.002 },
    runs: [],
  },
};

test('final metrics show "value [lo, hi]", recall at 1 %/5 % FPR, the split used, seeds and a log-FPR ROC curve', async () => {
  const p = await openPanel(h, 'training');
  await p.send({ type: 'start', config: CONFIG });
  await p.send({ type: 'finished', result: RESULT });
  await p.page.locator('#metrics-table').waitFor();
  const rows = await p.page
    .locator('#metrics-table tbody tr')
    .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent ?? '')));
  const row = (name: string) => rows.find((r) => r[0] === name)?.[2];
  assert.equal(row('Accuracy'), '0.970 [0.950, 0.990]');
  assert.equal(row('ROC-AUC'), '0.991 [0.982, 0.998]');
  assert.equal(row('Recall @ 1% FPR'), '0.620 [0.410, 0.800]');
  assert.equal(row('Recall @ 5% FPR'), '0.910 [0.840, 0.970]');
  assert.equal(row('Brier score'), '0.025 [0.015, 0.037]');
  // Train metrics without intervals stay plain.
  assert.equal(rows.find((r) => r[0] === 'Accuracy')?.[1], '99.0%');
  assert.match(
    (await p.page.locator('#split-info').textContent()) ?? '',
    /split from column "split" · 510 train · 90 carved validation rows · 200 test · refit on all 600 training rows/,
  );
  assert.match(
    (await p.page.locator('#seeds caption').textContent()) ?? '',
    /saved: seed 1 \(lowest validation loss\)/,
  );
  assert.equal(
    await p.page.locator('#seeds tr').filter({ hasText: 'accuracy' }).first().locator('td').textContent(),
    '0.965 ± 0.005',
  );
  // ROC: one curve, FPR decades on a log axis (0.001 … 1), guides at 1 % and 5 %.
  const roc = p.page.locator('#roc');
  assert.equal(await roc.locator('polyline.roc-line').count(), 1);
  const ticks = await roc.locator('text.roc-tick').allTextContents();
  for (const t of ['0.001', '0.01', '0.1', '1']) assert.ok(ticks.includes(t), `tick ${t} in ${ticks.join(' ')}`);
  assert.equal(await roc.locator('line.roc-guide').count(), 2);
  // Log axis: FPR 0.01 lies two thirds of the way from 0.001 to 1 (x positions of the guides and decade lines).
  const xs = await roc.locator('line.roc-grid').evaluateAll((ls) => ls.map((l) => Number(l.getAttribute('x1'))));
  const g1 = Number(await roc.locator('line.roc-guide[data-fpr="0.01"]').getAttribute('x1'));
  assert.ok(Math.abs(g1 - (xs[0]! + ((xs.at(-1)! - xs[0]!) * 1) / 3)) < 0.5, `guide at ${g1}, decades ${xs.join(',')}`);
  await p.page.screenshot({ path: join(RESULTS, 'training-evaluation.png'), fullPage: true });
});

test('the layer sweep draws each kind’s 95 % interval as a band and names interval and validation on hover', async () => {
  const p = await openPanel(h, 'training');
  const kinds = [{ probe: 'mean' as const }, { probe: 'attention' as const, heads: 8 }];
  await p.send({
    type: 'start',
    config: { mode: 'sweep', modelId: 'tiny-gemma2', dataPath: '/data/needle.jsonl', layers: [0, 1, 2, 3], kinds },
  });
  const point = (layer: number, ki: number, withCi: boolean) => {
    const accuracy = 0.55 + 0.08 * layer + 0.05 * ki;
    return {
      layer,
      probe: kinds[ki]!.probe,
      heads: kinds[ki]!.heads ?? 1,
      accuracy,
      ...(withCi
        ? { accuracyCi95: [accuracy - 0.09, accuracy + 0.07] as [number, number], valAccuracy: accuracy - 0.01 }
        : {}),
    };
  };
  const inked = () =>
    p.page.evaluate(() => {
      const canvas = document.querySelector<HTMLCanvasElement>('#sweep .chart canvas')!;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let k = 3; k < data.length; k += 4) if (data[k] > 0) n++;
      return n;
    });
  const all = (withCi: boolean) => [0, 1, 2, 3].flatMap((l) => [0, 1].map((ki) => point(l, ki, withCi)));
  await p.send({ type: 'sweepFinished', points: all(false) });
  await p.page.locator('#sweep-table').waitFor();
  await p.page.waitForTimeout(200);
  const plain = await inked();
  await p.send({ type: 'sweepFinished', points: all(true) });
  await p.page.waitForTimeout(200);
  const banded = await inked();
  assert.ok(banded > plain + 2000, `bands add ink: ${plain} → ${banded} pixels`);
  const title = await p.page.locator('#sweep-table tr:nth-child(2) td').first().getAttribute('title');
  assert.equal(title, 'test 95 % interval 46.0% – 62.0% · validation 54.0%');
  await p.page.screenshot({ path: join(RESULTS, 'sweep-bands.png'), fullPage: true });
  assert.deepEqual(p.problems, []);
  await p.page.close();
});

test('a class with no test rows shows "no test rows" in the per-class table, not 0 %', async () => {
  const p = await openPanel(h, 'training');
  await p.send({ type: 'start', config: CONFIG });
  await p.send({
    type: 'finished',
    result: {
      ...RESULT,
      classes: ['a', 'b', 'c'],
      train: { n: 30, accuracy: 0.9, per_class_accuracy: { a: 1, b: 0.8, c: 1 } },
      test: { n: 8, accuracy: 0.75, per_class_accuracy: { a: 0.75, b: 0, c: null } },
      seeds: undefined,
    },
  });
  await p.page.locator('#per-class').waitFor();
  const rows = await p.page
    .locator('#per-class tr')
    .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent ?? '')));
  assert.deepEqual(rows.slice(1), [
    ['a', '100.0%', '75.0%'],
    ['b', '80.0%', '0.0%'],
    ['c', '100.0%', 'no test rows'],
  ]);
  await p.page.close();
});
