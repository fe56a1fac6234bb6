import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ProgressEvent } from '../../../../src/protocol/types';
import { ProbescopeError } from '../../../../src/core/errors';
import { downloadModel } from '../../../../src/core/model/hubDownload';
import { resolveModelFolder } from '../../../../src/core/model/modelFolder';
import { type FakeHub, type FakeHubOptions, startFakeHub } from './helpers/fakeHub';

const FIXTURE = join(__dirname, '../../../fixtures/tiny-gemma2');
const REPO = 'probescope-test/tiny-gemma2';
const PICKED = ['config.json', 'model.onnx', 'tokenizer.json', 'tokenizer_config.json'];

let scratch: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'probescope-hub-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function withHub<T>(
  opts: Partial<FakeHubOptions>,
  fn: (hub: FakeHub, cacheDir: string) => Promise<T>,
): Promise<T> {
  const hub = await startFakeHub({ repoId: REPO, dir: FIXTURE, ...opts });
  const cacheDir = await mkdtemp(join(scratch, 'cache-'));
  try {
    return await fn(hub, cacheDir);
  } finally {
    await hub.close();
  }
}

async function assertSameBytes(dir: string, from: string, files: string[]): Promise<void> {
  for (const f of files)
    assert.ok(
      (await readFile(join(dir, f))).equals(await readFile(join(from, f))),
      `${f} differs from the served file`,
    );
}

