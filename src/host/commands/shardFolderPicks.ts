/**
 * Dataset pickers offer a folder of Parquet shards (a Hugging Face split: `train/0000.parquet`, `0001.parquet` … or
 * `data/train-00000-of-00003.parquet` …) as one dataset, read as one table by the dataset readers
 * (src/core/data/shardFolder.ts), so a user does not train on one shard of a split by picking its first file.
 * No `vscode` here: the pickers (quickPicks.ts) turn these into items.
 */
import * as path from 'node:path';

/** Folders holding two or more `.parquet`/`.pq` files among `files` (absolute paths), by folder path, with their count. */
export function shardFolderChoices(files: readonly string[]): { folder: string; shards: number }[] {
  const count = new Map<string, number>();
  for (const f of files)
    if (/\.(parquet|pq)$/i.test(f)) count.set(path.dirname(f), (count.get(path.dirname(f)) ?? 0) + 1);
  return [...count]
    .filter(([, n]) => n >= 2)
    .map(([folder, shards]) => ({ folder, shards }))
    .sort((a, b) => a.folder.localeCompare(b.folder, 'en', { numeric: true }));
}
