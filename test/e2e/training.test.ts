import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { openPanel, RESULTS, startHarness, type Harness } from './harness';
import { parseTrainingWebviewMessage, type TrainingPanelConfig } from '../../src/protocol/webview';
import type { LayerSweepPoint, TrainingStepEvent, TrainResult } from '../../src/protocol/types';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => h?.close());

const CONFIG: TrainingPanelConfig = {
  mode: 'train',
  modelId: 'tiny-gemma2',
  dataPath: '/data/sst3.jsonl',
  layer: 3,
  probe: 'attention',
  heads: 8,
  optimizer: 'adamw',
  steps: 400,
};
const STEPS = 400;

function step(i: number): TrainingStepEvent {
  const p: TrainingStepEvent = {
    progressId: 'run1',
    step: i,
    trainLoss: 1.1 * Math.exp(-i / 90) + 0.12 + 0.03 * Math.sin(i / 3),
  };
  if (i % 10 === 0) {
    p.valLoss = 1.1 * Math.exp(-i / 110) + 0.2;
    p.valAccuracy = 0.34 + 0.55 * (1 - Math.exp(-i / 80));
  }
  return p;
}

const RESULT: TrainResult = {
  probe: 'attention',
  heads: 8,
  layer: 3,
  classes: ['negative', 'neutral', 'positive'],
  outDir: '/ws/.probescope/probes/sst3-attention-l3',
  train: {
    n: 800,
    accuracy: 0.945,
    loss: 0.18,
    f1: 0.944,
    entropy_ratio: 0.41,
    per_class_accuracy: { negative: 0.95, neutral: 0.92, positive: 0.965 },
  },
  test: {
    n: 200,
    accuracy: 0.885,
    loss: 0.31,
    f1: 0.881,
    roc_auc: 0.962,
    entropy_ratio: 0.43,
    per_class_accuracy: { negative: 0.9, neutral: 0.82, positive: 0.93 },
    confusion: [
      [60, 5, 2],
      [6, 55, 6],
      [1, 3, 62],
    ],
  },
  steps: 400,
  weightDecay: 0.01,
  stoppedEarly: false,
  seconds: { extract: 12.4, train: 31.9 },
};

/** Non-transparent pixels on the chart canvases of `selector` (uPlot draws axes, grid and series there). */
function inkedPixels(page: Page, index: number): Promise<number> {
  return page.evaluate((i) => {
    const canvas = document.querySelectorAll<HTMLCanvasElement>('.chart canvas')[i];
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let k = 3; k < data.length; k += 4) if (data[k] > 0) n++;
    return n;
  }, index);
}

const chartLengths = (page: Page, which: 'loss' | 'accuracy' | 'sweep') =>
  page.evaluate(
    (w) => (window as unknown as { __probescopeCharts: Record<string, () => number[]> }).__probescopeCharts[w](),
    which,
  );

