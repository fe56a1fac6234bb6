/**
 * A folder of Parquet shards as one dataset (shardFolder.ts), with shards written by pyarrow and polars
 * (test/fixtures/datasets-shards/make_shards.py: every text is "<folder> shard <k> row <j>"): shard order, files a Hub
 * snapshot holds beside the shards, schema rules, an empty shard, warnings that name the shard, and the dataset
 * panel's deep pages, which read only the shard that holds them (shardFolderStats counts the shards read).
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { datasetRows, loadTable } from '../../../../src/core/data';
import { datasetRowsConfig } from '../../../../src/core/data/datasetRows';
import { inspectDataset } from '../../../../src/core/data/inspectDataset';
import { readDataset, readDatasetConfig } from '../../../../src/core/data/readDataset';
import { datasetBytes, scanTable } from '../../../../src/core/data/records';
import { shardFolderStats } from '../../../../src/core/data/shardFolder';
import { rowIndexConfig } from '../../../../src/core/data/streamedRows';
import { allTexts } from '../../../../src/core/data/textSource';
import { scanTrainingRows, trainingRowsConfig, trainingRowsOf } from '../../../../src/core/data/trainingRows';
import { ProbescopeError } from '../../../../src/core/errors';
import { planSplits } from '../../../../src/core/probes/trainingSplits';
import type { TrainProbeParams } from '../../../../src/protocol/types';

const FIXTURES = resolve(__dirname, '../../../fixtures/datasets-shards');
const work = mkdtempSync(join(tmpdir(), 'ps-shards-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** The texts make_shards.py wrote: shard k (in row order) has sizes[k] rows. */
const textsOf = (name: string, sizes: number[]) =>
  sizes.flatMap((n, k) => Array.from({ length: n }, (_, j) => `${name} shard ${k} row ${j}`));
const HUB_SIZES = [10, 9, 7];
const NUMBERED_SIZES = [5, 7, 6, 0, 8]; // 0, 1, 2, 3 (no rows), 10 .parquet

/** A copy of a fixture folder, as a Hub snapshot has it (a .gitattributes cannot be committed in the fixture). */
function snapshotCopy(name: string): string {
  const dir = join(work, `${name}-${Math.random().toString(36).slice(2)}`);
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  writeFileSync(join(dir, '.gitattributes'), '*.parquet filter=lfs diff=lfs merge=lfs -text\n');
  return dir;
}

async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof ProbescopeError, `expected a ProbescopeError, got ${String(err)}`);
  assert.equal(err.code, 'DATASET_INVALID');
  return err.message;
}

/** Runs `fn` with the folder read in memory, then streamed (thresholds 0, batches of 4 rows). */
async function bothWays<T>(fn: () => Promise<T>): Promise<{ memory: T; streamed: T }> {
  const saved = {
    read: readDatasetConfig.memoMaxBytes,
    rows: datasetRowsConfig.memoMaxBytes,
    batch: trainingRowsConfig.batchRows,
  };
  try {
    readDatasetConfig.memoMaxBytes = datasetRowsConfig.memoMaxBytes = Infinity;
    const memory = await fn();
    readDatasetConfig.memoMaxBytes = datasetRowsConfig.memoMaxBytes = 0;
    trainingRowsConfig.batchRows = 4;
    const streamed = await fn();
    return { memory, streamed };
  } finally {
    readDatasetConfig.memoMaxBytes = saved.read;
    datasetRowsConfig.memoMaxBytes = saved.rows;
    trainingRowsConfig.batchRows = saved.batch;
  }
}

