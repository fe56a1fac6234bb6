import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { cp, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ProgressEvent } from '../../../../src/protocol/types';
import { ProbescopeError } from '../../../../src/core/errors';
import { downloadModel } from '../../../../src/core/model/hubDownload';
import { hubSha256, resolveModelFolder } from '../../../../src/core/model/modelFolder';
import { type FakeHub, type FakeHubOptions, startFakeHub } from './helpers/fakeHub';

const FIXTURE = join(__dirname, '../../../fixtures/tiny-gemma2');
const REPO = 'probescope-test/tiny-gemma2';
const REPO_FOLDER = 'models--probescope-test--tiny-gemma2';
const PICKED = ['config.json', 'model.onnx', 'tokenizer.json', 'tokenizer_config.json'];

let scratch: string;
const savedEnv = { ...process.env };
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'probescope-hub-'));
  // No token or cache of the machine running the tests leaks in.
  for (const k of [
    'HF_TOKEN',
    'HUGGING_FACE_HUB_TOKEN',
    'HF_TOKEN_PATH',
    'HF_HUB_OFFLINE',
    'HF_HUB_CACHE',
    'HF_ENDPOINT',
  ])
    delete process.env[k];
  process.env.HF_HOME = join(scratch, 'hf-home');
});
after(async () => {
  process.env = savedEnv;
  await rm(scratch, { recursive: true, force: true });
});

async function withEnv<T>(env: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env))
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(before))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  }
}

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

const sha256 = async (path: string): Promise<string> =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
const gitOid = async (path: string): Promise<string> => {
  const bytes = await readFile(path);
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
};
const fileRequests = (hub: FakeHub, name: string) =>
  hub.seen.filter((r) => r.path.startsWith('/cdn/') && r.path.endsWith(`/${name}`) && r.range !== 'bytes=0-0');

