/**
 * A Hub dataset split cut into several Parquet shards is read as one dataset (every shard, in order), in both
 * namings of the Hub's Parquet conversion; and loadTable reads a folder of Parquet shards as one table.
 */
import assert from 'node:assert/strict';
import { copyFile, lstat, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadTable, readDataset } from '../../../../src/core/data';
import { ProbescopeError } from '../../../../src/core/errors';
import { openHubDataset, parquetLayout } from '../../../../src/core/hub/hubDataset';
import { type FakeDataset, startFakeHub } from '../model/helpers/fakeHub';
import { makeFakeDataset, OLDER_NAME, SPLITS } from './fakeDataset';

const FIXTURE = join(__dirname, '../../../fixtures/tiny-gemma2');
const CURRENT = 'probescope-test/sharded';
const OLDER = 'probescope-test/older';

let scratch: string;
let current: FakeDataset;
let older: FakeDataset;
const savedEnv = { ...process.env };
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'probescope-shards-'));
  for (const k of ['HF_TOKEN', 'HF_HUB_OFFLINE', 'HF_HUB_CACHE', 'HF_ENDPOINT']) delete process.env[k];
  process.env.HF_HOME = join(scratch, 'hf-home');
  current = await makeFakeDataset(scratch, CURRENT, 'mit', { trainShards: 2 });
  older = await makeFakeDataset(scratch, OLDER, 'mit', { naming: 'older', trainShards: 2 });
});
after(async () => {
  process.env = savedEnv;
  await rm(scratch, { recursive: true, force: true });
});

const TRAIN = SPLITS.default.train;

describe('Parquet conversion layouts', () => {
  it('recognises both namings, with shards in row order and hyphenated dataset names', () => {
    const f = (path: string) => ({ path, size: 10, etag: 'e' });
    const layout = parquetLayout([
      f('README.md'),
      f('default/train/0010.parquet'),
      f('default/train/0002.parquet'),
      f('default/partial-test/0000.parquet'),
      f('plain_text/my-data-train-00001-of-00002.parquet'),
      f('plain_text/my-data-train-00000-of-00002.parquet'),
      f('plain_text/my-data-test.parquet'),
      f('plain_text/my-data-validation.0.parquet'),
    ]);
    assert.deepEqual(layout, [
      {
        name: 'default',
        splits: [
          {
            name: 'train',
            files: ['default/train/0002.parquet', 'default/train/0010.parquet'],
            bytes: 20,
            partial: false,
            folder: 'default/train',
          },
          {
            name: 'test',
            files: ['default/partial-test/0000.parquet'],
            bytes: 10,
            partial: true,
            folder: 'default/partial-test',
          },
        ],
      },
      {
        name: 'plain_text',
        splits: [
          {
            name: 'train',
            files: [
              'plain_text/my-data-train-00000-of-00002.parquet',
              'plain_text/my-data-train-00001-of-00002.parquet',
            ],
            bytes: 20,
            partial: false,
          },
          { name: 'test', files: ['plain_text/my-data-test.parquet'], bytes: 10, partial: false },
          { name: 'validation.0', files: ['plain_text/my-data-validation.0.parquet'], bytes: 10, partial: false },
        ],
      },
    ]);
  });
});

