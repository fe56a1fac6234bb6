import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';

/** What the fake Hub saw, for assertions. */
export interface SeenRequest {
  path: string;
  range?: string;
  authorization?: string;
}

/** A dataset repo: one folder per revision (e.g. main with README.md, refs/convert/parquet with the Parquet files). */
export interface FakeDataset {
  id: string;
  revisions: Record<string, string>;
  /** The card's YAML metadata as the info API returns it (cardData), e.g. { license: 'mit' }. */
  cardData?: Record<string, unknown>;
}

export interface FakeHubOptions {
  /** Model repo id served; any other id is a 404 (the Hub's "Repository not found"). */
  repoId: string;
  /** Folder whose files make up the model repo at every revision. */
  dir: string;
  /** Dataset repos served beside the model. */
  datasets?: FakeDataset[];
  /** Only this bearer token may list or download (401 without it, 403 with another). */
  token?: string;
  /** With `token`: the info and tree APIs stay public and only file downloads need it (gated repos on the Hub). */
  gateFilesOnly?: boolean;
  /** Files whose first download sends the headers and half the bytes, then drops the connection. */
  dropHalfwayOnce?: string[];
  /** Files whose listed sha256 is wrong. */
  wrongSha256?: string[];
  /** Bytes per 20 ms for file bodies (default: everything at once). */
  throttleBytes?: number;
  /** Ignore Range headers and always send the whole file with 200, as some proxies do. */
  noRangeSupport?: boolean;
}

export interface FakeHub {
  endpoint: string;
  seen: SeenRequest[];
  /** The commit hash the fake Hub gives a repo's revision. */
  commitOf(type: 'model' | 'dataset', id: string, revision: string): string;
  close(): Promise<void>;
}

