/**
 * The dataset pickers offer a folder of Parquet shards as one dataset (shardFolderPicks.ts): folders with two or more
 * Parquet files, in natural order; a lone Parquet file or other formats are not folders of shards.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { shardFolderChoices } from '../../../src/host/commands/shardFolderPicks';

test('folders holding two or more Parquet files, with their counts, in natural order', () => {
  const ws = join('/ws');
  const files = [
    join(ws, 'imdb', 'train', '0000.parquet'),
    join(ws, 'imdb', 'train', '0001.parquet'),
    join(ws, 'imdb', 'train', '0002.PARQUET'),
    join(ws, 'imdb', 'test', '0000.parquet'),
    join(ws, 'data10', 'a.pq'),
    join(ws, 'data10', 'b.parquet'),
    join(ws, 'data2', 'x-00000-of-00002.parquet'),
    join(ws, 'data2', 'x-00001-of-00002.parquet'),
    join(ws, 'csvs', 'a.csv'),
    join(ws, 'csvs', 'b.csv'),
    join(ws, 'one.parquet'),
  ];
  assert.deepEqual(shardFolderChoices(files), [
    { folder: join(ws, 'data2'), shards: 2 },
    { folder: join(ws, 'data10'), shards: 2 },
    { folder: join(ws, 'imdb', 'train'), shards: 3 },
  ]);
  assert.deepEqual(shardFolderChoices([join(ws, 'one.parquet'), join(ws, 'b.jsonl')]), []);
});
