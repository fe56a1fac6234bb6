import { ProbescopeError } from '../errors';

/** One file of a Hub repo listing; sizes and checksums come from the tree API when the server has it. */
export interface HubFile {
  path: string;
  size?: number;
  /** sha256 hex of the content for LFS files. */
  sha256?: string;
  /** Git blob id (sha1 of "blob <size>\0" + content) for files stored in git itself. */
  gitOid?: string;
}

export interface HubRepoRef {
  endpoint: string;
  repoId: string;
  revision: string;
  token?: string;
  signal?: AbortSignal;
}

const REPO_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

export function checkRepoId(repoId: string): void {
  if (!REPO_ID.test(repoId) || repoId.includes('..')) {
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      `"${repoId}" is not a Hugging Face model id; use the form owner/name, e.g. onnx-community/gemma-3-270m-it-ONNX.`,
    );
  }
}

export function authHeaders(token: string | undefined): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/**
 * Lists a repo's files: the tree API (`/api/models/{repo}/tree/{rev}?recursive=true`, paginated through Link headers)
 * gives sizes and checksums; servers without it get the older `/api/models/{repo}/revision/{rev}` siblings list.
 */
export async function listHubFiles(ref: HubRepoRef): Promise<HubFile[]> {
  const base = `${ref.endpoint}/api/models/${ref.repoId}`;
  const rev = encodeURIComponent(ref.revision);
  const tree = await hubGet(`${base}/tree/${rev}?recursive=true`, ref, true);
  if (tree) {
    const files: HubFile[] = [];
    let res: Response | undefined = tree;
    while (res) {
      const entries = (await res.json()) as TreeEntry[];
      for (const e of entries) if (e.type === 'file') files.push(fromTree(e));
      const next = nextLink(res.headers.get('link'));
      res = next ? await hubGet(new URL(next, base).toString(), ref, false) : undefined;
    }
    return files;
  }
  const info = (await (await hubGet(`${base}/revision/${rev}?blobs=true`, ref, false))!.json()) as {
    siblings?: { rfilename: string; size?: number; lfs?: { sha256?: string; size?: number } }[];
  };
  return (info.siblings ?? []).map((s) => ({ path: s.rfilename, size: s.lfs?.size ?? s.size, sha256: s.lfs?.sha256 }));
}

interface TreeEntry {
  type: string;
  path: string;
  size?: number;
  oid?: string;
  lfs?: { oid?: string; size?: number };
}

function fromTree(e: TreeEntry): HubFile {
  if (e.lfs) return { path: e.path, size: e.lfs.size ?? e.size, sha256: e.lfs.oid };
  return { path: e.path, size: e.size, gitOid: e.oid };
}

function nextLink(header: string | null): string | undefined {
  return header
    ?.split(',')
    .map((p) => /<([^>]+)>\s*;\s*rel="?next"?/.exec(p)?.[1])
    .find(Boolean);
}

/** GET with the token; maps Hub refusals to errors that say what to do. `optional`: a 404 returns undefined. */
async function hubGet(url: string, ref: HubRepoRef, optional: boolean): Promise<Response | undefined> {
  let res: Response;
  try {
    res = await fetch(url, { headers: authHeaders(ref.token), signal: ref.signal });
  } catch (err) {
    if (ref.signal?.aborted) throw new ProbescopeError('CANCELLED', 'Download cancelled.');
    throw new ProbescopeError(
      'DOWNLOAD_FAILED',
      `Cannot reach ${ref.endpoint} (${describeFetchError(err)}); check the network connection or proxy settings.`,
    );
  }
  if (res.ok) return res;
  await res.body?.cancel();
  if (res.status === 404 && optional) return undefined;
  throw hubError(res.status, ref, `${ref.repoId}@${ref.revision}`);
}

/** The DOWNLOAD_FAILED error for an HTTP refusal of `what` (a repo or a file in it). */
export function hubError(
  status: number,
  ref: Pick<HubRepoRef, 'repoId' | 'revision' | 'token'>,
  what: string,
): ProbescopeError {
  const page = `https://huggingface.co/${ref.repoId}`;
  if (status === 401 || status === 403) {
    const hint = ref.token
      ? `your token has no access: accept the licence on ${page} with the same account, or use a token with read access`
      : `gated model: accept the licence on ${page} and set a Hugging Face token (private repos need one too; check the id if the repo does not exist)`;
    return new ProbescopeError('DOWNLOAD_FAILED', `Hugging Face refused ${what} (HTTP ${status}): ${hint}.`);
  }
  if (status === 404) {
    return new ProbescopeError(
      'DOWNLOAD_FAILED',
      `No such repo/file on Hugging Face: ${what} (HTTP 404); check the model id and revision.`,
    );
  }
  if (status === 429) {
    return new ProbescopeError(
      'DOWNLOAD_FAILED',
      `Hugging Face is rate-limiting requests for ${what} (HTTP 429); wait a minute and retry, or set a token.`,
    );
  }
  return new ProbescopeError('DOWNLOAD_FAILED', `Hugging Face answered HTTP ${status} for ${what}; retry later.`);
}

export function describeFetchError(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}

/**
 * The .onnx file a download fetches when none is named; same order as resolveModelFolder uses (model.onnx,
 * onnx/model.onnx, onnx/model_fp16.onnx, then other onnx/*.onnx by name).
 */
export function chooseOnnxFile(paths: string[]): string | undefined {
  for (const p of ['model.onnx', 'onnx/model.onnx', 'onnx/model_fp16.onnx']) if (paths.includes(p)) return p;
  return paths.filter((p) => /^onnx\/[^/]+\.onnx$/.test(p)).sort()[0];
}

/** `<onnx>_data`, `<onnx>_data_1` … in index order. */
export function externalDataFiles(paths: string[], onnxFile: string): string[] {
  const prefix = `${onnxFile}_data`;
  const index = (p: string): number => (p === prefix ? 0 : Number(p.slice(prefix.length + 1)) + 1);
  return paths
    .filter((p) => p === prefix || new RegExp(`^${escapeRegExp(prefix)}_\\d+$`).test(p))
    .sort((a, b) => index(a) - index(b));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