describe('downloadModel into the Hugging Face cache', () => {
  it('lays files out as huggingface_hub does: blobs/<etag>, refs/main, snapshots/<commit>/ relative symlinks', async () => {
    await withHub({}, async (hub, cacheDir) => {
      const events: Omit<ProgressEvent, 'progressId'>[] = [];
      const { modelDir } = await downloadModel(
        { repoId: REPO, cacheDir, endpoint: hub.endpoint },
        { onProgress: (e) => events.push(e) },
      );
      const commit = hub.commitOf('model', REPO, 'main');
      const repoDir = join(cacheDir, REPO_FOLDER);
      assert.equal(modelDir, join(repoDir, 'snapshots', commit));
      assert.equal(await readFile(join(repoDir, 'refs', 'main'), 'utf8'), commit);
      assert.deepEqual((await readdir(modelDir)).sort(), ['.probescope-source.json', ...PICKED].sort());
      await assertSameBytes(modelDir, FIXTURE, PICKED);
      // LFS files (model.onnx, tokenizer.json) are named by sha256, git files by their blob id; links are relative.
      const etags = {
        'model.onnx': await sha256(join(FIXTURE, 'model.onnx')),
        'tokenizer.json': await sha256(join(FIXTURE, 'tokenizer.json')),
        'config.json': await gitOid(join(FIXTURE, 'config.json')),
        'tokenizer_config.json': await gitOid(join(FIXTURE, 'tokenizer_config.json')),
      };
      for (const [f, etag] of Object.entries(etags)) {
        assert.ok((await lstat(join(modelDir, f))).isSymbolicLink(), `${f} is a symlink`);
        assert.equal(await readlink(join(modelDir, f)), join('..', '..', 'blobs', etag));
      }
      assert.deepEqual((await readdir(join(repoDir, 'blobs'))).sort(), Object.values(etags).sort());
      // The Hub's sha256 is exposed for cache keys.
      assert.equal(await hubSha256(modelDir, 'model.onnx'), etags['model.onnx']);
      assert.equal(await hubSha256(modelDir, 'config.json'), undefined);

      const folder = await resolveModelFolder(modelDir);
      assert.equal(folder.id, REPO);
      assert.equal(folder.hash, (await resolveModelFolder(FIXTURE)).hash);

      const total = (await Promise.all(PICKED.map((f) => stat(join(FIXTURE, f))))).reduce((s, st) => s + st.size, 0);
      const last = events.at(-1)!;
      assert.equal(last.phase, 'download');
      assert.equal(last.total, total);
      assert.equal(last.done, total);
      for (let i = 1; i < events.length; i++)
        assert.ok(events[i].done >= events[i - 1].done, 'progress never goes back');
      assert.ok(hub.seen.some((r) => r.path.startsWith(`/api/models/${REPO}/tree/${commit}`)));
      assert.ok(hub.seen.some((r) => r.path === `/${REPO}/resolve/${commit}/model.onnx`));
    });
  });

  it('makes no request at all for a model already in the cache, ours or one Python downloaded', async () => {
    await withHub({}, async (hub, cacheDir) => {
      const first = await downloadModel({ repoId: REPO, cacheDir, endpoint: hub.endpoint }, {});
      const requests = hub.seen.length;
      const logs: string[] = [];
      const again = await downloadModel(
        { repoId: REPO, cacheDir, endpoint: hub.endpoint },
        { onLog: (m) => logs.push(m) },
      );
      assert.equal(again.modelDir, first.modelDir);
      assert.equal(hub.seen.length, requests, 'no request for a cached snapshot');
      assert.match(logs.join('\n'), /using the cached snapshot/);
      // A cached model needs no token: a malformed one is not even looked at.
      await downloadModel({ repoId: REPO, cacheDir, endpoint: hub.endpoint, token: 'not-a-token' }, {});
      assert.equal(hub.seen.length, requests);
    });
    // A snapshot written by huggingface_hub: no .probescope-source.json, files as symlinks into blobs/.
    await withHub({}, async (hub, cacheDir) => {
      const commit = 'a'.repeat(40);
      const repoDir = join(cacheDir, REPO_FOLDER);
      await mkdir(join(repoDir, 'blobs'), { recursive: true });
      await mkdir(join(repoDir, 'snapshots', commit), { recursive: true });
      await mkdir(join(repoDir, 'refs'), { recursive: true });
      await writeFile(join(repoDir, 'refs', 'main'), commit);
      for (const f of PICKED) {
        const etag = await sha256(join(FIXTURE, f));
        await cp(join(FIXTURE, f), join(repoDir, 'blobs', etag));
        await symlink(join('..', '..', 'blobs', etag), join(repoDir, 'snapshots', commit, f));
      }
      const { modelDir } = await downloadModel({ repoId: REPO, cacheDir, endpoint: hub.endpoint }, {});
      assert.equal(modelDir, join(repoDir, 'snapshots', commit));
      assert.equal(hub.seen.length, 0, 'no request for a snapshot Python downloaded');
      assert.equal((await resolveModelFolder(modelDir)).id, REPO);
    });
  });

  it('uses HF_HUB_CACHE when no cacheDir is given', async () => {
    await withHub({}, async (hub, cacheDir) => {
      await withEnv({ HF_HUB_CACHE: cacheDir }, async () => {
        const { modelDir } = await downloadModel({ repoId: REPO, endpoint: hub.endpoint }, {});
        assert.equal(modelDir, join(cacheDir, REPO_FOLDER, 'snapshots', hub.commitOf('model', REPO, 'main')));
      });
    });
  });

  it('HF_HUB_OFFLINE=1 uses the cache only and says so; an uncached model fails without a request', async () => {
    await withHub({}, async (hub, cacheDir) => {
      await withEnv({ HF_HUB_OFFLINE: '1' }, async () => {
        await assert.rejects(
          downloadModel({ repoId: REPO, cacheDir, endpoint: hub.endpoint }, {}),
          rejectsWith(
            'DOWNLOAD_FAILED',
            /HF_HUB_OFFLINE is set and probescope-test\/tiny-gemma2@main is not in the Hugging Face cache/,
          ),
        );
        assert.equal(hub.seen.length, 0);
      });
      const { modelDir } = await downloadModel({ repoId: REPO, cacheDir, endpoint: hub.endpoint }, {});
      const requests = hub.seen.length;
      await withEnv({ HF_HUB_OFFLINE: '1' }, async () => {
        const logs: string[] = [];
        const offline = await downloadModel(
          { repoId: REPO, cacheDir, endpoint: hub.endpoint },
          { onLog: (m) => logs.push(m) },
        );
        assert.equal(offline.modelDir, modelDir);
        assert.match(logs.join('\n'), /HF_HUB_OFFLINE is set: cache only/);
        // A different ONNX file is not in the cache: offline says so.
        await assert.rejects(
          downloadModel({ repoId: REPO, cacheDir, endpoint: hub.endpoint, onnxFile: 'onnx/model_q4.onnx' }, {}),
          rejectsWith('DOWNLOAD_FAILED', /HF_HUB_OFFLINE.*onnx\/model_q4\.onnx/),
        );
      });
      assert.equal(hub.seen.length, requests, 'no request in offline mode');
    });
  });

  it('resumes model.onnx with a Range request after the connection drops half-way', async () => {
    await withHub({ dropHalfwayOnce: ['model.onnx'] }, async (hub, cacheDir) => {
      const { modelDir } = await downloadModel({ repoId: REPO, cacheDir, endpoint: hub.endpoint }, {});
      const size = (await stat(join(FIXTURE, 'model.onnx'))).size;
      const ranged = fileRequests(hub, 'model.onnx').filter((r) => r.range);
      assert.equal(ranged.length, 1, 'one resumed request');
      const from = Number(/^bytes=(\d+)-/.exec(ranged[0].range!)?.[1]);
      assert.ok(from > 0 && from <= Math.floor(size / 2), `resumed from byte ${from} of ${size}`);
      await assertSameBytes(modelDir, FIXTURE, PICKED);
    });
  });

  it('resumes a blobs/<etag>.incomplete left by an earlier run (ours or Python) and keeps blobs already there', async () => {
    await withHub({}, async (hub, cacheDir) => {
      const blobs = join(cacheDir, REPO_FOLDER, 'blobs');
      await mkdir(blobs, { recursive: true });
      const model = await readFile(join(FIXTURE, 'model.onnx'));
      await writeFile(join(blobs, `${await sha256(join(FIXTURE, 'model.onnx'))}.incomplete`), model.subarray(0, 1000));
      await cp(join(FIXTURE, 'config.json'), join(blobs, await gitOid(join(FIXTURE, 'config.json'))));
      const { modelDir } = await downloadModel({ repoId: REPO, cacheDir, endpoint: hub.endpoint }, {});
      assert.ok(fileRequests(hub, 'model.onnx').some((r) => r.range?.startsWith('bytes=1000-')));
      assert.ok(!hub.seen.some((r) => r.path.endsWith('/config.json')), 'config.json was already there');
      await assertSameBytes(modelDir, FIXTURE, PICKED);
    });
  });

  it('starts a partial file over when the server answers a Range request with the whole file (200)', async () => {
    await withHub({ noRangeSupport: true }, async (hub, cacheDir) => {
      const blobs = join(cacheDir, REPO_FOLDER, 'blobs');
      await mkdir(blobs, { recursive: true });
      const model = await readFile(join(FIXTURE, 'model.onnx'));
      await writeFile(join(blobs, `${await sha256(join(FIXTURE, 'model.onnx'))}.incomplete`), model.subarray(0, 1000));
      const { modelDir } = await downloadModel({ repoId: REPO, cacheDir, endpoint: hub.endpoint }, {});
      assert.ok(fileRequests(hub, 'model.onnx').some((r) => r.range?.startsWith('bytes=1000-')));
      await assertSameBytes(modelDir, FIXTURE, PICKED);
    });
  });

  it('detects a sha256 mismatch and leaves neither the blob, its partial nor a snapshot entry', async () => {
    await withHub({ wrongSha256: ['model.onnx'] }, async (hub, cacheDir) => {
      await assert.rejects(
        downloadModel({ repoId: REPO, cacheDir, endpoint: hub.endpoint }, {}),
        rejectsWith('DOWNLOAD_FAILED', /model\.onnx: sha256 checksum mismatch/),
      );
      const repoDir = join(cacheDir, REPO_FOLDER);
      assert.ok(!(await readdir(join(repoDir, 'blobs'))).some((b) => b.startsWith('0'.repeat(64))));
      const snap = join(repoDir, 'snapshots', hub.commitOf('model', REPO, 'main'));
      const left = await readdir(snap).catch(() => [] as string[]);
      assert.ok(!left.includes('model.onnx') && !left.includes('.probescope-source.json'), left.join(', '));
      await assert.rejects(stat(join(repoDir, 'refs', 'main')), 'no ref to an incomplete snapshot');
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

  it('a gated repo (401) says to accept the licence on the model page and log in; 403 with a token says it has no access', async () => {
    await withHub({ token: 'hf_secret' }, async (hub, cacheDir) => {
      await assert.rejects(
        downloadModel({ repoId: REPO, cacheDir, endpoint: hub.endpoint }, {}),
        rejectsWith(
          'DOWNLOAD_FAILED',
          /HTTP 401.*accept the licence on https:\/\/huggingface\.co\/probescope-test\/tiny-gemma2, then log in \(huggingface-cli login\) or set HF_TOKEN/,
        ),
      );
      await assert.rejects(
        downloadModel({ repoId: REPO, cacheDir, endpoint: hub.endpoint, token: 'hf_wrong' }, {}),
        rejectsWith('DOWNLOAD_FAILED', /403.*token has no access: accept the licence/),
      );
      await assert.rejects(
        downloadModel({ repoId: REPO, cacheDir, endpoint: hub.endpoint, token: 'not-a-token' }, {}),
        rejectsWith('BAD_ARGUMENT', /does not start with "hf_"/),
      );
    });
  });

  it('a gated repo whose listing is public (as Gemma on the Hub) fails on the first file with the same advice', async () => {
    await withHub({ token: 'hf_secret', gateFilesOnly: true }, async (hub, cacheDir) => {
      await assert.rejects(
        downloadModel({ repoId: REPO, cacheDir, endpoint: hub.endpoint }, {}),
        rejectsWith(
          'DOWNLOAD_FAILED',
          /config\.json.*HTTP 401.*accept the licence on https:\/\/huggingface\.co\/probescope-test\/tiny-gemma2, then log in/,
        ),
      );
      assert.ok(
        hub.seen.some((r) => r.path.startsWith('/api/')),
        'the listing was served',
      );
    });
  });

  it('takes the token from HF_TOKEN, else from the token file huggingface-cli login writes (HF_HOME/token)', async () => {
    await withHub({ token: 'hf_secret' }, async (hub, cacheDir) => {
      await withEnv({ HF_TOKEN: 'hf_secret' }, async () => {
        const { modelDir } = await downloadModel({ repoId: REPO, cacheDir, endpoint: hub.endpoint }, {});
        await assertSameBytes(modelDir, FIXTURE, PICKED);
      });
      const hfHome = await mkdtemp(join(scratch, 'home-'));
      await writeFile(join(hfHome, 'token'), 'hf_secret\n');
      const cacheDir2 = await mkdtemp(join(scratch, 'cache-'));
      await withEnv({ HF_HOME: hfHome }, async () => {
        const { modelDir } = await downloadModel({ repoId: REPO, cacheDir: cacheDir2, endpoint: hub.endpoint }, {});
        await assertSameBytes(modelDir, FIXTURE, PICKED);
      });
      const api = hub.seen.filter((r) => r.path.startsWith('/api/') || r.path.includes('/resolve/'));
      assert.ok(api.length > 0 && api.every((r) => r.authorization === 'Bearer hf_secret'));
    });
  });

  it('cancels via AbortSignal with CANCELLED, leaving the partial to resume and no snapshot entry', async () => {
    await withHub({ throttleBytes: 16 * 1024 }, async (hub, cacheDir) => {
      const ac = new AbortController();
      const midBody = (message = ''): boolean =>
        message.startsWith('model.onnx') && !message.startsWith('model.onnx 0.0/');
      const run = downloadModel(
        { repoId: REPO, cacheDir, endpoint: hub.endpoint },
        { signal: ac.signal, onProgress: (e) => midBody(e.message) && ac.abort() },
      );
      await assert.rejects(run, rejectsWith('CANCELLED', /cancelled/i));
      const repoDir = join(cacheDir, REPO_FOLDER);
      const snap = join(repoDir, 'snapshots', hub.commitOf('model', REPO, 'main'));
      const left = await readdir(snap).catch(() => [] as string[]);
      assert.ok(!left.includes('model.onnx') && !left.includes('.probescope-source.json'), left.join(', '));
      const etag = await sha256(join(FIXTURE, 'model.onnx'));
      assert.ok((await stat(join(repoDir, 'blobs', `${etag}.incomplete`))).size > 0);
    });
  });

  it('fetches onnx/model.onnx with its external data at a tag, and reuses blobs for another revision', async () => {
    const repoDir = await mkdtemp(join(scratch, 'repo-'));
    await mkdir(join(repoDir, 'onnx'));
    for (const f of ['config.json', 'tokenizer.json', 'README.md']) await cp(join(FIXTURE, f), join(repoDir, f));
    await cp(join(FIXTURE, 'model.onnx'), join(repoDir, 'onnx', 'model.onnx'));
    await cp(join(FIXTURE, 'model.onnx'), join(repoDir, 'onnx', 'model_q4.onnx'));
    await writeFile(join(repoDir, 'onnx', 'model.onnx_data'), randomBytes(5000));
    await writeFile(join(repoDir, 'onnx', 'model.onnx_data_1'), randomBytes(3000));
    await withHub({ dir: repoDir }, async (hub, cacheDir) => {
      const { modelDir } = await downloadModel(
        { repoId: REPO, revision: 'v1.0', cacheDir, endpoint: hub.endpoint },
        {},
      );
      const commit = hub.commitOf('model', REPO, 'v1.0');
      assert.equal(modelDir, join(cacheDir, REPO_FOLDER, 'snapshots', commit));
      assert.equal(await readFile(join(cacheDir, REPO_FOLDER, 'refs', 'v1.0'), 'utf8'), commit);
      assert.deepEqual((await readdir(join(modelDir, 'onnx'))).sort(), [
        'model.onnx',
        'model.onnx_data',
        'model.onnx_data_1',
      ]);
      assert.equal(
        await readlink(join(modelDir, 'onnx', 'model.onnx_data')),
        join('..', '..', '..', 'blobs', await sha256(join(repoDir, 'onnx', 'model.onnx_data'))),
      );
      await assertSameBytes(modelDir, repoDir, ['onnx/model.onnx', 'onnx/model.onnx_data', 'onnx/model.onnx_data_1']);
      const folder = await resolveModelFolder(modelDir);
      assert.equal(folder.onnxPath, join(modelDir, 'onnx', 'model.onnx'));
      assert.equal(folder.externalData.length, 2);

      // main has the same files: only links, no file bodies fetched again.
      const before = hub.seen.length;
      const main = await downloadModel({ repoId: REPO, cacheDir, endpoint: hub.endpoint }, {});
      assert.notEqual(main.modelDir, modelDir);
      assert.ok(!hub.seen.slice(before).some((r) => r.path.startsWith('/cdn/')), 'blobs are shared between revisions');
      await assertSameBytes(main.modelDir, repoDir, ['onnx/model.onnx', 'onnx/model.onnx_data_1']);
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
