/**
 * The worker's engine requests are thin adapters: the real engine answers through the real worker, a request's
 * progressId routes its progress and training steps, its cancellation reaches the engine, and engine errors keep
 * their ProbescopeError code.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ProbescopeError } from '../../../src/core/errors';
import type { WorkerSupervisor } from '../../../src/host/worker/workerSupervisor';
import { Notifications, Requests, type ProgressEvent, type TrainingStepEvent } from '../../../src/protocol/worker';
import { repoRoot, useRealWorker } from './buildBundle';

const tinyModel = join(repoRoot, 'test/fixtures/tiny-gemma2');
const sentiment = join(repoRoot, 'examples/span-sentiment.jsonl');
const topics = join(repoRoot, 'examples/topic-3class.jsonl');

describe('engine requests through the real worker', () => {
  let worker: WorkerSupervisor;
  let tmp: string;
  useRealWorker('probescope-engine-', (w, t) => {
    worker = w;
    tmp = t;
  });

  test('tokenize returns the reference ids and UTF-16 offsets of the tiny model', async () => {
    const ref = JSON.parse(readFileSync(join(tinyModel, 'reference.json'), 'utf8')) as {
      cases: { text: string; input_ids: number[]; offsets_utf16_hf: [number, number][] }[];
    };
    const c = ref.cases[1]!; // byte-fallback pieces: each spans its whole character
    const { tokens } = await worker.request(Requests.tokenize, { modelDir: tinyModel, text: c.text });
    assert.deepEqual(
      tokens.map((t) => t.id),
      c.input_ids,
    );
    assert.deepEqual(
      tokens.map((t) => [t.start, t.end]),
      c.offsets_utf16_hf,
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

  const trainParams = (progressId: string, cacheDir: string) => ({
    modelDir: tinyModel,
    dataPath: sentiment,
    layer: 2,
    probe: 'attention' as const,
    heads: 2,
    optimizer: 'adamw' as const,
    steps: 5,
    outDir: join(tmp, `probe-${progressId}`),
    cacheDir: join(tmp, cacheDir),
    executionProvider: 'cpu' as const,
    progressId,
  });

  test('trainProbe routes its progress and training steps to its progressId and returns the result', async () => {
    const progress: ProgressEvent[] = [];
    const steps: TrainingStepEvent[] = [];
    const subs = [
      worker.onNotification(Notifications.progress, (e) => void (e.progressId === 'train-ok' && progress.push(e))),
      worker.onNotification(Notifications.trainingStep, (e) => void (e.progressId === 'train-ok' && steps.push(e))),
    ];
    const result = await worker.request(Requests.trainProbe, trainParams('train-ok', 'cache-a'));
    subs.forEach((s) => s.dispose());
    assert.equal(result.probe, 'attention');
    assert.equal(result.test.n + result.train.n, 400);
    assert.ok(
      progress.some((e) => e.phase === 'extract'),
      'no extraction progress arrived',
    );
    assert.ok(steps.length > 0 && steps.length <= 5, `${steps.length} training steps`);
    assert.ok(steps.every((s) => Number.isFinite(s.trainLoss)));
  });

  test('trainProbe caches token states in float16 by default and in float32 when the setting asks (cacheDtype)', async () => {
    // The editor passes probescope.cacheDtype = float32 as cacheDtype; the default (float16) as nothing.
    const dtypeOf = (outDir: string) =>
      JSON.parse(readFileSync(join(outDir, 'probe.json'), 'utf8')).training.cacheDtype as string;
    const f32 = await worker.request(Requests.trainProbe, {
      ...trainParams('dtype-32', 'cache-d'),
      cacheDtype: 'float32',
    });
    const f16 = await worker.request(Requests.trainProbe, trainParams('dtype-16', 'cache-d'));
    assert.equal(dtypeOf(f32.outDir), 'float32');
    assert.equal(dtypeOf(f16.outDir), 'float16');
    const dtypes = readdirSync(join(tmp, 'cache-d', 'activations')).map(
      (k) => JSON.parse(readFileSync(join(tmp, 'cache-d', 'activations', k, 'index.json'), 'utf8')).dtype as string,
    );
    assert.deepEqual(dtypes.sort(), ['float16', 'float32']);
  });

  test('cancelling trainProbe while it extracts rejects with CANCELLED and the worker keeps serving', async () => {
    const controller = new AbortController();
    const sub = worker.onNotification(Notifications.progress, (e) => {
      if (e.progressId === 'train-cancel') controller.abort();
    });
    const err = await worker
      .request(Requests.trainProbe, { ...trainParams('train-cancel', 'cache-b'), steps: 2000 }, controller.signal)
      .catch((e: unknown) => e);
    sub.dispose();
    assert.ok(err instanceof ProbescopeError, `trainProbe was not cancelled: ${JSON.stringify(err)}`);
    assert.equal(err.code, 'CANCELLED');
    assert.equal((await worker.request(Requests.ping, { payload: 'alive' })).payload, 'alive');
  });
});
