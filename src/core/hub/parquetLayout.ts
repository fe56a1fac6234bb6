/**
 * The file layouts of the Hub's automatic Parquet conversion (revision refs/convert/parquet), as configs and splits.
 * The conversion has used two namings (the dataset viewer's "parquet-and-info" job):
 * - current: `{config}/{split}/0000.parquet`, `0001.parquet` … (`{config}/partial-{split}/…` when it stopped early,
 *   for very large datasets);
 * - older: `{config}/{name}-{split}.parquet`, and when sharded `{config}/{name}-{split}-00000-of-00002.parquet` …,
 *   where {name} is the dataset's name (it may contain hyphens; split names cannot: they are `\w+(\.\w+)*`).
 * Shards are kept in name order with numeric collation, which is their row order.
 */
import type { HubFile } from './hubFiles';

export interface HubDatasetSplit {
  name: string;
  /** Shards in row order (0000.parquet, 0001.parquet … or …-00000-of-00002.parquet …), paths in the repo. */
  files: string[];
  bytes: number;
  /** The conversion stopped early (a `partial-{split}` folder: very large datasets). */
  partial: boolean;
  /** The split's own folder in the repo (current layout), holding only its shards; absent for the older layout. */
  folder?: string;
}
export interface HubDatasetConfig {
  name: string;
  splits: HubDatasetSplit[];
}

const CURRENT = /^([^/]+)\/([^/]+)\/[^/]+\.parquet$/;
const OLDER_SHARDED = /^([^/]+)\/[^/]+-([\w.]+)-\d{5}-of-\d{5}\.parquet$/;
const OLDER = /^([^/]+)\/[^/]+-([\w.]+)\.parquet$/;

/** Config, split and (current layout) folder of one path of the conversion; undefined for other files. */
function place(path: string): { config: string; split: string; partial: boolean; folder?: string } | undefined {
  const cur = CURRENT.exec(path);
  if (cur) {
    const partial = cur[2].startsWith('partial-');
    return {
      config: cur[1],
      split: partial ? cur[2].slice('partial-'.length) : cur[2],
      partial,
      folder: `${cur[1]}/${cur[2]}`,
    };
  }
  const old = OLDER_SHARDED.exec(path) ?? OLDER.exec(path);
  return old ? { config: old[1], split: old[2], partial: false } : undefined;
}

const byName = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

/** Configs and splits of a Parquet conversion listing (either naming); other paths (README, .gitattributes) ignored. */
export function parquetLayout(files: HubFile[]): HubDatasetConfig[] {
  const configs = new Map<string, Map<string, HubDatasetSplit>>();
  for (const f of files) {
    const p = place(f.path);
    if (!p) continue;
    const splits = configs.get(p.config) ?? new Map<string, HubDatasetSplit>();
    configs.set(p.config, splits);
    const s = splits.get(p.split) ?? {
      name: p.split,
      files: [],
      bytes: 0,
      partial: p.partial,
      ...(p.folder ? { folder: p.folder } : {}),
    };
    splits.set(p.split, s);
    s.files.push(f.path);
    s.bytes += f.size;
  }
  return [...configs].map(([name, splits]) => ({
    name,
    splits: [...splits.values()].map((s) => ({ ...s, files: s.files.sort(byName) })),
  }));
}
