/**
 * Finding a usable activation cache before extracting: the exact key's folder when it is complete and sound, or a
 * folder of the same inputs (baseKey) with more layers. What is damaged is deleted with a message and extracted again.
 */
import { readdir, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LayerSpec } from '../../protocol/types';
import { throwIfAborted } from '../errors';
import { formatBytes } from '../storage';
import { type IndexExpectation, indexProblems, readIndex, shardIntact } from './cacheIntegrity';
import type { CacheIndex } from './shardFormat';
import { removeShard } from './shardFiles';

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * The cache in `dir` when it is complete, sound (index shape, model's hidden size, layers, example count) and every
 * shard's sha256 matches (once per process per shard file). Otherwise says why through onLog, deletes what is
 * damaged (index.json, bad shards; intact shards stay) and returns undefined so that build() extracts it again.
 */
export async function checkedIndex(
  dir: string,
  expect: IndexExpectation,
  onLog: ((m: string) => void) | undefined,
  signal?: AbortSignal,
): Promise<CacheIndex | undefined> {
  const indexPath = join(dir, 'index.json');
  if (!(await exists(indexPath))) return undefined;
  const verifyHint = `\`probescope cache verify --cache-dir ${dirname(dirname(dir))}\` checks every cache there`;
  const { index, problem } = await readIndex(dir);
  const problems = index ? indexProblems(index, expect) : [problem ?? 'unreadable'];
  if (!index || problems.length) {
    onLog?.(`The activation cache index ${indexPath} does not match (${problems[0]}); rebuilding it (${verifyHint}).`);
    await unlink(indexPath).catch(() => undefined);
    return undefined;
  }
  const damaged: number[] = [];
  const total = index.shardSums.reduce((a, x) => a + x.bytes, 0);
  if (total > 256 * 2 ** 20) onLog?.(`Checking the activation cache ${dir} (${formatBytes(total)}, sha256 per shard)…`);
  for (const [s, sum] of index.shardSums.entries()) {
    throwIfAborted(signal);
    if (!(await shardIntact(join(dir, index.shards[s]), sum.bytes, sum.sha256))) damaged.push(s);
  }
  if (damaged.length) {
    onLog?.(
      `Activation cache ${dir}: ${damaged.map((s) => index.shards[s]).join(', ')} ` +
        `${damaged.length === 1 ? 'is' : 'are'} damaged (size or sha256 differs); extracting ` +
        `${damaged.length === 1 ? 'it' : 'them'} again (${verifyHint}).`,
    );
    await unlink(indexPath).catch(() => undefined);
    for (const s of damaged) await removeShard(dir, s);
    return undefined;
  }
  return index;
}

/** A complete cache of the same inputs (baseKey) holding all of `layers` and more, for reuse. */
export async function findSupersetCache(
  cacheDir: string,
  baseKey: string,
  layers: LayerSpec[],
): Promise<string | undefined> {
  const root = join(cacheDir, 'activations');
  for (const sub of await readdir(root).catch(() => [] as string[])) {
    const { index } = await readIndex(join(root, sub));
    if (index?.baseKey === baseKey && layers.every((l) => index.layers.includes(l))) return join(root, sub);
  }
  return undefined;
}
