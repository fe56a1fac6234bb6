import { copyFile, mkdir, readFile, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';

/**
 * The Hugging Face cache as huggingface_hub (Python) writes it, so either side reuses the other's downloads:
 * ```
 * <hub cache>/models--owner--name/blobs/<etag>            file contents (etag = LFS sha256, else the git blob sha1)
 *                                 refs/<revision>          the commit hash a branch/tag pointed to (no newline)
 *                                 snapshots/<commit>/<path> relative symlink to ../../blobs/<etag>
 * ```
 * The hub cache folder is HF_HUB_CACHE, else HUGGINGFACE_HUB_CACHE, else HF_HOME/hub, else
 * XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub (huggingface_hub's constants.py).
 */
export type HubRepoType = 'model' | 'dataset';

export function hfHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.HF_HOME || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'huggingface');
}

export function hubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE || join(hfHome(env), 'hub');
}

/** `models--owner--name` / `datasets--owner--name`. */
export function repoFolderName(type: HubRepoType, repoId: string): string {
  return [`${type}s`, ...repoId.split('/')].join('--');
}

/** owner/name of a snapshot folder `…/models--owner--name/snapshots/<commit>`, or undefined for other paths. */
export function repoIdOfSnapshot(dir: string): string | undefined {
  const m = /(?:^|[\\/])models--([^\\/]+?)--([^\\/]+)[\\/]snapshots[\\/][^\\/]+[\\/]?$/.exec(dir);
  return m ? `${m[1]}/${m[2]}` : undefined;
}

export const COMMIT_HASH = /^[0-9a-f]{40}$/;

/** One repo's folder in the hub cache. */
export class HubRepoCache {
  readonly folder: string;
  constructor(
    readonly cacheDir: string,
    readonly type: HubRepoType,
    readonly repoId: string,
  ) {
    this.folder = join(cacheDir, repoFolderName(type, repoId));
  }

  snapshotDir(commit: string): string {
    return join(this.folder, 'snapshots', commit);
  }

  blobPath(etag: string): string {
    return join(this.folder, 'blobs', etag);
  }

  /** The commit a revision resolves to without a request: a commit hash itself, else refs/<revision>. */
  async cachedCommit(revision: string): Promise<string | undefined> {
    if (COMMIT_HASH.test(revision)) return revision;
    const ref = await readFile(join(this.folder, 'refs', ...revision.split('/')), 'utf8').catch(() => undefined);
    const commit = ref?.trim();
    return commit && COMMIT_HASH.test(commit) ? commit : undefined;
  }

  /** Records revision → commit in refs/ (as huggingface_hub does; nothing for a commit hash). */
  async writeRef(revision: string, commit: string): Promise<void> {
    if (revision === commit) return;
    const path = join(this.folder, 'refs', ...revision.split('/'));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(`${path}.tmp`, commit);
    await rename(`${path}.tmp`, path);
  }

  /** Whether snapshots/<commit>/<path> exists and reaches a file (a symlink into blobs/ or a copied file). */
  async hasFile(commit: string, path: string): Promise<boolean> {
    return (await stat(join(this.snapshotDir(commit), ...path.split('/'))).catch(() => undefined))?.isFile() ?? false;
  }

  /** Points snapshots/<commit>/<path> at blobs/<etag> with a relative symlink; copies where symlinks fail (Windows). */
  async link(commit: string, path: string, etag: string): Promise<void> {
    const pointer = join(this.snapshotDir(commit), ...path.split('/'));
    const blob = this.blobPath(etag);
    await mkdir(dirname(pointer), { recursive: true });
    const target = relative(dirname(pointer), blob);
    if ((await readlink(pointer).catch(() => undefined)) === target) return;
    await rm(pointer, { force: true });
    try {
      await symlink(target, pointer);
    } catch {
      await copyFile(blob, pointer);
    }
  }
}