test('training panel shows extraction progress, plots streamed steps and shows final metrics', async () => {
  const p = await openPanel(h, 'training');
  await p.send({ type: 'start', config: CONFIG });
  await p.send({
    type: 'progress',
    event: {
      progressId: 'run1',
      phase: 'extract',
      done: 300,
      total: 1000,
      rate: 412.5,
      etaSeconds: 1.7,
      message: 'Extracting activations',
    },
  });
  const progress = (await p.page.locator('#progress-text').textContent()) ?? '';
  assert.match(progress, /300 \/ 1,000/);
  assert.match(progress, /412\.5 examples\/s/);
  assert.match(progress, /ETA 0:02/);
  assert.ok(await p.page.locator('#stop').isVisible());
  const empty = await inkedPixels(p.page, 0).catch(() => 0);

  for (let b = 0; b < STEPS; b += 20) {
    await p.send({ type: 'steps', points: Array.from({ length: 20 }, (_, k) => step(b + k)) });
  }
  await p.page.waitForFunction(
    () => (window as unknown as { __probescopeCharts: { loss(): number[] } }).__probescopeCharts.loss()[0] === 400,
  );
  assert.deepEqual(await chartLengths(p.page, 'loss'), [STEPS, STEPS, STEPS]);
  assert.deepEqual(await chartLengths(p.page, 'accuracy'), [STEPS / 10, STEPS / 10]);
  await p.page.waitForTimeout(100);
  const inked = await inkedPixels(p.page, 0);
  assert.ok(inked > empty + 1000, `loss canvas has ${inked} inked pixels (empty chart: ${empty})`);
  assert.match((await p.page.locator('#latest').textContent()) ?? '', /step 399 · train loss/);

  await p.page.locator('#stop').click();
  assert.deepEqual((await p.waitForPosted('stop'))[0], { type: 'stop' });

  await p.send({ type: 'finished', result: RESULT });
  await p.page.locator('#metrics-table').waitFor();
  const testCol = await p.page.locator('#metrics-table tbody td:nth-child(3)').allTextContents();
  assert.deepEqual(testCol, ['200', '88.5%', '0.881', '0.962', '0.430', '0.3100']);
  assert.equal(await p.page.locator('#confusion td').count(), 9);
  assert.equal(await p.page.locator('#per-class tr').count(), 4);
  assert.equal(await p.page.locator('#status').textContent(), 'Finished');
  assert.ok(await p.page.locator('#stop').isHidden());
  await p.page.screenshot({ path: join(RESULTS, 'readme-training.png'), fullPage: true });

  await p.page.locator('#reveal').click();
  assert.deepEqual((await p.waitForPosted('revealProbe'))[0], { type: 'revealProbe', dir: RESULT.outDir });

  // Reload: curves, metrics and status come back from setState alone.
  await p.page.waitForTimeout(1200);
  await p.page.reload();
  await p.waitForPosted('ready');
  assert.equal(await p.page.locator('#status').textContent(), 'Finished');
  assert.equal(await p.page.locator('#metrics-table tbody tr').count(), 6);
  await p.page.waitForFunction(
    () => (window as unknown as { __probescopeCharts: { loss(): number[] } }).__probescopeCharts.loss()[0] === 400,
  );
  for (const m of await p.posted()) assert.ok(parseTrainingWebviewMessage(m), JSON.stringify(m));
  assert.deepEqual(p.problems, []);
  await p.page.close();
});

test('training panel shows a failure with its message and posts retry', async () => {
  const p = await openPanel(h, 'training', { theme: 'light' });
  await p.send({ type: 'start', config: CONFIG });
  await p.send({ type: 'steps', points: [step(0), step(1)] });
  await p.send({
    type: 'failed',
    message: 'The worker ran out of memory; lower probescope.batchSize.',
    code: 'WORKER_CRASHED',
  });
  assert.match(
    (await p.page.locator('#error').textContent()) ?? '',
    /lower probescope\.batchSize\. \(WORKER_CRASHED\)/,
  );
  assert.ok(await p.page.locator('#error').isVisible());
  assert.ok(await p.page.locator('#stop').isHidden());
  await p.page.locator('#retry').focus();
  await p.page.keyboard.press('Enter');
  await p.waitForPosted('retry');
  await p.send({ type: 'start', config: CONFIG });
  assert.ok(await p.page.locator('#error').isHidden());
  assert.deepEqual(await chartLengths(p.page, 'loss'), [0, 0, 0]);
  assert.deepEqual(p.problems, []);
  await p.page.close();
});

test('layer sweep plots accuracy by layer with one line per probe kind', async () => {
  const p = await openPanel(h, 'training');
  const layers = [0, 1, 2, 3, 4, 5, 'final'] as const;
  const kinds = [
    { probe: 'mean' as const },
    { probe: 'last' as const },
    { probe: 'attention' as const, heads: 1 },
    { probe: 'attention' as const, heads: 8 },
  ];
  await p.send({
    type: 'start',
    config: { mode: 'sweep', modelId: 'tiny-gemma2', dataPath: '/data/sst3.jsonl', layers: [...layers], kinds },
  });
  const points: LayerSweepPoint[] = [];
  layers.forEach((layer, li) =>
    kinds.forEach((k, ki) =>
      points.push({
        layer,
        probe: k.probe,
        heads: k.heads ?? 1,
        accuracy: 0.45 + 0.06 * li * (0.6 + 0.15 * ki) - (layer === 'final' ? 0.08 : 0),
      }),
    ),
  );
  for (const pt of points.slice(0, 10)) await p.send({ type: 'sweepPoint', point: pt });
  await p.send({ type: 'sweepFinished', points });
  assert.deepEqual(await chartLengths(p.page, 'sweep'), [7, 7, 7, 7, 7]);
  const header = await p.page.locator('#sweep-table tr:first-child th').allTextContents();
  assert.deepEqual(header, ['Layer', 'mean', 'last', 'attention ×1', 'attention ×8']);
  assert.equal(await p.page.locator('#sweep-table tr').count(), 8);
  assert.equal(await p.page.locator('#sweep-table tr:last-child th').textContent(), 'final');
  assert.ok(await p.page.locator('#curves').isHidden());
  await p.page.screenshot({ path: join(RESULTS, 'readme-sweep.png'), fullPage: true });
  assert.deepEqual(p.problems, []);
  await p.page.close();
});