/** Files stored as LFS on the real Hub: weights, big tokenizers, Parquet. */
const isLfs = (path: string): boolean =>
  /\.(onnx(_data(_\d+)?)?|parquet)$/.test(path) || path.endsWith('tokenizer.json');

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(relative(dir, join(d, e.name)).split('\\').join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

interface Repo {
  type: 'model' | 'dataset';
  id: string;
  /** revision name → folder */
  revisions: Map<string, string>;
  /** any revision (the model's files are the same at every revision) */
  anyRevision?: string;
  cardData?: Record<string, unknown>;
}

const commitHash = (type: string, id: string, rev: string): string =>
  createHash('sha1').update(`${type}:${id}@${rev}`).digest('hex');

/**
 * A local HTTP server with the Hub's URL layout, enough for @huggingface/hub: the info API
 * (/api/{models|datasets}/{id}/revision/{rev} with the commit sha), the paginated tree API, and
 * /[datasets/]{id}/resolve/{rev}/{path} redirecting to a CDN path that honours Range requests and sends an ETag.
 * Revisions may be branch names, URL-encoded refs (refs%2Fconvert%2Fparquet) or the commit hashes it hands out.
 */
export async function startFakeHub(opts: FakeHubOptions): Promise<FakeHub> {
  const seen: SeenRequest[] = [];
  const dropped = new Set<string>();
  const repos: Repo[] = [{ type: 'model', id: opts.repoId, revisions: new Map(), anyRevision: opts.dir }];
  for (const d of opts.datasets ?? [])
    repos.push({ type: 'dataset', id: d.id, revisions: new Map(Object.entries(d.revisions)), cardData: d.cardData });

  /** The folder for a revision name or commit hash, with the commit. */
  const resolveRev = (repo: Repo, rev: string): { dir: string; commit: string } | undefined => {
    if (repo.anyRevision) {
      const commit = /^[0-9a-f]{40}$/.test(rev) ? rev : commitHash(repo.type, repo.id, rev);
      return { dir: repo.anyRevision, commit };
    }
    for (const [name, dir] of repo.revisions) {
      const commit = commitHash(repo.type, repo.id, name);
      if (rev === name || rev === commit) return { dir, commit };
    }
    return undefined;
  };

  const treeEntry = (dir: string, path: string): object => {
    const bytes = readFileSync(join(dir, path));
    const size = bytes.length;
    const gitOid = createHash('sha1').update(`blob ${size}\0`).update(bytes).digest('hex');
    if (!isLfs(path)) return { type: 'file', path, size, oid: gitOid };
    let sha = createHash('sha256').update(bytes).digest('hex');
    if (opts.wrongSha256?.includes(path)) sha = '0'.repeat(64);
    return { type: 'file', path, size, oid: gitOid, lfs: { oid: sha, size, pointerSize: 134 } };
  };

  const authorized = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (!opts.token) return true;
    const auth = req.headers.authorization;
    if (auth === `Bearer ${opts.token}`) return true;
    res
      .writeHead(auth ? 403 : 401, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: 'Access to model is restricted.' }));
    return false;
  };

  const sendFile = (req: IncomingMessage, res: ServerResponse, full: string, path: string): void => {
    let size: number;
    try {
      size = statSync(full).size;
    } catch {
      res.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end('Entry not found');
      return;
    }
    const bytes = readFileSync(full);
    const etag = `"${createHash('sha256').update(bytes).digest('hex')}"`;
    let start = 0;
    let end = size - 1;
    const range = req.headers.range && !opts.noRangeSupport ? /^bytes=(\d+)-(\d*)$/.exec(req.headers.range) : null;
    if (range) {
      start = Number(range[1]);
      if (range[2]) end = Math.min(end, Number(range[2]));
      if (start >= size) {
        res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
        return;
      }
      res.writeHead(206, {
        'content-length': end - start + 1,
        'content-range': `bytes ${start}-${end}/${size}`,
        'accept-ranges': 'bytes',
        etag,
      });
    } else {
      res.writeHead(200, { 'content-length': size, 'accept-ranges': 'bytes', etag });
    }
    let body = bytes.subarray(start, end + 1);
    const wholeBody = end - start + 1 > 1; // the 1-byte size probe is never dropped or throttled
    if (wholeBody && opts.dropHalfwayOnce?.includes(path) && !dropped.has(path)) {
      dropped.add(path);
      // end() rather than destroy(): a FIN delivers every byte written, so the client holds exactly half.
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.end());
      return;
    }
    if (!opts.throttleBytes || !wholeBody) {
      res.end(body);
      return;
    }
    const step = (): void => {
      if (res.destroyed) return;
      const chunk = body.subarray(0, opts.throttleBytes);
      body = body.subarray(chunk.length);
      if (body.length === 0) res.end(chunk);
      else res.write(chunk, () => setTimeout(step, 20));
    };
    step();
  };

  const notFound = (res: ServerResponse): void =>
    void res
      .writeHead(404, { 'content-type': 'application/json', 'x-error-code': 'RepoNotFound' })
      .end(JSON.stringify({ error: 'Repository not found' }));

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const raw = url.pathname;
    const path = decodeURIComponent(raw);
    seen.push({ path, range: req.headers.range, authorization: req.headers.authorization });
    const findRepo = (type: string, id: string): Repo | undefined =>
      repos.find((r) => `${r.type}s` === type && r.id === decodeURIComponent(id));

    // /api/{models|datasets}/{owner}/{name}/{tree|revision}/{rev}[/path]; rev is one URL segment (encoded if it has "/").
    let m = /^\/api\/(models|datasets)\/([^/]+\/[^/]+)\/(tree|revision)\/([^/]+)$/.exec(raw);
    if (m) {
      const repo = findRepo(m[1], m[2]);
      if (!repo) return notFound(res);
      if (!opts.gateFilesOnly && !authorized(req, res)) return;
      const rev = resolveRev(repo, decodeURIComponent(m[4]).replace(/^HEAD$/, 'main'));
      if (!rev) return notFound(res);
      const files = listFiles(rev.dir);
      if (m[3] === 'tree') {
        // Two pages, as the Hub paginates big listings through a Link header (absolute URL, as the Hub sends).
        const half = Math.ceil(files.length / 2);
        const second = url.searchParams.get('cursor') === '2';
        const page = second ? files.slice(half) : files.slice(0, half);
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (!second) headers.link = `<http://${req.headers.host}${raw}?recursive=true&cursor=2>; rel="next"`;
        return void res.writeHead(200, headers).end(JSON.stringify(page.map((p) => treeEntry(rev.dir, p))));
      }
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          _id: repo.id,
          id: repo.id,
          sha: rev.commit,
          private: false,
          gated: opts.token ? 'manual' : false,
          lastModified: '2026-11-01T00:00:00.000Z',
          siblings: files.map((rfilename) => ({ rfilename })),
          ...(repo.cardData ? { cardData: repo.cardData } : {}),
        }),
      );
    }
    // /[datasets/]{owner}/{name}/resolve/{rev}/{path}
    m = /^\/(datasets\/)?([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(raw);
    if (m) {
      const repo = findRepo(m[1] ? 'datasets' : 'models', m[2]);
      if (!repo) return notFound(res);
      if (!authorized(req, res)) return;
      const rev = resolveRev(repo, decodeURIComponent(m[3]));
      if (!rev) return notFound(res);
      const file = decodeURIComponent(m[4]);
      // The Hub redirects LFS files to a CDN; follow that like the real thing.
      const cdn = repo.anyRevision ? `/cdn/${file}` : `/cdn/datasets/${repo.id}/${rev.commit}/${file}`;
      return void res.writeHead(302, { location: cdn, 'x-repo-commit': rev.commit }).end();
    }
    m = /^\/cdn\/datasets\/([^/]+\/[^/]+)\/([0-9a-f]{40})\/(.+)$/.exec(path);
    if (m) {
      const repo = findRepo('datasets', m[1]);
      const rev = repo && resolveRev(repo, m[2]);
      if (!rev) return notFound(res);
      return sendFile(req, res, join(rev.dir, m[3]), m[3]);
    }
    m = /^\/cdn\/(.+)$/.exec(path);
    if (m) return sendFile(req, res, join(opts.dir, m[1]), m[1]);
    notFound(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    seen,
    commitOf: commitHash,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
