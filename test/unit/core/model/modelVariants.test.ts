import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { downloadModel } from '../../../../src/core/model/hubDownload';
import { listModelVariants, variantName } from '../../../../src/core/model/modelVariants';
import { type FakeHub, startFakeHub } from './helpers/fakeHub';

const FIXTURE = join(__dirname, '../../../fixtures/tiny-gemma2');
const REPO = 'probescope-test/tiny-gemma2-variants';

let scratch: string;
let repoDir: string;
const savedEnv = { ...process.env };
/** Sizes of the served files: fp32 has two external data files; the others are single files of distinct sizes. */
const SIZES = { fp32: 20_000 + 9_000 + 4_000, fp16: 15_000, q4: 6_000, q4f16: 5_000 };

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'probescope-variants-'));
  for (const k of ['HF_TOKEN', 'HF_HUB_OFFLINE', 'HF_HUB_CACHE', 'HF_ENDPOINT']) delete process.env[k];
  process.env.HF_HOME = join(scratch, 'hf-home');
  repoDir = join(scratch, 'repo');
  await mkdir(join(repoDir, 'onnx'), { recursive: true });
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json'])
    await cp(join(FIXTURE, f), join(repoDir, f));
  await writeFile(join(repoDir, 'onnx', 'model.onnx'), randomBytes(20_000));
  await writeFile(join(repoDir, 'onnx', 'model.onnx_data'), randomBytes(9_000));
  await writeFile(join(repoDir, 'onnx', 'model.onnx_data_1'), randomBytes(4_000));
  await writeFile(join(repoDir, 'onnx', 'model_fp16.onnx'), randomBytes(15_000));
  await writeFile(join(repoDir, 'onnx', 'model_q4.onnx'), randomBytes(6_000));
  await writeFile(join(repoDir, 'onnx', 'model_q4f16.onnx'), randomBytes(5_000));
});
after(async () => {
  process.env = savedEnv;
  await rm(scratch, { recursive: true, force: true });
});

async function withHub<T>(fn: (hub: FakeHub, cacheDir: string) => Promise<T>): Promise<T> {
  const hub = await startFakeHub({ repoId: REPO, dir: repoDir });
  const cacheDir = await mkdtemp(join(scratch, 'cache-'));
  try {
    return await fn(hub, cacheDir);
  } finally {
    await hub.close();
  }
}

describe('ONNX variants of a Hub model', () => {
  it('names variants as onnx-community does', () => {
    assert.equal(variantName('model.onnx'), 'fp32');
    assert.equal(variantName('onnx/model.onnx'), 'fp32');
    assert.equal(variantName('onnx/model_q4f16.onnx'), 'q4f16');
    assert.equal(variantName('onnx/decoder_model_merged.onnx'), 'decoder_model_merged');
  });

  it('lists every variant with its download size (external data included), precision first, and marks the cached one', async () => {
    await withHub(async (hub, cacheDir) => {
      const before = await listModelVariants({ repoId: REPO, cacheDir, endpoint: hub.endpoint, memoryBytes: 1e12 });
      assert.deepEqual(
        before.variants.map((v) => [v.name, v.bytes, v.cached]),
        [
          ['fp32', SIZES.fp32, false],
          ['fp16', SIZES.fp16, false],
          ['q4', SIZES.q4, false],
          ['q4f16', SIZES.q4f16, false],
        ],
      );
      assert.deepEqual(before.variants[0].files, ['onnx/model.onnx', 'onnx/model.onnx_data', 'onnx/model.onnx_data_1']);
      assert.equal(before.recommended, 'onnx/model.onnx', 'fp32 when it fits');
      assert.equal(before.commit, hub.commitOf('model', REPO, 'main'));

      await downloadModel({ repoId: REPO, cacheDir, endpoint: hub.endpoint, onnxFile: 'onnx/model_q4.onnx' }, {});
      const after = await listModelVariants({ repoId: REPO, cacheDir, endpoint: hub.endpoint, memoryBytes: 1e12 });
      assert.deepEqual(
        after.variants.filter((v) => v.cached).map((v) => v.name),
        ['q4'],
      );
    });
  });

  it('defaults to the highest precision that fits the memory budget, else the smallest', async () => {
    await withHub(async (hub, cacheDir) => {
      // 1.5 × 15,000 (fp16) fits 30,000 bytes; 1.5 × 33,000 (fp32) does not.
      const mid = await listModelVariants({ repoId: REPO, cacheDir, endpoint: hub.endpoint, memoryBytes: 30_000 });
      assert.equal(mid.recommended, 'onnx/model_fp16.onnx');
      assert.deepEqual(
        mid.variants.map((v) => v.fits),
        [false, true, true, true],
      );
      const tiny = await listModelVariants({ repoId: REPO, cacheDir, endpoint: hub.endpoint, memoryBytes: 10 });
      assert.equal(tiny.recommended, 'onnx/model_q4f16.onnx');
      assert.ok(tiny.variants.every((v) => !v.fits));
    });
  });

  it('HF_HUB_OFFLINE=1 lists the variants of the cached snapshot without a request', async () => {
    await withHub(async (hub, cacheDir) => {
      await downloadModel({ repoId: REPO, cacheDir, endpoint: hub.endpoint, onnxFile: 'onnx/model_q4f16.onnx' }, {});
      const n = hub.seen.length;
      process.env.HF_HUB_OFFLINE = '1';
      try {
        const list = await listModelVariants({ repoId: REPO, cacheDir, endpoint: hub.endpoint, memoryBytes: 1e12 });
        assert.deepEqual(
          list.variants.map((v) => [v.name, v.bytes, v.cached]),
          [['q4f16', SIZES.q4f16, true]],
        );
      } finally {
        delete process.env.HF_HUB_OFFLINE;
      }
      assert.equal(hub.seen.length, n);
    });
  });
});