describe('folders of Parquet shards', () => {
  it('a Hub snapshot split (train-0000k-of-00003, README.md, dataset_info.json, .gitattributes): the shards in order', async () => {
    const dir = snapshotCopy('hub-train');
    const table = await loadTable(dir);
    assert.deepEqual(table.column('text'), textsOf('hub-train', HUB_SIZES));
    assert.equal(table.where(12), 'train-00001-of-00003.parquet row 3');
    const ds = await readDataset(dir);
    assert.deepEqual(ds.texts, textsOf('hub-train', HUB_SIZES));
    assert.deepEqual(ds.warnings, []);
    // Size: the shards only (the README and dataset_info.json are not data).
    const { statSync, readdirSync } = await import('node:fs');
    const shardBytes = readdirSync(dir)
      .filter((n) => n.endsWith('.parquet'))
      .reduce((a, n) => a + statSync(join(dir, n)).size, 0);
    assert.equal(await datasetBytes(dir), shardBytes);
  });

  it('numbered shards in natural order (2 before 10), an empty shard, warnings naming the shard: memory = streamed', async () => {
    const dir = join(FIXTURES, 'numbered');
    const { memory, streamed } = await bothWays(async () => {
      const rows = trainingRowsOf(await readDataset(dir));
      const scanned = await scanTrainingRows(dir);
      const summary = await inspectDataset({ path: dir });
      const page = await datasetRows({ path: dir, textField: 'text', labelField: 'label', offset: 0, limit: 100 });
      return {
        texts: await allTexts(rows.texts),
        labels: rows.labels,
        warnings: rows.ds.warnings,
        scannedTexts: await allTexts(scanned.texts),
        scannedLabels: scanned.labels.toArray(),
        scannedWarnings: scanned.ds.warnings,
        summary: { rows: summary.rows, classes: summary.classes, warnings: summary.warnings },
        page,
      };
    });
    assert.deepEqual(streamed, memory);
    const all = textsOf('numbered', NUMBERED_SIZES);
    assert.deepEqual(
      memory.page.rows.map((r) => r.text),
      all.map((t) => (t === 'numbered shard 2 row 2' ? '   ' : t)),
    );
    const kept = all.filter((t) => t !== 'numbered shard 2 row 2' && t !== 'numbered shard 4 row 1');
    assert.deepEqual(memory.texts, kept);
    assert.deepEqual(memory.scannedTexts, kept);
    assert.equal(memory.summary.rows, 26);
    assert.deepEqual(
      memory.warnings.map((w) => w.message),
      [
        'Skipped 1 row(s) whose "text" is empty or whitespace-only: 2.parquet row 3.',
        'Skipped 1 row(s) with no "label" (empty, NaN, None, null, NA, …): 10.parquet row 2.',
      ],
    );
    assert.deepEqual(memory.scannedWarnings, memory.warnings);
    assert.deepEqual(memory.summary.warnings, memory.warnings);
  });

  it('a training plan (random split, or a shard folder as --test-data) from memory equals the streamed one', async () => {
    const modelDir = resolve(__dirname, '../../../../models/tiny-gemma2');
    for (const extra of [{}, { testDataPath: join(FIXTURES, 'numbered') }]) {
      const { memory, streamed } = await bothWays(async () => {
        const p = await planSplits(
          {
            modelDir,
            layer: 1,
            probe: 'mean',
            outDir: join(work, 'unused'),
            dataPath: snapshotCopy('numbered'),
            ...extra,
          } as TrainProbeParams,
          'fast',
          7,
        );
        return {
          ...p,
          ds: { ...p.ds, path: '' },
          groups: Array.from(p.groups),
          texts: await allTexts(p.texts),
          streamedSource: !('texts' in p.texts),
        };
      });
      assert.equal(memory.streamedSource, false);
      assert.equal(streamed.streamedSource, true);
      assert.deepEqual({ ...streamed, streamedSource: false }, memory, JSON.stringify(extra));
      assert.equal(memory.texts.length, 24 + ('testDataPath' in extra ? 24 : 0));
    }
  });

  it('int32 in one shard and int64 in another are one number column: one class per value', async () => {
    const ds = await readDataset(join(FIXTURES, 'int-widths'));
    assert.deepEqual(ds.labels, ['0', '1', '0', '1', '0', '1', '0', '1', '0', '1', '0', '1']);
    const scanned = await scanTrainingRows(join(FIXTURES, 'int-widths'));
    assert.deepEqual(scanned.labels.toArray(), ds.labels);
  });

  it('refuses, naming the shard: a missing column, a string label beside an integer one', async () => {
    for (const read of [
      loadTable,
      readDataset,
      (p: string) => scanTrainingRows(p),
      (p: string) => inspectDataset({ path: p }),
    ]) {
      assert.match(
        await refusal(read(join(FIXTURES, 'missing-column'))),
        /^0001\.parquet has columns text, but 0000\.parquet has text, label \(0001\.parquet lacks "label"; .*the same columns/,
      );
      assert.match(
        await refusal(read(join(FIXTURES, 'type-clash'))),
        /^0001\.parquet: column "label" is int64, but string in 0000\.parquet .*one type/,
      );
    }
  });

  it('refuses the shards of several splits in one folder, and an incomplete -of- set', async () => {
    assert.match(
      await refusal(readDataset(join(FIXTURES, 'mixed-splits'))),
      /holds the shards of several splits: test \(test-00000-of-00001\.parquet\), train \(train-00000-of-00001\.parquet\)/,
    );
    assert.match(
      await refusal(scanTrainingRows(join(FIXTURES, 'incomplete'))),
      /train-00001-of-00003\.parquet is missing \(2 of 3 shards present\)/,
    );
  });

  it('refuses JSON Lines or CSV beside the shards; a folder of split folders names them', async () => {
    const dir = snapshotCopy('hub-train');
    writeFileSync(join(dir, 'extra.jsonl'), '{"text":"a","label":1}\n');
    assert.match(await refusal(readDataset(dir)), /mixes Parquet shards with extra\.jsonl/);
    const root = join(work, 'snapshot-root');
    mkdirSync(join(root, 'data'), { recursive: true });
    cpSync(join(FIXTURES, 'hub-train'), join(root, 'data', 'train'), { recursive: true });
    writeFileSync(join(root, 'README.md'), '# card\n');
    assert.match(
      await refusal(readDataset(root)),
      /no \.parquet file; its subfolder data\/train\/ holds Parquet shards/,
    );
    assert.equal((await readDataset(join(root, 'data', 'train'))).texts.length, 26);
  });

  it('refuses a compressed shard or a compressed text file beside the shards instead of skipping its rows', async () => {
    for (const [fixture, name, expected] of [
      // Numbered shards have no -of- count to miss it: without the refusal, 10.parquet's 8 rows would go missing.
      ['numbered', '10.parquet.gz', /holds compressed Parquet shard 10\.parquet\.gz; .*gunzip 10\.parquet\.gz/],
      ['hub-train', 'extra.jsonl.gz', /mixes Parquet shards with extra\.jsonl\.gz/],
      ['hub-train', 'extra.csv.bz2', /mixes Parquet shards with extra\.csv\.bz2/],
    ] as const) {
      const dir = snapshotCopy(fixture);
      const shard = join(dir, name.replace(/\.gz$/, ''));
      if (name.endsWith('.parquet.gz')) {
        writeFileSync(join(dir, name), gzipSync(readFileSync(shard)));
        rmSync(shard);
      } else writeFileSync(join(dir, name), gzipSync('{"text":"a","label":1}\n'));
      for (const read of [
        readDataset,
        (p: string) => scanTrainingRows(p),
        (p: string) => inspectDataset({ path: p }),
        (p: string) => datasetRows({ path: p, textField: 'text', labelField: 'label', offset: 0, limit: 2 }),
      ])
        assert.match(await refusal(read(dir)), expected, name);
    }
  });

  it('a folder whose shards all have no rows is refused, in memory and streamed', async () => {
    const dir = join(work, 'all-empty');
    mkdirSync(dir, { recursive: true });
    cpSync(join(FIXTURES, 'numbered', '3.parquet'), join(dir, '0.parquet'));
    cpSync(join(FIXTURES, 'numbered', '3.parquet'), join(dir, '1.parquet'));
    const { memory, streamed } = await bothWays(() => refusal(readDataset(dir)));
    assert.match(memory, /has no rows/);
    assert.equal(streamed, memory);
    assert.match(await refusal(scanTrainingRows(dir)), /has no rows/);
  });

  it('a shard rewritten in place (the folder unchanged) is read again by the panel', async () => {
    const dir = snapshotCopy('hub-train');
    const saved = datasetRowsConfig.memoMaxBytes;
    try {
      for (const memo of [Infinity, 0]) {
        datasetRowsConfig.memoMaxBytes = memo;
        const q = { path: dir, textField: 'text', labelField: 'label', offset: 20, limit: 2 };
        assert.equal((await datasetRows(q)).rows[0].text, 'hub-train shard 2 row 1');
        const { parquetWriteBuffer } = await import('hyparquet-writer');
        const texts = Array.from({ length: 7 }, (_, j) => `rewritten ${memo} ${j}`);
        writeFileSync(
          join(dir, 'train-00002-of-00003.parquet'),
          Buffer.from(
            parquetWriteBuffer({
              columnData: [
                { name: 'text', data: texts, type: 'STRING' },
                { name: 'label', data: texts.map((_, j) => BigInt(j % 2)), type: 'INT64' },
              ],
            }),
          ),
        );
        assert.equal((await datasetRows(q)).rows[0].text, `rewritten ${memo} 1`);
        cpSync(join(FIXTURES, 'hub-train', 'train-00002-of-00003.parquet'), join(dir, 'train-00002-of-00003.parquet'));
      }
    } finally {
      datasetRowsConfig.memoMaxBytes = saved;
    }
  });
});

describe('deep pages of a shard folder', () => {
  /** 8 shards of 25 rows in row groups of 6 (hyparquet-writer), named 0.parquet … 7.parquet. */
  async function eightShards(): Promise<{ dir: string; texts: string[] }> {
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const dir = join(work, 'eight');
    mkdirSync(dir, { recursive: true });
    const texts: string[] = [];
    for (let k = 0; k < 8; k++) {
      const t = Array.from({ length: 25 }, (_, j) => `shard ${k} row ${j} ${'é'.repeat(j % 3)}`);
      texts.push(...t);
      const buf = parquetWriteBuffer({
        columnData: [
          { name: 'text', data: t, type: 'STRING' },
          { name: 'label', data: t.map((_, j) => ['pos', 'neg', 'mid'][(k + j) % 3]), type: 'STRING' },
        ],
        rowGroupSize: 6,
      });
      writeFileSync(join(dir, `${k}.parquet`), Buffer.from(buf));
    }
    return { dir, texts };
  }

  it('every resume row starts the folder read at its shard and row group, rows as read from the start', async () => {
    const { dir, texts } = await eightShards();
    for (const row of [0, 5, 6, 24, 25, 31, 99, 100, 187, 199]) {
      const got: { row: number; text: unknown }[] = [];
      const before = shardFolderStats.dataReads;
      await scanTable(
        dir,
        {},
        {
          batchRows: 5,
          resume: { row, offset: 0 },
          onBatch: (b) => {
            for (let i = 0; i < b.rowCount; i++) got.push({ row: b.start + i, text: b.column('text')[i] });
            return false;
          },
        },
      );
      const local = row % 25;
      const expected = row - local + Math.floor(local / 6) * 6; // the shard's row group holding the row
      assert.equal(got[0].row, expected, `resume at ${row}`);
      for (const g of got) assert.equal(g.text, texts[g.row], `resume at ${row}: row ${g.row}`);
      assert.equal(shardFolderStats.dataReads - before, 1, `resume at ${row}: one shard read`);
    }
  });

  it('pages and searches through the index equal the whole table; a deep page reads one shard', async () => {
    const { dir } = await eightShards();
    const folders = [dir, join(FIXTURES, 'numbered'), snapshotCopy('hub-train')];
    const saved = { memo: datasetRowsConfig.memoMaxBytes, enabled: rowIndexConfig.enabled };
    try {
      for (const path of folders) {
        const base = { path, textField: 'text', labelField: 'label' };
        datasetRowsConfig.memoMaxBytes = Infinity;
        const total = (await datasetRows({ ...base, offset: 0, limit: 0 })).total;
        for (let offset = 0; offset <= total + 2; offset += 3) {
          const q = { ...base, offset, limit: 7 };
          datasetRowsConfig.memoMaxBytes = Infinity;
          const whole = await datasetRows(q);
          datasetRowsConfig.memoMaxBytes = 0;
          const indexed = await datasetRows(q);
          assert.deepEqual(indexed, whole, `${path} offset ${offset}`);
          if (offset < total) assert.equal(indexed.rows[0].index, offset);
        }
        const hits = { ...base, offset: 1, limit: 4, search: 'shard 1 ' };
        datasetRowsConfig.memoMaxBytes = Infinity;
        const whole = await datasetRows(hits);
        datasetRowsConfig.memoMaxBytes = 0;
        const first = await datasetRows(hits); // the search pass streams every shard
        assert.deepEqual(first, whole, `${path} search`);
        assert.deepEqual(await datasetRows(hits), whole, `${path} search page`);
        assert.ok(whole.total > 4);
      }
      // Observable: the last shard's page opens that shard only, and no footer is read again.
      datasetRowsConfig.memoMaxBytes = 0;
      const q = { path: dir, textField: 'text', labelField: 'label', offset: 190, limit: 5 };
      await datasetRows(q);
      const before = { ...shardFolderStats };
      const deep = await datasetRows(q);
      assert.equal(deep.rows[0].text, 'shard 7 row 15 ');
      assert.equal(shardFolderStats.dataReads - before.dataReads, 1);
      assert.equal(shardFolderStats.footerReads - before.footerReads, 0);
      // Without the index the same page reads all 8 shards.
      rowIndexConfig.enabled = false;
      const from = shardFolderStats.dataReads;
      assert.deepEqual(await datasetRows(q), deep);
      assert.equal(shardFolderStats.dataReads - from, 8);
    } finally {
      datasetRowsConfig.memoMaxBytes = saved.memo;
      rowIndexConfig.enabled = saved.enabled;
    }
  });
});
