/**
 * The Hub requests through the real worker: a Hub dataset's split arrives with progress on its progressId and the
 * configs/licence for the panel; the variants of a model repo come with sizes; Hub refusals keep their code.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
      datasets: [await makeFakeDataset(tmp, 'probescope-test/reviews', 'mit')],
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
