/**
 * The worker's engine requests are thin adapters: the real engine answers through the real worker, a request's
 * progressId routes its progress and training steps, its cancellation reaches the engine, and engine errors keep
 * their ProbescopeError code.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ProbescopeError } from '../../../src/core/errors';
import { WorkerSupervisor } from '../../../src/host/worker/workerSupervisor';
import { Notifications, Requests, type ProgressEvent, type TrainingStepEvent } from '../../../src/protocol/worker';
import { buildBundle, repoRoot } from './buildBundle';

const tinyModel = join(repoRoot, 'test/fixtures/tiny-gemma2');
const sentiment = join(repoRoot, 'examples/span-sentiment.jsonl');
const topics = join(repoRoot, 'examples/topic-3class.jsonl');

describe('engine requests through the real worker', () => {
  let bundle: Awaited<ReturnType<typeof buildBundle>>;
  let worker: WorkerSupervisor;
  let tmp: string;
  const quiet = { info: () => {}, warn: () => {}, error: () => {}, append: () => {} };

  before(async () => {
    bundle = await buildBundle('worker');
    worker = new WorkerSupervisor({ workerPath: bundle.path, logger: quiet });
    tmp = mkdtempSync(join(tmpdir(), 'probescope-engine-'));
  });
  after(async () => {
    await worker.dispose();
    bundle.remove();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('tokenize returns the reference ids and UTF-16 offsets of the tiny model', async () => {
    const ref = JSON.parse(readFileSync(join(tinyModel, 'reference.json'), 'utf8')) as {
      cases: { text: string; input_ids: number[]; offsets_utf16: [number, number][] }[];
    };
    const c = ref.cases[0]!;
    const { tokens } = await worker.request(Requests.tokenize, { modelDir: tinyModel, text: c.text });
    assert.deepEqual(
      tokens.map((t) => t.id),
      c.input_ids,
    );
    assert.deepEqual(
      tokens.map((t) => [t.start, t.end]),
      c.offsets_utf16,
    );
  });

  test('loadModel summarises the tiny model on the cpu provider', async () => {
    const m = await worker.request(Requests.loadModel, { modelDir: tinyModel, executionProvider: 'cpu' });
    assert.equal(m.numLayers, 4);
    assert.equal(m.hiddenSize, 64);
    assert.equal(m.vocabSize, 1000);
    assert.equal(m.executionProvider, 'cpu');
  });

  test('inspectDataset and datasetRows read a JSONL dataset', async () => {
    const s = await worker.request(Requests.inspectDataset, { path: topics });
    assert.equal(s.rows, 240);
    assert.equal(s.classes.length, 3);
    const page = await worker.request(Requests.datasetRows, {
      path: topics,
      textField: s.textField,
      labelField: s.labelField,
      offset: 10,
      limit: 5,
    });
    assert.equal(page.total, 240);
    assert.deepEqual(
      page.rows.map((r) => r.index),
      [10, 11, 12, 13, 14],
    );
  });

  test('an engine error keeps its code: a missing dataset is DATASET_INVALID, not INTERNAL', async () => {
    const err = await worker
      .request(Requests.inspectDataset, { path: join(tmp, 'missing.jsonl') })
      .catch((e: unknown) => e);
    assert.ok(err instanceof ProbescopeError);
    assert.equal(err.code, 'DATASET_INVALID');
    assert.match(err.message, /missing\.jsonl/);
  });

  test('listProbes of an empty folder is empty', async () => {
    assert.deepEqual(await worker.request(Requests.listProbes, { dir: tmp }), []);
  });

  test('trainProbe reports progress and training steps under its progressId, and cancelling it rejects with CANCELLED', async () => {
    const progress: ProgressEvent[] = [];
    const steps: TrainingStepEvent[] = [];
    const controller = new AbortController();
    const subs = [
      worker.onNotification(Notifications.progress, (e) => void (e.progressId === 'train-1' && progress.push(e))),
      worker.onNotification(Notifications.trainingStep, (e) => {
        if (e.progressId !== 'train-1') return;
        steps.push(e);
        if (steps.length === 3) controller.abort();
      }),
    ];
    const err = await worker
      .request(
        Requests.trainProbe,
        {
          modelDir: tinyModel,
          dataPath: sentiment,
          layer: 2,
          probe: 'attention',
          heads: 2,
          optimizer: 'adamw',
          steps: 100_000,
          outDir: join(tmp, 'probe'),
          cacheDir: join(tmp, 'cache'),
          executionProvider: 'cpu',
          progressId: 'train-1',
        },
        controller.signal,
      )
      .catch((e: unknown) => e);
    subs.forEach((s) => s.dispose());
    assert.equal((err as ProbescopeError).code, 'CANCELLED', String(err));
    assert.ok(progress.length > 0, 'no progress notification arrived');
    assert.ok(steps.length >= 3);
    assert.ok(steps.every((s) => Number.isFinite(s.trainLoss)));
    assert.equal((await worker.request(Requests.ping, { payload: 'alive' })).payload, 'alive');
  });
});
