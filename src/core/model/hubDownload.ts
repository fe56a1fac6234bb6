import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DownloadModelParams, ProgressEvent } from '../../protocol/types';
import { ProbescopeError } from '../errors';
import {
  authHeaders,
  checkRepoId,
  chooseOnnxFile,
  describeFetchError,
  externalDataFiles,
  type HubFile,
  hubError,
  listHubFiles,
} from './hubListing';
import { type ModelSource, SOURCE_FILE } from './modelFolder';

export interface DownloadHooks {
  onProgress?(e: Omit<ProgressEvent, 'progressId'>): void;
  signal?: AbortSignal;
}

const DEFAULT_ENDPOINT = 'https://huggingface.co';
const ATTEMPTS = 4; // per file; each retry resumes from the .part file
const RETRY_DELAY_MS = 250;
const PROGRESS_INTERVAL_MS = 250;

/**
 * Downloads the files Probescope needs from a Hugging Face model repo into
 * `{cacheDir}/models/{owner--name}/{revision}`: config.json, tokenizer.json, tokenizer_config.json (when present),
 * one .onnx file and its external data. Each file streams to `<file>.part`, resumes with a Range request after a
 * dropped connection (or a cancelled earlier run), is checked against the listed size and sha256, and is renamed
 * into place only when complete. Files already present are kept. Ends by writing .probescope-source.json.
 */
export async function downloadModel(
  params: DownloadModelParams,
  hooks: DownloadHooks = {},
): Promise<{ modelDir: string }> {
  checkRepoId(params.repoId);
  const ref = {
    endpoint: (params.endpoint ?? process.env.HF_ENDPOINT ?? DEFAULT_ENDPOINT).replace(/\/+$/, ''),
    repoId: params.repoId,
    revision: params.revision ?? 'main',
    token: params.token ?? process.env.HF_TOKEN,
    signal: hooks.signal,
  };
  const modelDir = join(params.cacheDir, 'models', ref.repoId.replace('/', '--'), ref.revision.replace(/[/\\]/g, '--'));

  const listing = await listHubFiles(ref);
  const files = pickFiles(listing, params.onnxFile, ref.repoId);
  await mkdir(modelDir, { recursive: true });

  const progress = new DownloadProgress(files, hooks.onProgress);
  for (const file of files) {
    const target = join(modelDir, ...file.path.split('/'));
    const existing = await stat(target).catch(() => undefined);
    if (existing?.isFile() && (file.size === undefined || existing.size === file.size)) {
      progress.skip(file);
      continue;
    }
    await mkdir(dirname(target), { recursive: true });
    await downloadFile(ref, file, target, progress);
  }
  progress.finish();

  const source: ModelSource = {
    repoId: ref.repoId,
    revision: ref.revision,
    endpoint: ref.endpoint,
    file: files.find((f) => f.path.endsWith('.onnx'))!.path,
    // The Hub's sha256 per LFS file: the model hash uses it instead of sampling the weights (modelHash.ts).
    sha256: Object.fromEntries(files.filter((f) => f.sha256).map((f) => [f.path, f.sha256!])),
  };
  await writeFile(join(modelDir, `${SOURCE_FILE}.tmp`), JSON.stringify(source, null, 2));
  await rename(join(modelDir, `${SOURCE_FILE}.tmp`), join(modelDir, SOURCE_FILE));
  return { modelDir };
}

