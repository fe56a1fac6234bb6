import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { downloadFile, type FileDownloadInfoOutput, HubApiError } from '@huggingface/hub';
import { ProbescopeError } from '../errors';
import type { HubRepoCache } from './hubCache';
import { type HubSession, hubFailure, hubParams } from './hubClient';
import type { HubFile } from './hubFiles';
import type { DownloadProgress } from './downloadProgress';

const ATTEMPTS = 4; // per file; each retry resumes from the .incomplete file
const RETRY_DELAY_MS = 250;

/**
 * Puts one file of `commit` into the cache: snapshots/<commit>/<path> → blobs/<etag>. A file already linked is left
 * alone; a blob already there (another revision) is only linked. Otherwise the library's
 * `downloadFile(...).slice(offset).stream()` streams the file's resolve URL into `blobs/<etag>.incomplete`
 * (huggingface_hub's partial-file name, so Python resumes ours and we resume Python's); a dropped connection or a
 * cancelled earlier run resumes with a Range request. The blob is checked against the listed size and sha256 (LFS) or
 * git blob id, and renamed into place only when complete. Throws DOWNLOAD_FAILED / CANCELLED.
 */
export async function downloadToCache(
  session: HubSession,
  cache: HubRepoCache,
  commit: string,
  file: HubFile,
  progress: DownloadProgress,
): Promise<void> {
  if (await cache.hasFile(commit, file.path)) {
    progress.skip(file);
    return;
  }
  const blob = cache.blobPath(file.etag);
  if ((await stat(blob).catch(() => undefined))?.size === file.size) {
    progress.skip(file);
    await cache.link(commit, file.path, file.etag);
    return;
  }
  await mkdir(dirname(blob), { recursive: true });
  const part = `${blob}.incomplete`;
  const what = `${cache.repoId}/${file.path}@${commit.slice(0, 8)}`;
  const status = { last: 0 };
  const params = {
    ...hubParams(session, cache.type, cache.repoId),
    // Records each response's status: a Range request answered with 200 means "starting over".
    fetch: (async (input, init) => {
      const res = await session.fetch(input, init);
      status.last = res.status;
      return res;
    }) as typeof fetch,
    path: file.path,
    revision: commit,
  };
  // Size and etag come from the tree listing, so no probe request is needed (and a proxy that ignores Range works).
  const info: FileDownloadInfoOutput = {
    etag: file.etag,
    size: file.size,
    url: resolveUrl(session, cache, commit, file.path),
  };
  let streamedSha256: string | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      streamedSha256 = await transfer(params, info, file, part, status, progress);
      break;
    } catch (err) {
      if (session.signal?.aborted)
        throw new ProbescopeError('CANCELLED', 'Download cancelled; run it again to resume.');
      const httpStatus = status.last;
      if (httpStatus >= 400 && httpStatus < 500 && httpStatus !== 429) {
        throw hubFailure(new HubApiError(info.url, httpStatus), session, cache.type, cache.repoId, what);
      }
      if (attempt >= ATTEMPTS) {
        throw new ProbescopeError(
          'DOWNLOAD_FAILED',
          `Downloading ${what} failed (${describe(err)}); run it again to resume.`,
        );
      }
      await sleep(RETRY_DELAY_MS * 2 ** (attempt - 1), session.signal);
    }
  }
  await verify(file, part, streamedSha256);
  await rename(part, blob);
  await cache.link(commit, file.path, file.etag);
}

/** `<endpoint>/[datasets/]<repo>/resolve/<commit>/<path>`, as the library's fileDownloadInfo builds it. */
function resolveUrl(session: HubSession, cache: HubRepoCache, commit: string, path: string): string {
  const prefix = cache.type === 'dataset' ? 'datasets/' : '';
  const file = path.split('/').map(encodeURIComponent).join('/');
  return `${session.endpoint}/${prefix}${cache.repoId}/resolve/${commit}/${file}`;
}

/** One attempt: resumes from the partial's size. Returns the streamed sha256 of the whole file when one is listed. */
async function transfer(
  params: Parameters<typeof downloadFile>[0],
  info: FileDownloadInfoOutput,
  file: HubFile,
  part: string,
  status: { last: number },
  progress: DownloadProgress,
): Promise<string | undefined> {
  let have = (await stat(part).catch(() => undefined))?.size ?? 0;
  if (have === file.size) {
    progress.restart(file, have); // complete from an earlier run; verify() hashes it
    return undefined;
  }
  if (have > file.size) {
    await rm(part, { force: true });
    have = 0;
  }
  const remote = await downloadFile({ ...params, downloadInfo: info, xet: false });
  if (!remote) throw new ProbescopeError('DOWNLOAD_FAILED', `No such file on Hugging Face: ${file.path}.`);
  status.last = 0;
  const reader = (have > 0 ? remote.slice(have) : remote).stream().getReader();
  let hash: Hash | undefined;
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (!handle) {
        // The first read settles the response: 206 continues the partial, 200 is the whole file again.
        const resumed = have > 0 && status.last === 206;
        hash = file.sha256 ? createHash('sha256') : undefined;
        if (hash && resumed) await hashInto(hash, part);
        handle = await open(part, resumed ? 'a' : 'w');
        progress.restart(file, resumed ? have : 0);
      }
      if (done) break;
      await handle.write(value);
      hash?.update(value);
      progress.add(value.byteLength);
    }
    return hash?.digest('hex');
  } finally {
    await handle?.close();
    reader.releaseLock();
  }
}

/** Size and checksum of the finished partial; a mismatch deletes it so the next run starts clean. */
async function verify(file: HubFile, part: string, streamedSha256?: string): Promise<void> {
  const size = (await stat(part)).size;
  const fail = async (what: string): Promise<never> => {
    await rm(part, { force: true });
    throw new ProbescopeError('DOWNLOAD_FAILED', `${file.path}: ${what}; the download was corrupted — run it again.`);
  };
  if (size !== file.size) await fail(`got ${size} bytes, expected ${file.size}`);
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

function describe(err: unknown): string {
  if (typeof err === 'string') return err;
  const e = err as { message?: string; cause?: { code?: string } };
  return e.cause?.code ?? e.message ?? String(err);
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
