/**
 * Three routes to one model (an export with external data): a folder chosen by hand, a Hugging Face cache snapshot
 * (every file a symlink into blobs/), and a fresh download from a (local) Hub. Same bytes, so: one identity (hash)
 * and the same states.
 */
import assert from 'node:assert/strict';
import { cp, lstat, mkdir, mkdtemp, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ProbescopeError } from '../../../../src/core/errors';
import { ActivationExtractor } from '../../../../src/core/model/extractor';
import { downloadModel } from '../../../../src/core/model/hubDownload';
import { type ModelFolder, resolveModelFolder } from '../../../../src/core/model/modelFolder';
import type { LayerSpec } from '../../../../src/protocol/types';
import { startFakeHub } from './helpers/fakeHub';
import { ALL_LAYERS, decodeStates, maxAbs, REAL_EXPORTS, realReference, variantDir } from './helpers/realExports';

const SNAPSHOT =
  'gemma2-hf-cache/models--onnx-community--tiny-gemma2/snapshots/9eada6c8bb284dc88b9c31d8931466ac5ab0d29b';
const REPO = 'onnx-community/tiny-gemma2';

describe('three routes to one model', () => {
  let scratch: string;
  const routes = new Map<string, ModelFolder>();

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'ps-routes-'));
    const snapshot = await variantDir(SNAPSHOT, scratch);
    // By hand: the same files as plain copies in a folder the user named.
    const hand = join(scratch, 'my-models', 'gemma-tiny');
    await cp(snapshot, hand, { recursive: true, dereference: true });
    const hub = await startFakeHub({ repoId: REPO, dir: hand });
    // The Hub client honours HF_ENDPOINT as well as `endpoint`: point both at the local Hub.
    const endpointBefore = process.env.HF_ENDPOINT;
    process.env.HF_ENDPOINT = hub.endpoint;
    let downloaded: string;
    try {
      ({ modelDir: downloaded } = await downloadModel(
        { repoId: REPO, cacheDir: join(scratch, 'hub-cache'), endpoint: hub.endpoint },
        {},
      ));
    } finally {
      await hub.close();
      if (endpointBefore === undefined) delete process.env.HF_ENDPOINT;
      else process.env.HF_ENDPOINT = endpointBefore;
    }
    routes.set('by hand', await resolveModelFolder(hand));
    routes.set('cache snapshot', await resolveModelFolder(snapshot));
    routes.set('download', await resolveModelFolder(downloaded));
  });
  after(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('the snapshot really is symlinks into blobs/, external data included', async () => {
    const snap = routes.get('cache snapshot')!;
    assert.equal(snap.externalData.length, 1);
    for (const p of [snap.onnxPath, ...snap.externalData, snap.tokenizerJson]) {
      assert.ok((await lstat(p)).isSymbolicLink(), `${p} is a symlink`);
    }
  });

  it('gives one identity: the same hash (content), and the Hub repo id where the route knows it', () => {
    const hashes = [...routes.values()].map((f) => f.hash);
    assert.equal(new Set(hashes).size, 1, hashes.join(' '));
    assert.equal(routes.get('cache snapshot')!.id, REPO);
    assert.equal(routes.get('download')!.id, REPO);
    assert.equal(routes.get('by hand')!.id, 'gemma-tiny');
  });

  it('one cache folder serves every route (the snapshot gets its own relocated graph)', async () => {
    const cacheDir = join(scratch, 'shared-cache');
    const results: Float32Array[] = [];
    for (const name of ['by hand', 'cache snapshot', 'download', 'by hand']) {
      const ex = await ActivationExtractor.create(routes.get(name)!, [2], { cacheDir, executionProvider: 'cpu' });
      try {
        results.push((await ex.extract(['Same cache, any route.']))[0].states.get(2)!);
      } finally {
        await ex.dispose();
      }
    }
    for (const r of results.slice(1)) assert.deepEqual(r, results[0]);
    assert.equal((await readdir(join(cacheDir, 'graphs'))).filter((f) => f.endsWith('.onnx')).length, 2);
  });

  it('refuses, with what to do, data files that link into different folders', async () => {
    const hand = routes.get('by hand')!;
    const odd = join(scratch, 'odd-links');
    await cp(hand.dir, odd, { recursive: true });
    const elsewhere = join(scratch, 'elsewhere');
    await mkdir(elsewhere, { recursive: true });
    await rename(join(odd, 'onnx', 'model.onnx_data'), join(elsewhere, 'model.onnx_data'));
    await symlink(join(elsewhere, 'model.onnx_data'), join(odd, 'onnx', 'model.onnx_data'));
    await writeFile(join(elsewhere, 'model.onnx_data_1'), 'x');
    await cp(join(elsewhere, 'model.onnx_data_1'), join(odd, 'onnx', 'model.onnx_data_1'));
    await assert.rejects(
      ActivationExtractor.create(await resolveModelFolder(odd), [1], {
        cacheDir: join(scratch, 'odd-cache'),
        executionProvider: 'cpu',
      }),
      (e) =>
        e instanceof ProbescopeError &&
        e.code === 'MODEL_INVALID' &&
        /links into different folders/.test(e.message) &&
        /Copy the model files into one folder/.test(e.message),
    );
  });

  it('gives the same states on every route, all within 5e-5 of transformers', async () => {
    const ref = realReference(join(REAL_EXPORTS, SNAPSHOT));
    const texts = ref.texts.map((t) => t.text);
    const states: Map<LayerSpec, Float32Array>[][] = [];
    for (const [name, folder] of routes) {
      const ex = await ActivationExtractor.create(folder, ALL_LAYERS, {
        cacheDir: join(scratch, `cache-${name}`),
        executionProvider: 'cpu',
      });
      try {
        states.push((await ex.extract(texts, { batchSize: 4 })).map((e) => e.states));
      } finally {
        await ex.dispose();
      }
    }
    for (const l of ALL_LAYERS) {
      ref.texts.forEach((t, i) => {
        assert.ok(maxAbs(states[0][i].get(l)!, decodeStates(t.hf[String(l)])) <= 5e-5, `${t.name} layer ${l}`);
        for (const r of [1, 2]) {
          assert.deepEqual(states[r][i].get(l), states[0][i].get(l), `route ${r}, ${t.name}, layer ${l}`);
        }
      });
    }
  });
});