/** config.json, tokenizer files, the .onnx file and its external data; clear errors for what a repo lacks. */
function pickFiles(listing: HubFile[], onnxFile: string | undefined, repoId: string): HubFile[] {
  const paths = listing.map((f) => f.path);
  const need = (path: string, why: string): HubFile => {
    const f = listing.find((x) => x.path === path);
    if (!f) throw new ProbescopeError('DOWNLOAD_FAILED', `No such file in ${repoId}: ${path} (${why}).`);
    return f;
  };
  if (
    onnxFile !== undefined &&
    (!onnxFile.endsWith('.onnx') || onnxFile.split('/').some((seg) => seg === '..' || seg === ''))
  ) {
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      `onnxFile "${onnxFile}" must be a .onnx path inside the repo, e.g. onnx/model.onnx.`,
    );
  }
  const onnx = onnxFile ?? chooseOnnxFile(paths);
  if (!onnx) {
    throw new ProbescopeError(
      'DOWNLOAD_FAILED',
      `${repoId} has no model.onnx or onnx/*.onnx; pick an ONNX export (onnx-community/… repos) or export one with optimum.`,
    );
  }
  const picked = [
    need('config.json', 'the model configuration'),
    need('tokenizer.json', 'Probescope reads the tokenizer from tokenizer.json'),
    ...listing.filter((f) => f.path === 'tokenizer_config.json'),
    need(onnx, 'the ONNX model'),
    ...externalDataFiles(paths, onnx).map((p) => need(p, 'external data')),
  ];
  return picked;
}

async function downloadFile(ref: RepoRef, file: HubFile, target: string, progress: DownloadProgress): Promise<void> {
  const part = `${target}.part`;
  const url = `${ref.endpoint}/${ref.repoId}/resolve/${encodeURIComponent(ref.revision)}/${file.path.split('/').map(encodeURIComponent).join('/')}`;
  let streamedSha256: string | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      streamedSha256 = await transfer(ref, url, file, part, progress);
      break;
    } catch (err) {
      if (ref.signal?.aborted) throw new ProbescopeError('CANCELLED', 'Download cancelled; run it again to resume.');
      if (!(err instanceof RetryableError) || attempt >= ATTEMPTS) {
        if (err instanceof ProbescopeError) throw err;
        throw new ProbescopeError(
          'DOWNLOAD_FAILED',
          `Downloading ${file.path} failed (${describeFetchError(err)}); run it again to resume.`,
        );
      }
      await sleep(RETRY_DELAY_MS * 2 ** (attempt - 1), ref.signal);
    }
  }
  await verify(file, part, streamedSha256);
  await rename(part, target);
}

type RepoRef = { endpoint: string; repoId: string; revision: string; token?: string; signal?: AbortSignal };

class RetryableError extends Error {}

/**
 * One HTTP attempt: resumes from the .part file's size; a 200 to a Range request starts over. Returns the sha256 of
 * the whole .part when the listing has one to check (hashed while streaming, so multi-GB files are not read twice).
 */
async function transfer(
  ref: RepoRef,
  url: string,
  file: HubFile,
  part: string,
  progress: DownloadProgress,
): Promise<string | undefined> {
  const have = (await stat(part).catch(() => undefined))?.size ?? 0;
  if (file.size !== undefined && have === file.size) {
    progress.restart(file, have); // complete from an earlier run; verify() hashes it
    return undefined;
  }
  const stale = file.size !== undefined && have > file.size;
  if (stale) await rm(part, { force: true });
  const offset = stale ? 0 : have;
  const headers: Record<string, string> = { ...authHeaders(ref.token), 'Accept-Encoding': 'identity' };
  if (offset > 0) headers.Range = `bytes=${offset}-`;

  let res: Response;
  try {
    res = await fetch(url, { headers, signal: ref.signal, redirect: 'follow' });
  } catch (err) {
    throw new RetryableError(describeFetchError(err));
  }
  if (res.status === 416 && offset > 0) {
    // Nothing left to send: the part is complete (verify() has the final word) or stale.
    await res.body?.cancel();
    if (file.size === undefined) return undefined;
    await rm(part, { force: true });
    throw new RetryableError('stale partial file');
  }
  if (!res.ok) {
    await res.body?.cancel();
    if (res.status >= 500 || res.status === 429) throw new RetryableError(`HTTP ${res.status}`);
    throw hubError(res.status, ref, `${ref.repoId}/${file.path}@${ref.revision}`);
  }
  const resumed = res.status === 206;
  const hash = file.sha256 ? createHash('sha256') : undefined;
  if (hash && resumed) await hashInto(hash, part);
  const handle = await open(part, resumed ? 'a' : 'w');
  progress.restart(file, resumed ? offset : 0);
  try {
    if (!res.body) throw new RetryableError('empty response');
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      await handle.write(chunk);
      hash?.update(chunk);
      progress.add(chunk.byteLength);
    }
    return hash?.digest('hex');
  } catch (err) {
    if (err instanceof RetryableError) throw err;
    throw new RetryableError(describeFetchError(err));
  } finally {
    await handle.close();
  }
}

