import { copyFile, mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { datasetInfo } from '@huggingface/hub';
import type { HubDatasetInfo, OpenHubDatasetParams, ProgressEvent } from '../../protocol/types';
import { ProbescopeError } from '../errors';
import { checkRepoId } from '../model/hubListing';
import { downloadToCache } from './blobDownload';
import { DownloadProgress } from './downloadProgress';
import { HubRepoCache, hubCacheDir } from './hubCache';
import { type HubSession, hubFailure, hubParams, openHubSession } from './hubClient';
import { listRepoFiles, resolveCommit } from './hubFiles';
import { type HubDatasetConfig, type HubDatasetSplit, parquetLayout } from './parquetLayout';
import { hubOffline } from './hubToken';

/** The Hub's automatic Parquet conversion of every dataset lives on this ref: `{config}/{split}/0000.parquet` … */
export const PARQUET_REVISION = 'refs/convert/parquet';
const SOURCE_FILE = '.probescope-source.json';

export { parquetLayout, type HubDatasetConfig, type HubDatasetSplit } from './parquetLayout';

/** What openHubDataset downloaded (local Parquet files in shard order), and what else the dataset has. */
export type HubDataset = HubDatasetInfo;
export type HubDatasetParams = OpenHubDatasetParams;

/** `hf://datasets/owner/name` → owner/name; undefined for anything else (a local path). */
export function parseHfDatasetUri(uri: string): string | undefined {
  const m = /^hf:\/\/datasets\/([^/]+\/[^/@]+)\/?$/.exec(uri.trim());
  if (!m) {
    if (uri.trim().startsWith('hf://')) {
      throw new ProbescopeError(
        'BAD_ARGUMENT',
        `"${uri}" is not a Hub dataset; use hf://datasets/owner/name (with --config and --split to choose).`,
      );
    }
    return undefined;
  }
  checkRepoId(m[1], 'dataset');
  return m[1];
}

/**
 * Puts one config/split of a Hub dataset's Parquet conversion (revision refs/convert/parquet) into the Hugging Face
 * cache (`datasets--owner--name/snapshots/<commit>/{config}/{split}/NNNN.parquet`, as huggingface_hub lays it out)
 * and returns the local files, and `dataPath` for the dataset readers (the split's one file, or a folder of its shards
 * that loadTable reads as one table, rows in shard order). Defaults: config "default" (else the first), split
 * "train" (else the first). Cache first: a split already cached is returned with no request; HF_HUB_OFFLINE=1 uses
 * only the cache. The card's licence comes from the info API (cardData.license) and is kept beside the snapshot.
 */
export async function openHubDataset(
  params: HubDatasetParams,
  hooks: {
    onProgress?(e: Omit<ProgressEvent, 'progressId'>): void;
    onLog?(m: string): void;
    signal?: AbortSignal;
  } = {},
): Promise<HubDataset> {
  checkRepoId(params.repoId, 'dataset');
  const cache = new HubRepoCache(params.cacheDir ?? hubCacheDir(), 'dataset', params.repoId);
  const cachedCommit = await cache.cachedCommit(PARQUET_REVISION);
  if (cachedCommit) {
    const saved = await readSource(cache, cachedCommit);
    if (saved) {
      const hit = choose(saved.configs, params, params.repoId);
      const files = hit.split.files.map((f) => join(cache.snapshotDir(cachedCommit), ...f.split('/')));
      let complete = true;
      for (const f of hit.split.files) if (!(await cache.hasFile(cachedCommit, f))) complete = false;
      if (complete) {
        hooks.onLog?.(`${params.repoId} ${hit.config.name}/${hit.split.name}: using the cached Parquet files`);
        return result(cache, cachedCommit, hit, files, saved);
      }
    }
  }
  if (hubOffline()) {
    throw new ProbescopeError(
      'DOWNLOAD_FAILED',
      `HF_HUB_OFFLINE is set and ${params.repoId}${params.config ? ` ${params.config}` : ''}${params.split ? `/${params.split}` : ''} ` +
        `is not in the Hugging Face cache (${cache.folder}); unset HF_HUB_OFFLINE to download it.`,
    );
  }

  const session = await openHubSession({ endpoint: params.endpoint, token: params.token, signal: hooks.signal });
  const commit = await resolveCommit(session, 'dataset', params.repoId, PARQUET_REVISION);
  const listing = await listRepoFiles(session, 'dataset', params.repoId, commit);
  const configs = parquetLayout(listing);
  if (configs.length === 0) {
    throw new ProbescopeError(
      'DATASET_INVALID',
      `${params.repoId} has no Parquet conversion on the Hub (${PARQUET_REVISION} is empty); download its files and open them locally.`,
    );
  }
  const hit = choose(configs, params, params.repoId);
  const license = await cardLicense(session, params.repoId);
  const wanted = listing.filter((f) => hit.split.files.includes(f.path));
  const progress = new DownloadProgress(wanted, hooks.onProgress);
  for (const f of wanted) await downloadToCache(session, cache, commit, f, progress);
  progress.finish();
  const saved = { repoId: params.repoId, revision: PARQUET_REVISION, commit, configs, license };
  const dir = cache.snapshotDir(commit);
  await writeFile(join(dir, `${SOURCE_FILE}.tmp`), JSON.stringify(saved, null, 2));
  await rename(join(dir, `${SOURCE_FILE}.tmp`), join(dir, SOURCE_FILE));
  await cache.writeRef(PARQUET_REVISION, commit);
  const files = hit.split.files.map((f) => join(dir, ...f.split('/')));
  return result(cache, commit, hit, files, saved);
}

async function result(
  cache: HubRepoCache,
  commit: string,
  hit: { config: HubDatasetConfig; split: HubDatasetSplit },
  files: string[],
  saved: { configs: HubDatasetConfig[]; license?: string },
): Promise<HubDataset> {
  return {
    repoId: cache.repoId,
    commit,
    config: hit.config.name,
    split: hit.split.name,
    files,
    dataPath: await splitDataPath(cache, commit, hit, files),
    configs: saved.configs,
    ...(saved.license ? { license: saved.license } : {}),
  };
}

/**
 * The one path the dataset readers take for the split (loadTable reads a folder of Parquet shards as one table, in
 * name order): its one file; else its own folder in the snapshot (current layout, `{config}/{split}/`); else (older
 * layout, whose shards share `{config}/` with the other splits) a folder holding only this split's shards, as
 * relative symlinks (copies where symlinks fail) in `<repo folder>/.probescope-splits/<commit>/<config>/<split>/`,
 * outside `snapshots/` so the cache stays as huggingface_hub lays it out.
 */
async function splitDataPath(
  cache: HubRepoCache,
  commit: string,
  hit: { config: HubDatasetConfig; split: HubDatasetSplit },
  files: string[],
): Promise<string> {
  if (files.length === 1) return files[0];
  if (hit.split.folder) return join(cache.snapshotDir(commit), ...hit.split.folder.split('/'));
  const view = join(cache.folder, '.probescope-splits', commit, hit.config.name, hit.split.name);
  await rm(view, { recursive: true, force: true });
  await mkdir(view, { recursive: true });
  for (const f of files) {
    const pointer = join(view, basename(f));
    try {
      await symlink(relative(view, f), pointer);
    } catch {
      await copyFile(f, pointer);
    }
  }
  return view;
}

function choose(
  configs: HubDatasetConfig[],
  params: { config?: string; split?: string },
  repoId: string,
): { config: HubDatasetConfig; split: HubDatasetSplit } {
  const config = params.config
    ? configs.find((c) => c.name === params.config)
    : (configs.find((c) => c.name === 'default') ?? configs[0]);
  if (!config) {
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      `${repoId} has no config "${params.config}"; configs: ${configs.map((c) => c.name).join(', ')}.`,
    );
  }
  const split = params.split
    ? config.splits.find((s) => s.name === params.split)
    : (config.splits.find((s) => s.name === 'train') ?? config.splits[0]);
  if (!split) {
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      `${repoId} config "${config.name}" has no split "${params.split}"; splits: ${config.splits.map((s) => s.name).join(', ')}.`,
    );
  }
  return { config, split };
}