test('a new run owns the panel from step 0: messages of the replaced run are dropped, and it moves to the run history', async () => {
  const p = await openPanel(h, 'training');
  const lossSteps = () =>
    p.page.evaluate(() =>
      (window as unknown as { __probescopeCharts: { lossSteps(): number[] } }).__probescopeCharts.lossSteps(),
    );
  await p.send({ type: 'start', config: CONFIG, runId: 'run-a' });
  for (let b = 0; b < 160; b += 20) {
    await p.send({ type: 'steps', runId: 'run-a', points: Array.from({ length: 20 }, (_, k) => step(b + k)) });
  }
  const second: TrainingPanelConfig = { ...CONFIG, probe: 'mean', heads: 1, optimizer: 'lbfgs', steps: 50 };
  await p.send({ type: 'start', config: second, runId: 'run-b' });
  // The replaced run winds down: its late steps and its "stopped" must not reach the new run's view.
  await p.send({ type: 'steps', runId: 'run-a', points: [step(160), step(161)] });
  await p.send({ type: 'stopped', runId: 'run-a', result: RESULT });
  assert.equal(await p.page.locator('#status').textContent(), 'Running');
  assert.ok(await p.page.locator('#stop').isVisible(), 'the Stop button of the new run is shown');
  assert.ok(await p.page.locator('#metrics').isHidden(), 'no metrics of the replaced run');
  assert.deepEqual(await chartLengths(p.page, 'loss'), [0, 0, 0]);
  await p.send({ type: 'steps', runId: 'run-b', points: Array.from({ length: 30 }, (_, k) => step(k)) });
  assert.deepEqual(await lossSteps(), [0, 29]);
  assert.deepEqual(await chartLengths(p.page, 'loss'), [30, 30, 30]);
  assert.match((await p.page.locator('#config').textContent()) ?? '', /layer 3 · mean · lbfgs/);

  const secondResult: TrainResult = {
    ...RESULT,
    probe: 'mean',
    heads: 1,
    steps: 30,
    test: { ...RESULT.test, accuracy: 0.79, f1: 0.78, roc_auc: 0.9 },
  };
  await p.send({ type: 'finished', runId: 'run-b', result: secondResult });
  assert.equal(await p.page.locator('#status').textContent(), 'Finished');
  const rows = () =>
    p.page
      .locator('#history-table tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent ?? '')));
  const expected = [
    ['current', 'tiny-gemma2 · layer 3 · mean · lbfgs · sst3.jsonl', 'Finished', '30', '79.0%', '0.780', '0.900'],
    ['previous', 'tiny-gemma2 · layer 3 · attention ×8 · adamw · sst3.jsonl', 'Stopped', '159', '–', '–', '–'],
  ];
  assert.deepEqual(await rows(), expected);
  // The replaced run's saved probe: its row gets the test metrics (the one message of another run the panel takes).
  await p.send({ type: 'runResult', runId: 'run-a', result: { ...RESULT, steps: 159 } });
  expected[1] = [
    'previous',
    'tiny-gemma2 · layer 3 · attention ×8 · adamw · sst3.jsonl',
    'Stopped',
    '159',
    '88.5%',
    '0.881',
    '0.962',
  ];
  assert.deepEqual(await rows(), expected);
  assert.equal(await p.page.locator('#status').textContent(), 'Finished', 'the current run is untouched');

  // The history survives a reload of the webview (saved state).
  await p.page.waitForTimeout(1200);
  await p.page.reload();
  await p.waitForPosted('ready');
  assert.deepEqual(await rows(), expected);
  assert.deepEqual(p.problems, []);
  await p.page.close();
});