describe('A Hub split with several Parquet shards', () => {
  it('current naming: both shards are fetched and read as one dataset, rows in shard order', async () => {
    const hub = await startFakeHub({ repoId: 'probescope-test/model', dir: FIXTURE, datasets: [current, older] });
    try {
      const cacheDir = await mkdtemp(join(scratch, 'cache-'));
      const ds = await openHubDataset({ repoId: CURRENT, cacheDir, endpoint: hub.endpoint });
      const snapshot = join(cacheDir, 'datasets--probescope-test--sharded', 'snapshots', ds.commit);
      assert.deepEqual(ds.files, [
        join(snapshot, 'default', 'train', '0000.parquet'),
        join(snapshot, 'default', 'train', '0001.parquet'),
      ]);
      assert.equal(ds.dataPath, join(snapshot, 'default', 'train'));
      const read = await readDataset(ds.dataPath);
      assert.equal(read.rowCount, 8, '4 rows in shard 0 + 4 in shard 1');
      assert.deepEqual(read.texts, TRAIN.text);
      assert.deepEqual(read.labels, TRAIN.label.map(String));
      // Each shard on its own holds only part of the split.
      assert.deepEqual((await readDataset(ds.files[1])).texts, TRAIN.text.slice(4));
      const table = await loadTable(ds.dataPath);
      assert.equal(table.where(6), '0001.parquet row 3');
      // Cached: the same folder, no request.
      const n = hub.seen.length;
      const again = await openHubDataset({ repoId: CURRENT, cacheDir, endpoint: hub.endpoint });
      assert.equal(again.dataPath, ds.dataPath);
      assert.equal(hub.seen.length, n);
      // A one-file split is that file.
      const test = await openHubDataset({ repoId: CURRENT, split: 'test', cacheDir, endpoint: hub.endpoint });
      assert.equal(test.dataPath, join(snapshot, 'default', 'test', '0000.parquet'));
    } finally {
      await hub.close();
    }
  });

  it('older naming ({config}/{name}-{split}-00000-of-00002.parquet): one split of a shared folder, in order', async () => {
    const hub = await startFakeHub({ repoId: 'probescope-test/model', dir: FIXTURE, datasets: [current, older] });
    try {
      const cacheDir = await mkdtemp(join(scratch, 'cache-'));
      const ds = await openHubDataset({ repoId: OLDER, cacheDir, endpoint: hub.endpoint });
      assert.equal(ds.config, 'default');
      assert.equal(ds.split, 'train');
      assert.deepEqual(
        ds.configs.map((c) => [c.name, c.splits.map((s) => s.name).sort()]),
        [
          ['default', ['test', 'train']],
          ['hard', ['train', 'validation']],
        ],
      );
      const repoDir = join(cacheDir, 'datasets--probescope-test--older');
      assert.deepEqual(
        ds.files.map((f) => basename(f)),
        [`${OLDER_NAME}-train-00000-of-00002.parquet`, `${OLDER_NAME}-train-00001-of-00002.parquet`],
      );
      // The test split's file shares default/ with the train shards once fetched; the view holds only train's.
      const test = await openHubDataset({ repoId: OLDER, split: 'test', cacheDir, endpoint: hub.endpoint });
      assert.equal(test.dataPath, join(repoDir, 'snapshots', ds.commit, 'default', `${OLDER_NAME}-test.parquet`));
      assert.deepEqual((await readDataset(test.dataPath)).texts, SPLITS.default.test.text);
      const again = await openHubDataset({ repoId: OLDER, cacheDir, endpoint: hub.endpoint });
      assert.equal(again.dataPath, join(repoDir, '.probescope-splits', ds.commit, 'default', 'train'));
      assert.deepEqual((await readdir(again.dataPath)).sort(), ds.files.map((f) => basename(f)).sort());
      assert.ok((await lstat(join(again.dataPath, basename(ds.files[0])))).isSymbolicLink());
      const read = await readDataset(again.dataPath);
      assert.equal(read.rowCount, 8);
      assert.deepEqual(read.texts, TRAIN.text);
      // Nothing extra inside snapshots/: the cache stays as huggingface_hub lays it out.
      assert.deepEqual(
        (await readdir(join(repoDir, 'snapshots', ds.commit, 'default'))).sort(),
        [`${OLDER_NAME}-test.parquet`, ...ds.files.map((f) => basename(f))].sort(),
      );
    } finally {
      await hub.close();
    }
  });
});

describe('loadTable on a folder of Parquet shards', () => {
  it('orders shards numerically, refuses mismatched columns, a folder without Parquet, and mixed data files', async () => {
    const hub = await startFakeHub({ repoId: 'probescope-test/model', dir: FIXTURE, datasets: [current] });
    let files: string[];
    try {
      files = (
        await openHubDataset({ repoId: CURRENT, cacheDir: await mkdtemp(join(scratch, 'c-')), endpoint: hub.endpoint })
      ).files;
    } finally {
      await hub.close();
    }
    const dir = await mkdtemp(join(scratch, 'local-'));
    // shard-2 sorts before shard-10 with numeric collation (not by plain string order).
    await copyFile(files[0], join(dir, 'shard-2.parquet'));
    await copyFile(files[1], join(dir, 'shard-10.parquet'));
    assert.deepEqual((await readDataset(dir)).texts, TRAIN.text);

    const bad = async (setup: (d: string) => Promise<void>, pattern: RegExp) => {
      const d = await mkdtemp(join(scratch, 'bad-'));
      await setup(d);
      await assert.rejects(loadTable(d), (err: unknown) => {
        assert.ok(err instanceof ProbescopeError && err.code === 'DATASET_INVALID', String(err));
        assert.match(err.message, pattern);
        return true;
      });
    };
    await bad(async () => {}, /a folder with no \.parquet file/);
    await bad(async (d) => {
      await copyFile(files[0], join(d, '0000.parquet'));
      await writeFile(join(d, 'extra.jsonl'), '{"text":"x","label":1}\n');
    }, /mixes Parquet shards with extra\.jsonl/);
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    await bad(async (d) => {
      await copyFile(files[0], join(d, '0000.parquet'));
      await mkdir(d, { recursive: true });
      const buf = parquetWriteBuffer({ columnData: [{ name: 'sentence', data: ['a'], type: 'STRING' }] });
      await writeFile(join(d, '0001.parquet'), Buffer.from(buf));
    }, /0001\.parquet has columns sentence, but 0000\.parquet has text, label/);
  });
});
