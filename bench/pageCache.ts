/**
 * Page-cache control for honest disk benchmarks (Linux): files are flushed (fsync) and then advised out of the page
 * cache with posix_fadvise(POSIX_FADV_DONTNEED), which GNU dd issues for `iflag=nocache count=0` (coreutils ≥ 8.11);
 * `fincore` (util-linux) reports how much of them is still resident. No root needed, unlike /proc/sys/vm/drop_caches.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, fsyncSync, openSync, statSync } from 'node:fs';

/** Bytes of `files` in the page cache (fincore), or undefined where fincore is missing. */
export function residentBytes(files: string[]): number | undefined {
  if (files.length === 0) return 0;
  const r = spawnSync('fincore', ['--bytes', '--noheadings', '--raw', '--output', 'RES', ...files], {
    encoding: 'utf8',
  });
  if (r.status !== 0) return undefined;
  return r.stdout
    .trim()
    .split('\n')
    .reduce((a, l) => a + Number(l.trim() || 0), 0);
}

/**
 * Flushes `files` and drops them from the page cache. Returns the resident bytes before and after (NaN where fincore
 * is missing) and the files' total size; `residentAfter` near 0 means the next read comes from the disk.
 */
export function dropPageCache(files: string[]): { residentBefore: number; residentAfter: number; bytes: number } {
  const residentBefore = residentBytes(files) ?? NaN;
  let bytes = 0;
  for (const f of files) {
    const fd = openSync(f, 'r');
    fsyncSync(fd);
    closeSync(fd);
    bytes += statSync(f).size;
    spawnSync('dd', [`if=${f}`, 'iflag=nocache', 'count=0', 'status=none']);
  }
  return { residentBefore, residentAfter: residentBytes(files) ?? NaN, bytes };
}
