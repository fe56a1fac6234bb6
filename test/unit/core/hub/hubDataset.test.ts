import assert from 'node:assert/strict';
import { lstat, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readDataset } from '../../../../src/core/data';
import { ProbescopeError } from '../../../../src/core/errors';
import { openHubDataset, parseHfDatasetUri } from '../../../../src/core/hub/hubDataset';
import { type FakeDataset, type FakeHub, startFakeHub } from '../model/helpers/fakeHub';
import { makeFakeDataset, SPLITS } from './fakeDataset';

const FIXTURE = join(__dirname, '../../../fixtures/tiny-gemma2');
const DS = 'probescope-test/reviews';

let scratch: string;
let dataset: FakeDataset;
const savedEnv = { ...process.env };
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'probescope-hubds-'));
  for (const k of ['HF_TOKEN', 'HF_HUB_OFFLINE', 'HF_HUB_CACHE', 'HF_ENDPOINT']) delete process.env[k];
  process.env.HF_HOME = join(scratch, 'hf-home');
  dataset = await makeFakeDataset(scratch, DS);
});
after(async () => {
  process.env = savedEnv;
  await rm(scratch, { recursive: true, force: true });
});

async function withHub<T>(opts: { token?: string }, fn: (hub: FakeHub, cacheDir: string) => Promise<T>): Promise<T> {
  const hub = await startFakeHub({ repoId: 'probescope-test/model', dir: FIXTURE, datasets: [dataset], ...opts });
  const cacheDir = await mkdtemp(join(scratch, 'cache-'));
  try {
    return await fn(hub, cacheDir);
  } finally {
    await hub.close();
  }
}

const rejectsWith = (code: string, pattern: RegExp) => (err: unknown) => {
  assert.ok(err instanceof ProbescopeError, String(err));
  assert.equal(err.code, code);
  assert.match(err.message, pattern);
  return true;
};

describe('Hub datasets through their Parquet conversion', () => {
  it('parses hf://datasets/owner/name and refuses other hf:// forms', () => {
    assert.equal(parseHfDatasetUri('hf://datasets/stanfordnlp/imdb'), 'stanfordnlp/imdb');
    assert.equal(parseHfDatasetUri('data/train.jsonl'), undefined);
    assert.throws(() => parseHfDatasetUri('hf://stanfordnlp/imdb'), /hf:\/\/datasets\/owner\/name/);
  });

  it('downloads the default config and train split into the cache, lists both configs and their splits, reads the licence', async () => {
    await withHub({}, async (hub, cacheDir) => {
      const ds = await openHubDataset({ repoId: DS, cacheDir, endpoint: hub.endpoint });
      const commit = hub.commitOf('dataset', DS, 'refs/convert/parquet');
      const repoDir = join(cacheDir, 'datasets--probescope-test--reviews');
      assert.equal(ds.commit, commit);
      assert.equal(ds.config, 'default');
      assert.equal(ds.split, 'train');
      assert.deepEqual(ds.files, [join(repoDir, 'snapshots', commit, 'default', 'train', '0000.parquet')]);
      assert.ok((await lstat(ds.files[0])).isSymbolicLink(), 'a snapshot symlink into blobs/');
      // huggingface_hub writes refs/<revision> literally: refs/refs/convert/parquet.
      assert.equal(await readFile(join(repoDir, 'refs', 'refs', 'convert', 'parquet'), 'utf8'), commit);
      assert.deepEqual(
        ds.configs.map((c) => [c.name, c.splits.map((s) => s.name).sort()]),
        [
          ['default', ['test', 'train']],
          ['hard', ['train', 'validation']],
        ],
      );
      assert.ok(ds.configs.every((c) => c.splits.every((s) => s.bytes > 0)));
      assert.equal(ds.license, 'cc-by-4.0');
      // The local file goes to the ordinary Parquet reader.
      const read = await readDataset(ds.files[0]);
      assert.deepEqual(read.texts, SPLITS.default.train.text);
      assert.deepEqual(read.labels, SPLITS.default.train.label.map(String));
      // Only the chosen split was fetched.
      assert.ok(!hub.seen.some((r) => r.path.includes('/hard/') && r.path.startsWith('/cdn/')));
    });
  });

  it('fetches the config and split asked for, then serves it from the cache with no request', async () => {
    await withHub({}, async (hub, cacheDir) => {
      const ds = await openHubDataset({
        repoId: DS,
        config: 'hard',
        split: 'validation',
        cacheDir,
        endpoint: hub.endpoint,
      });
      assert.deepEqual((await readDataset(ds.files[0])).texts, SPLITS.hard.validation.text);
      const n = hub.seen.length;
      const logs: string[] = [];
      const again = await openHubDataset(
        { repoId: DS, config: 'hard', split: 'validation', cacheDir, endpoint: hub.endpoint },
        { onLog: (m) => logs.push(m) },
      );
      assert.deepEqual(again.files, ds.files);
      assert.equal(again.license, 'cc-by-4.0');
      assert.equal(hub.seen.length, n, 'no request for a cached split');
      assert.match(logs.join('\n'), /using the cached Parquet files/);
      // Another split of the same conversion is fetched and shares the snapshot.
      const test = await openHubDataset({ repoId: DS, split: 'test', cacheDir, endpoint: hub.endpoint });
      assert.deepEqual((await readDataset(test.files[0])).texts, SPLITS.default.test.text);
      assert.ok(hub.seen.length > n);
    });
  });

  it('HF_HUB_OFFLINE=1 opens a cached split and refuses an uncached one without a request', async () => {
    await withHub({}, async (hub, cacheDir) => {
      await openHubDataset({ repoId: DS, cacheDir, endpoint: hub.endpoint });
      const n = hub.seen.length;
      process.env.HF_HUB_OFFLINE = '1';
      try {
        const ds = await openHubDataset({ repoId: DS, cacheDir, endpoint: hub.endpoint });
        assert.equal(ds.split, 'train');
        await assert.rejects(
          openHubDataset({ repoId: DS, config: 'hard', split: 'train', cacheDir, endpoint: hub.endpoint }),
          rejectsWith(
            'DOWNLOAD_FAILED',
            /HF_HUB_OFFLINE is set and probescope-test\/reviews hard\/train is not in the Hugging Face cache/,
          ),
        );
      } finally {
        delete process.env.HF_HUB_OFFLINE;
      }
      assert.equal(hub.seen.length, n);
    });
  });

  it('names the configs and splits there are when asked for one that is not', async () => {
    await withHub({}, async (hub, cacheDir) => {
      await assert.rejects(
        openHubDataset({ repoId: DS, config: 'nope', cacheDir, endpoint: hub.endpoint }),
        rejectsWith('BAD_ARGUMENT', /no config "nope"; configs: default, hard/),
      );
      await assert.rejects(
        openHubDataset({ repoId: DS, config: 'hard', split: 'test', cacheDir, endpoint: hub.endpoint }),
        rejectsWith('BAD_ARGUMENT', /no split "test"; splits: (train, validation|validation, train)/),
      );
    });
  });

  it('a gated dataset (401) says to accept the licence on its page and log in', async () => {
    await withHub({ token: 'hf_secret' }, async (hub, cacheDir) => {
      await assert.rejects(
        openHubDataset({ repoId: DS, cacheDir, endpoint: hub.endpoint }),
        rejectsWith(
          'DOWNLOAD_FAILED',
          /HTTP 401.*accept the licence on https:\/\/huggingface\.co\/datasets\/probescope-test\/reviews, then log in/,
        ),
      );
    });
  });
});
