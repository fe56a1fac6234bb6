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

export interface FakeHubOptions {
  /** Repo id served; any other id is a 404 (the Hub's "Repository not found"). */
  repoId: string;
  /** Folder whose files make up the repo at every revision. */
  dir: string;
  /** Only this bearer token may list or download (401 without it, 403 with another). */
  token?: string;
  /** Files whose first download sends the headers and half the bytes, then drops the connection. */
  dropHalfwayOnce?: string[];
  /** Files whose listed sha256 is wrong. */
  wrongSha256?: string[];
  /** Bytes per 20 ms for file bodies (default: everything at once). */
  throttleBytes?: number;
  /** Ignore Range headers and always send the whole file with 200, as some proxies do. */
  noRangeSupport?: boolean;
  /** Serve only the older /revision API (no tree listing). */
  noTreeApi?: boolean;
}

export interface FakeHub {
  endpoint: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

/** Files stored as LFS on the real Hub: weights and big tokenizers. */
const isLfs = (path: string): boolean => /\.onnx(_data(_\d+)?)?$/.test(path) || path === 'tokenizer.json';

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

/** A local HTTP server with the Hub's URL layout: tree/revision APIs and /{repo}/resolve/{rev}/{path} via a redirect. */
export async function startFakeHub(opts: FakeHubOptions): Promise<FakeHub> {
  const seen: SeenRequest[] = [];
  const dropped = new Set<string>();
  const files = listFiles(opts.dir);

  const treeEntry = (path: string): object => {
    const bytes = readFileSync(join(opts.dir, path));
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

  const sendFile = (req: IncomingMessage, res: ServerResponse, path: string): void => {
    const full = join(opts.dir, path);
    let size: number;
    try {
      size = statSync(full).size;
    } catch {
      res.writeHead(404).end('Entry not found');
      return;
    }
    const bytes = readFileSync(full);
    let start = 0;
    const range = req.headers.range && !opts.noRangeSupport ? /^bytes=(\d+)-$/.exec(req.headers.range) : null;
    if (range) {
      start = Number(range[1]);
      if (start >= size) {
        res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
        return;
      }
      res.writeHead(206, {
        'content-length': size - start,
        'content-range': `bytes ${start}-${size - 1}/${size}`,
        'accept-ranges': 'bytes',
      });
    } else {
      res.writeHead(200, { 'content-length': size, 'accept-ranges': 'bytes' });
    }
    let body = bytes.subarray(start);
    if (opts.dropHalfwayOnce?.includes(path) && !dropped.has(path)) {
      dropped.add(path);
      // end() rather than destroy(): a FIN delivers every byte written, so the client holds exactly half.
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.end());
      return;
    }
    if (!opts.throttleBytes) {
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

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = decodeURIComponent(url.pathname);
    seen.push({ path, range: req.headers.range, authorization: req.headers.authorization });
    const repo = opts.repoId;

    let m = /^\/api\/models\/(.+?)\/(tree|revision)\/([^/]+)$/.exec(path);
    if (m) {
      if (m[1] !== repo) return void res.writeHead(404).end(JSON.stringify({ error: 'Repository not found' }));
      if (!authorized(req, res)) return;
      if (m[2] === 'tree') {
        if (opts.noTreeApi) return void res.writeHead(404).end('{}');
        // Two pages, as the Hub paginates big listings through a Link header.
        const half = Math.ceil(files.length / 2);
        const page = url.searchParams.get('cursor') === '2' ? files.slice(half) : files.slice(0, half);
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (url.searchParams.get('cursor') !== '2')
          headers.link = `<${url.pathname}?recursive=true&cursor=2>; rel="next"`;
        return void res.writeHead(200, headers).end(JSON.stringify(page.map(treeEntry)));
      }
      return void res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ id: repo, sha: 'f'.repeat(40), siblings: files.map((rfilename) => ({ rfilename })) }));
    }
    m = /^\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    if (m && m[1] === repo) {
      if (!authorized(req, res)) return;
      // The Hub redirects LFS files to a CDN; follow that like the real thing.
      return void res.writeHead(302, { location: `/cdn/${m[3]}` }).end();
    }
    m = /^\/cdn\/(.+)$/.exec(path);
    if (m) return sendFile(req, res, m[1]);
    res.writeHead(404).end('Repository not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
