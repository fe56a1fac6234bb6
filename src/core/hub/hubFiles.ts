import { datasetInfo, listFiles, modelInfo } from '@huggingface/hub';
import { ProbescopeError } from '../errors';
import { COMMIT_HASH, type HubRepoType } from './hubCache';
import { type HubSession, hubFailure, hubParams } from './hubClient';

/** One file of a Hub repo at a commit, as the tree API lists it. */
export interface HubFile {
  path: string;
  /** Bytes of the content (the LFS object's size for LFS files). */
  size: number;
  /** sha256 hex of the content, for LFS files. */
  sha256?: string;
  /** Git blob id (sha1 of "blob <size>\0" + content). */
  gitOid?: string;
  /** The blob's name in the cache: the sha256 for LFS files, else the git blob id (huggingface_hub's etag); '' when unknown (offline listing). */
  etag: string;
}

/** The commit hash a branch, tag or ref (e.g. refs/convert/parquet) points to, from the repo's info API. */
export async function resolveCommit(
  session: HubSession,
  type: HubRepoType,
  repoId: string,
  revision: string,
): Promise<string> {
  const what = `${repoId}@${revision}`;
  let sha: string | undefined;
  try {
    const common = { ...hubParams(session, type, repoId), name: repoId, revision };
    sha =
      type === 'model'
        ? (await modelInfo({ ...common, additionalFields: ['sha'] })).sha
        : (await datasetInfo({ ...common, additionalFields: ['sha'] })).sha;
  } catch (err) {
    throw hubFailure(err, session, type, repoId, what);
  }
  if (typeof sha !== 'string' || !COMMIT_HASH.test(sha)) {
    throw new ProbescopeError('DOWNLOAD_FAILED', `Hugging Face gave no commit hash for ${what}; retry later.`);
  }
  return sha;
}

/** Every file of the repo at `commit` (recursive tree listing, paginated by the library). */
export async function listRepoFiles(
  session: HubSession,
  type: HubRepoType,
  repoId: string,
  commit: string,
): Promise<HubFile[]> {
  const files: HubFile[] = [];
  try {
    for await (const e of listFiles({ ...hubParams(session, type, repoId), revision: commit, recursive: true })) {
      if (e.type !== 'file') continue;
      const sha256 = e.lfs?.oid;
      const etag = sha256 ?? e.oid;
      if (!etag) throw new ProbescopeError('DOWNLOAD_FAILED', `Hugging Face listed ${e.path} without a checksum.`);
      files.push({ path: e.path, size: e.lfs?.size ?? e.size, sha256, gitOid: e.oid, etag });
    }
  } catch (err) {
    throw hubFailure(err, session, type, repoId, `${repoId}@${commit}`);
  }
  return files;
}