function rejectsWith(code: string, pattern: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof ProbescopeError, `expected a ProbescopeError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    return true;
  };
}

describe('downloadModel', () => {
  it('downloads config, tokenizer and model.onnx byte-identical into cacheDir/models/owner--name/revision', async () => {
    await withHub({}, async (hub, cacheDir) => {
      const events: Omit<ProgressEvent, 'progressId'>[] = [];
      const { modelDir } = await downloadModel(
        { repoId: REPO, cacheDir, endpoint: hub.endpoint },
        { onProgress: (e) => events.push(e) },
      );
      assert.equal(modelDir, join(cacheDir, 'models', 'probescope-test--tiny-gemma2', 'main'));
      assert.deepEqual((await readdir(modelDir)).sort(), ['.probescope-source.json', ...PICKED].sort());
      await assertSameBytes(modelDir, FIXTURE, PICKED);

      const folder = await resolveModelFolder(modelDir);
      assert.equal(folder.id, REPO);
      assert.equal(folder.hash, (await resolveModelFolder(FIXTURE)).hash);
      assert.equal(folder.config.hiddenSize, 64);

      const total = (await Promise.all(PICKED.map((f) => stat(join(FIXTURE, f))))).reduce((s, st) => s + st.size, 0);
      const last = events.at(-1)!;
      assert.equal(last.phase, 'download');
      assert.equal(last.total, total);
      assert.equal(last.done, total);
      for (let i = 1; i < events.length; i++)
        assert.ok(events[i].done >= events[i - 1].done, 'progress never goes back');
      assert.ok(
        events.some((e) => e.rate !== undefined && e.rate > 0),
        'progress reports a byte rate',
      );
      // The listing came from the paginated tree API and files through the resolve redirect.
      assert.ok(hub.seen.some((r) => r.path.includes('/tree/main')));
      assert.ok(hub.seen.some((r) => r.path === `/${REPO}/resolve/main/model.onnx`));
    });
  });

  it('resumes model.onnx with a Range request after the connection drops half-way', async () => {
    await withHub({ dropHalfwayOnce: ['model.onnx'] }, async (hub, cacheDir) => {
      const { modelDir } = await downloadModel({ repoId: REPO, cacheDir, endpoint: hub.endpoint }, {});
      const size = (await stat(join(FIXTURE, 'model.onnx'))).size;
      const ranged = hub.seen.filter((r) => r.path === '/cdn/model.onnx' && r.range);
      assert.equal(ranged.length, 1, 'one resumed request');
      // It resumes from what reached the disk: up to half (undici may drop chunks still buffered when the socket closes).
      const from = Number(/^bytes=(\d+)-$/.exec(ranged[0].range!)?.[1]);
      assert.ok(from > 0 && from <= Math.floor(size / 2), `resumed from byte ${from} of ${size}`);
      await assertSameBytes(modelDir, FIXTURE, PICKED);
    });
  });

  it('resumes a partial file left by an earlier run and keeps files already downloaded', async () => {
    await withHub({}, async (hub, cacheDir) => {
      const dir = join(cacheDir, 'models', 'probescope-test--tiny-gemma2', 'main');
      await mkdir(dir, { recursive: true });
      const model = await readFile(join(FIXTURE, 'model.onnx'));
      await writeFile(join(dir, 'model.onnx.part'), model.subarray(0, 1000));
      await cp(join(FIXTURE, 'config.json'), join(dir, 'config.json'));
      await downloadModel({ repoId: REPO, cacheDir, endpoint: hub.endpoint }, {});
      assert.ok(hub.seen.some((r) => r.path === '/cdn/model.onnx' && r.range === 'bytes=1000-'));
      assert.ok(!hub.seen.some((r) => r.path.endsWith('/config.json')), 'config.json was already there');
      await assertSameBytes(dir, FIXTURE, PICKED);
    });
  });

  it('starts a partial file over when the server answers a Range request with the whole file (200)', async () => {
    await withHub({ noRangeSupport: true }, async (hub, cacheDir) => {
      const dir = join(cacheDir, 'models', 'probescope-test--tiny-gemma2', 'main');
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'model.onnx.part'), (await readFile(join(FIXTURE, 'model.onnx'))).subarray(0, 1000));
      await downloadModel({ repoId: REPO, cacheDir, endpoint: hub.endpoint }, {});
      assert.ok(hub.seen.some((r) => r.path === '/cdn/model.onnx' && r.range === 'bytes=1000-'));
      await assertSameBytes(dir, FIXTURE, PICKED);
    });
  });

  it('detects a sha256 mismatch and leaves neither the file nor its partial', async () => {
    await withHub({ wrongSha256: ['model.onnx'] }, async (hub, cacheDir) => {
      await assert.rejects(
        downloadModel({ repoId: REPO, cacheDir, endpoint: hub.endpoint }, {}),
        rejectsWith('DOWNLOAD_FAILED', /model\.onnx: sha256 checksum mismatch/),
      );
      const dir = join(cacheDir, 'models', 'probescope-test--tiny-gemma2', 'main');
      const left = await readdir(dir);
      assert.ok(
        !left.includes('model.onnx') && !left.includes('model.onnx.part') && !left.includes('.probescope-source.json'),
        left.join(', '),
      );
    });
  });

  it('says "no such repo" for an unknown repo (HTTP 404)', async () => {
    await withHub({}, async (hub, cacheDir) => {
      await assert.rejects(
        downloadModel({ repoId: 'probescope-test/missing', cacheDir, endpoint: hub.endpoint }, {}),
        rejectsWith('DOWNLOAD_FAILED', /No such repo\/file.*probescope-test\/missing.*404/),
      );
    });
  });

  it('says which file is missing when the repo has no tokenizer.json', async () => {
    const repoDir = await mkdtemp(join(scratch, 'repo-'));
    for (const f of ['config.json', 'model.onnx']) await cp(join(FIXTURE, f), join(repoDir, f));
    await withHub({ dir: repoDir }, async (hub, cacheDir) => {
      await assert.rejects(
        downloadModel({ repoId: REPO, cacheDir, endpoint: hub.endpoint }, {}),
        rejectsWith('DOWNLOAD_FAILED', /No such file.*tokenizer\.json/),
      );
    });
  });

  it('asks to accept the licence and set a token for a gated repo, and downloads with the token', async () => {
    await withHub({ token: 'hf_secret' }, async (hub, cacheDir) => {
      await assert.rejects(
        downloadModel({ repoId: REPO, cacheDir, endpoint: hub.endpoint, token: '' }, {}),
        rejectsWith('DOWNLOAD_FAILED', /gated model: accept the licence.*set a Hugging Face token/),
      );
      await assert.rejects(
        downloadModel({ repoId: REPO, cacheDir, endpoint: hub.endpoint, token: 'hf_wrong' }, {}),
        rejectsWith('DOWNLOAD_FAILED', /403.*token has no access/),
      );
      const { modelDir } = await downloadModel(
        { repoId: REPO, cacheDir, endpoint: hub.endpoint, token: 'hf_secret' },
        {},
      );
      await assertSameBytes(modelDir, FIXTURE, PICKED);
      assert.ok(
        hub.seen
          .filter((r) => r.path.startsWith(`/${REPO}/resolve/`))
          .every((r) => r.authorization === 'Bearer hf_secret'),
      );
    });
  });

  it('cancels via AbortSignal with CANCELLED and leaves no final model file', async () => {
    await withHub({ throttleBytes: 16 * 1024 }, async (hub, cacheDir) => {
      const ac = new AbortController();
      // Abort once some of model.onnx has arrived ("model.onnx 0.1/1.3 MB"), i.e. mid-body.
      const midBody = (message = ''): boolean =>
        message.startsWith('model.onnx') && !message.startsWith('model.onnx 0.0/');
      const run = downloadModel(
        { repoId: REPO, cacheDir, endpoint: hub.endpoint },
        { signal: ac.signal, onProgress: (e) => midBody(e.message) && ac.abort() },
      );
      await assert.rejects(run, rejectsWith('CANCELLED', /cancelled/i));
      const dir = join(cacheDir, 'models', 'probescope-test--tiny-gemma2', 'main');
      const left = await readdir(dir);
      assert.ok(!left.includes('model.onnx') && !left.includes('.probescope-source.json'), left.join(', '));
      // The partial stays for the next run to resume.
      assert.ok((await stat(join(dir, 'model.onnx.part'))).size > 0);
    });
  });

  it('fetches onnx/model.onnx with its external data files, not the other exports, using the revision API when there is no tree API', async () => {
    const repoDir = await mkdtemp(join(scratch, 'repo-'));
    await mkdir(join(repoDir, 'onnx'));
    for (const f of ['config.json', 'tokenizer.json', 'README.md']) await cp(join(FIXTURE, f), join(repoDir, f));
    await cp(join(FIXTURE, 'model.onnx'), join(repoDir, 'onnx', 'model.onnx'));
    await cp(join(FIXTURE, 'model.onnx'), join(repoDir, 'onnx', 'model_q4.onnx'));
    await writeFile(join(repoDir, 'onnx', 'model.onnx_data'), randomBytes(5000));
    await writeFile(join(repoDir, 'onnx', 'model.onnx_data_1'), randomBytes(3000));
    await withHub({ dir: repoDir, noTreeApi: true }, async (hub, cacheDir) => {
      const { modelDir } = await downloadModel(
        { repoId: REPO, revision: 'v1.0', cacheDir, endpoint: hub.endpoint },
        {},
      );
      assert.equal(modelDir, join(cacheDir, 'models', 'probescope-test--tiny-gemma2', 'v1.0'));
      assert.deepEqual((await readdir(join(modelDir, 'onnx'))).sort(), [
        'model.onnx',
        'model.onnx_data',
        'model.onnx_data_1',
      ]);
      await assertSameBytes(modelDir, repoDir, ['onnx/model.onnx', 'onnx/model.onnx_data', 'onnx/model.onnx_data_1']);
      const folder = await resolveModelFolder(modelDir);
      assert.equal(folder.onnxPath, join(modelDir, 'onnx', 'model.onnx'));
      assert.deepEqual(folder.externalData, [
        join(modelDir, 'onnx', 'model.onnx_data'),
        join(modelDir, 'onnx', 'model.onnx_data_1'),
      ]);
      assert.ok(hub.seen.some((r) => r.path.includes('/revision/v1.0')));
    });
  });

  it('rejects a repo id that is not owner/name before any request', async () => {
    await assert.rejects(
      downloadModel({ repoId: '../etc', cacheDir: scratch }, {}),
      rejectsWith('BAD_ARGUMENT', /owner\/name/),
    );
  });

  it('rejects an onnxFile that escapes the repo folder', async () => {
    await withHub({}, async (hub, cacheDir) => {
      await assert.rejects(
        downloadModel({ repoId: REPO, cacheDir, endpoint: hub.endpoint, onnxFile: '../../evil.onnx' }, {}),
        rejectsWith('BAD_ARGUMENT', /inside the repo/),
      );
    });
  });
});
