import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DownloadModelParams, ProgressEvent } from '../../protocol/types';
import { ProbescopeError } from '../errors';
import { downloadToCache } from '../hub/blobDownload';
import { DownloadProgress } from '../hub/downloadProgress';
import { HubRepoCache, hubCacheDir } from '../hub/hubCache';
import { openHubSession } from '../hub/hubClient';
import { hubOffline } from '../hub/hubToken';
import { type HubFile, listRepoFiles, resolveCommit } from '../hub/hubFiles';
import { checkOnnxFile, checkRepoId, chooseOnnxFile, externalDataFiles } from './hubListing';
import { findOnnxFile, type ModelSource, readModelSource, SOURCE_FILE } from './modelFolder';

export interface DownloadHooks {
  onProgress?(e: Omit<ProgressEvent, 'progressId'>): void;
  /** One-line notices: "using the cached snapshot", "offline: cache only". */
  onLog?(message: string): void;
  signal?: AbortSignal;
}

/**
 * Puts the files Probescope needs from a Hugging Face model repo into the Hugging Face cache, laid out as
 * huggingface_hub writes it (see hub/hubCache.ts), and returns the snapshot folder
 * `<hub cache>/models--owner--name/snapshots/<commit>`: config.json, tokenizer.json, tokenizer_config.json (when
 * present), one .onnx file (`onnxFile`, default chooseOnnxFile's) and its external data.
 *
 * - Cache first: when refs/<revision> (or a commit hash) names a snapshot that already holds these files — ours or
 *   Python's — it is returned with no request at all.
 * - HF_HUB_OFFLINE=1: only that; anything missing is a DOWNLOAD_FAILED that says the cache lacks it.
 * - Otherwise the commit is resolved, the tree listed and each missing file streamed, resumed and verified by
 *   downloadToCache (size + sha256 / git blob id). Ends by writing .probescope-source.json in the snapshot (repo id,
 *   revision, commit, every file's size and Hub sha256) and refs/<revision>.
 * The cache folder is `params.cacheDir` when given, else HF_HUB_CACHE / HF_HOME/hub / ~/.cache/huggingface/hub.
 * Token: `params.token` ('' = none), else HF_TOKEN, else the `huggingface-cli login` token file.
 */
export async function downloadModel(
  params: DownloadModelParams,
  hooks: DownloadHooks = {},
): Promise<{ modelDir: string }> {
  checkRepoId(params.repoId);
  if (params.onnxFile !== undefined) checkOnnxFile(params.onnxFile);
  const revision = params.revision ?? 'main';
  const cache = new HubRepoCache(params.cacheDir ?? hubCacheDir(), 'model', params.repoId);
  const offline = hubOffline();

  const cachedCommit = await cache.cachedCommit(revision);
  if (cachedCommit && (await cachedSnapshotReady(cache, cachedCommit, params.onnxFile))) {
    hooks.onLog?.(
      `${params.repoId}@${revision}: using the cached snapshot ${cachedCommit.slice(0, 8)} in ${cache.folder}` +
        (offline ? ' (HF_HUB_OFFLINE is set: cache only)' : ''),
    );
    return { modelDir: cache.snapshotDir(cachedCommit) };
  }
  if (offline) {
    throw new ProbescopeError(
      'DOWNLOAD_FAILED',
      `HF_HUB_OFFLINE is set and ${params.repoId}@${revision}${params.onnxFile ? ` (${params.onnxFile})` : ''} is not ` +
        `in the Hugging Face cache (${cache.folder}); unset HF_HUB_OFFLINE to download it, or point HF_HUB_CACHE at the cache that has it.`,
    );
  }

  // The token is read (and checked) only when a request is needed: a cached model works without one.
  const session = await openHubSession({ endpoint: params.endpoint, token: params.token, signal: hooks.signal });
  const commit = await resolveCommit(session, 'model', params.repoId, revision);
  const files = pickFiles(await listRepoFiles(session, 'model', params.repoId, commit), params.onnxFile, params.repoId);
  const progress = new DownloadProgress(files, hooks.onProgress);
  for (const file of files) await downloadToCache(session, cache, commit, file, progress);
  progress.finish();

  const dir = cache.snapshotDir(commit);
  await writeSource(dir, {
    repoId: params.repoId,
    revision,
    commit,
    endpoint: session.endpoint,
    file: files.find((f) => f.path.endsWith('.onnx'))!.path,
    files: files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256, gitOid: f.gitOid })),
  });
  await cache.writeRef(revision, commit);
  return { modelDir: dir };
}

/**
 * Whether a cached snapshot already has what downloadModel would fetch. With our .probescope-source.json: every file
 * it lists (and the same .onnx when one is named). A snapshot Python wrote: config.json, tokenizer.json, the .onnx
 * (named, or the one resolveModelFolder would pick) and whatever external data lies beside it.
 */
async function cachedSnapshotReady(cache: HubRepoCache, commit: string, onnxFile?: string): Promise<boolean> {
  const dir = cache.snapshotDir(commit);
  const source = await readModelSource(dir);
  if (source?.files && source.commit === commit) {
    if (onnxFile !== undefined && source.file !== onnxFile) return false;
    for (const f of source.files) if (!(await cache.hasFile(commit, f.path))) return false;
    return true;
  }
  for (const need of ['config.json', 'tokenizer.json']) if (!(await cache.hasFile(commit, need))) return false;
  if (onnxFile !== undefined) return cache.hasFile(commit, onnxFile);
  return (await findOnnxFile(dir)) !== undefined;
}

async function writeSource(dir: string, source: ModelSource): Promise<void> {
  await writeFile(join(dir, `${SOURCE_FILE}.tmp`), JSON.stringify(source, null, 2));
  await rename(join(dir, `${SOURCE_FILE}.tmp`), join(dir, SOURCE_FILE));
}

/** config.json, tokenizer files, the .onnx file and its external data; clear errors for what a repo lacks. */
function pickFiles(listing: HubFile[], onnxFile: string | undefined, repoId: string): HubFile[] {
  const paths = listing.map((f) => f.path);
  const need = (path: string, why: string): HubFile => {
    const f = listing.find((x) => x.path === path);
    if (!f) throw new ProbescopeError('DOWNLOAD_FAILED', `No such file in ${repoId}: ${path} (${why}).`);
    return f;
  };
  const onnx = onnxFile ?? chooseOnnxFile(paths);
  if (!onnx) {
    throw new ProbescopeError(
      'DOWNLOAD_FAILED',
      `${repoId} has no model.onnx or onnx/*.onnx; pick an ONNX export (onnx-community/… repos) or export one with optimum.`,
    );
  }
  return [
    need('config.json', 'the model configuration'),
    need('tokenizer.json', 'Probescope reads the tokenizer from tokenizer.json'),
    ...listing.filter((f) => f.path === 'tokenizer_config.json' || f.path === 'chat_template.jinja'),
    need(onnx, 'the ONNX model'),
    ...externalDataFiles(paths, onnx).map((p) => need(p, 'external data')),
  ];
}