/** cardData.license of the dataset's main revision (a string or a list); undefined when the card has none. */
async function cardLicense(session: HubSession, repoId: string): Promise<string | undefined> {
  try {
    const info = (await datasetInfo({
      ...hubParams(session, 'dataset', repoId),
      name: repoId,
      additionalFields: ['cardData'],
    })) as { cardData?: { license?: unknown } };
    const l = info.cardData?.license;
    if (typeof l === 'string' && l.trim()) return l.trim();
    if (Array.isArray(l) && l.every((x) => typeof x === 'string') && l.length > 0) return l.join(', ');
    return undefined;
  } catch (err) {
    throw hubFailure(err, session, 'dataset', repoId, `${repoId} (dataset card)`);
  }
}

async function readSource(
  cache: HubRepoCache,
  commit: string,
): Promise<{ configs: HubDatasetConfig[]; license?: string } | undefined> {
  try {
    const json = JSON.parse(await readFile(join(cache.snapshotDir(commit), SOURCE_FILE), 'utf8')) as {
      commit?: string;
      configs?: HubDatasetConfig[];
      license?: string;
    };
    return json.commit === commit && Array.isArray(json.configs)
      ? { configs: json.configs, license: json.license }
      : undefined;
  } catch {
    return undefined;
  }
}