/** Size and checksum of the finished .part; a mismatch deletes it so the next run starts clean. */
async function verify(file: HubFile, part: string, streamedSha256?: string): Promise<void> {
  const size = (await stat(part)).size;
  const fail = async (what: string): Promise<never> => {
    await rm(part, { force: true });
    throw new ProbescopeError('DOWNLOAD_FAILED', `${file.path}: ${what}; the download was corrupted — run it again.`);
  };
  if (file.size !== undefined && size !== file.size) await fail(`got ${size} bytes, expected ${file.size}`);
  if (file.sha256) {
    const got = streamedSha256 ?? (await hashInto(createHash('sha256'), part)).digest('hex');
    if (got !== file.sha256) await fail(`sha256 checksum mismatch (expected ${file.sha256}, got ${got})`);
  } else if (file.gitOid && /^[0-9a-f]{40}$/.test(file.gitOid)) {
    const got = (await hashInto(createHash('sha1').update(`blob ${size}\0`), part)).digest('hex');
    if (got !== file.gitOid) await fail(`checksum mismatch (git blob ${file.gitOid} expected, got ${got})`);
  }
}

async function hashInto(hash: Hash, path: string): Promise<Hash> {
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash;
}

/** Bytes done/total over all files, throttled; the rate counts only bytes moved in this run. */
class DownloadProgress {
  private readonly total: number;
  private doneBefore = 0; // finished files and skipped bytes
  private fileDone = 0;
  private current?: HubFile;
  private transferred = 0;
  private readonly started = Date.now();
  private lastEmit = 0;

  constructor(
    files: HubFile[],
    private readonly onProgress?: (e: Omit<ProgressEvent, 'progressId'>) => void,
  ) {
    this.total = files.reduce((s, f) => s + (f.size ?? 0), 0);
  }

  skip(file: HubFile): void {
    this.doneBefore += file.size ?? 0;
  }

  restart(file: HubFile, offset: number): void {
    if (this.current && this.current !== file) this.doneBefore += this.current.size ?? this.fileDone;
    this.current = file;
    this.fileDone = offset;
    this.emit(true);
  }

  add(bytes: number): void {
    this.fileDone += bytes;
    this.transferred += bytes;
    this.emit(false);
  }

  finish(): void {
    if (this.current) this.doneBefore += this.current.size ?? this.fileDone;
    this.current = undefined;
    this.fileDone = 0;
    this.emit(true);
  }

  private emit(force: boolean): void {
    const now = Date.now();
    if (!this.onProgress || (!force && now - this.lastEmit < PROGRESS_INTERVAL_MS)) return;
    this.lastEmit = now;
    const done = this.doneBefore + this.fileDone;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? this.transferred / seconds : undefined;
    const etaSeconds = rate && this.total > done ? (this.total - done) / rate : undefined;
    const message = this.current
      ? `${this.current.path} ${mb(this.fileDone)}/${mb(this.current.size ?? 0)} MB`
      : 'done';
    this.onProgress({ phase: 'download', done, total: this.total, message, rate, etaSeconds });
  }
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => (clearTimeout(timer), reject(new ProbescopeError('CANCELLED', 'Download cancelled.'))),
      { once: true },
    );
  });
}
