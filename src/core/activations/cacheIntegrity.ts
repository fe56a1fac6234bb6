/**
 * Integrity of the activation cache. Each shard's sha256 is computed while it is written and stored in its
 * shard-NNNNN.json and in index.json. Before a cache is used, once per process per shard file (identified by path,
 * inode, size and mtime), the shard is read through and its sha256 compared; the index is checked for shape (hidden
 * size and layers against the model, examples inside their shard). A damaged shard is deleted and extracted again with a
 * message, never used. `probescope cache verify` runs the full check on demand (verifyCacheFolder).
 */
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayerSpec } from '../../protocol/types';
import { processAlive, readRegularText, shardIntact } from '../storage';

export { markVerified, shardIntact } from '../storage';
import { bytesPerValue, CACHE_FORMAT, type CacheIndex } from './shardFormat';

/** index.json can list millions of examples; anything beyond this is not ours. */
export const MAX_INDEX_BYTES = 1 << 30;

export interface IndexExpectation {
  key?: string;
  hiddenSize?: number;
  layers?: LayerSpec[];
  numExamples?: number;
}

/** What is wrong with a parsed index.json (empty when it is sound and matches `expect`). */
export function indexProblems(raw: unknown, expect: IndexExpectation = {}): string[] {
  const ix = raw as Partial<CacheIndex> | null;
  if (!ix || typeof ix !== 'object') return ['index.json is not a JSON object'];
  const p: string[] = [];
  if (ix.format !== CACHE_FORMAT) p.push(`format ${JSON.stringify(ix.format)}, expected ${CACHE_FORMAT}`);
  if (expect.key !== undefined && ix.key !== expect.key) p.push('key does not match the folder');
  const D = ix.hiddenSize;
  if (!Number.isInteger(D) || D! <= 0) p.push(`hidden size ${JSON.stringify(D)} is not a positive integer`);
  else if (expect.hiddenSize !== undefined && D !== expect.hiddenSize)
    p.push(`hidden size ${D} but the model has ${expect.hiddenSize}`);
  if (!Array.isArray(ix.layers) || ix.layers.length === 0) p.push('no layer list');
  else if (expect.layers && !expect.layers.every((l) => ix.layers!.includes(l)))
    p.push(`layers ${ix.layers.join(',')} lack some of ${expect.layers.join(',')}`);
  if (ix.dtype !== 'float32' && ix.dtype !== 'float16') p.push(`dtype ${JSON.stringify(ix.dtype)}`);
  if (!Array.isArray(ix.shardSums) || !Array.isArray(ix.shards) || ix.shardSums.length !== ix.shards.length)
    p.push('shard list and checksums missing or of different lengths');
  if (!Array.isArray(ix.examples) || ix.examples.length !== ix.numExamples)
    p.push(`lists ${Array.isArray(ix.examples) ? ix.examples.length : 'no'} examples but says ${ix.numExamples}`);
  else if (expect.numExamples !== undefined && ix.numExamples !== expect.numExamples)
    p.push(`${ix.numExamples} examples but the dataset has ${expect.numExamples}`);
  if (p.length) return p;
  const badShard = ix.shardSums!.findIndex(
    (x) => x?.dtype !== undefined && (x.dtype === ix.dtype || (x.dtype !== 'float32' && x.dtype !== 'float16')),
  );
  if (badShard >= 0) return [`shard ${badShard} has dtype ${JSON.stringify(ix.shardSums![badShard].dtype)}`];
  // A float16 cache may hold float32 shards (cacheDtype.ts): row sizes are per shard.
  const rowBytesOf = ix.shardSums!.map((x) => D! * ix.layers!.length * bytesPerValue(x?.dtype ?? ix.dtype!));
  let tokens = 0;
  for (const [i, e] of ix.examples!.entries()) {
    const ok =
      Array.isArray(e) &&
      e.length === 4 &&
      Number.isInteger(e[0]) &&
      ix.shardSums![e[0]] !== undefined &&
      Number.isInteger(e[1]) &&
      Number.isInteger(e[2]) &&
      e[1] >= 0 &&
      e[2] >= 0 &&
      e[1] + e[2] * rowBytesOf[e[0]] <= ix.shardSums![e[0]].bytes;
    if (!ok) return [`example ${i} points outside its shard`];
    tokens += e[2];
  }
  if (tokens !== ix.totalTokens) p.push(`examples hold ${tokens} tokens but the index says ${ix.totalTokens}`);
  return p;
}

/** Reads and parses index.json with a size limit; undefined plus the reason when it cannot. */
export async function readIndex(dir: string): Promise<{ index?: CacheIndex; problem?: string }> {
  try {
    const text = await readRegularText(join(dir, 'index.json'), { maxBytes: MAX_INDEX_BYTES, what: 'cache index' });
    return { index: JSON.parse(text) as CacheIndex };
  } catch (err) {
    return {
      problem:
        err instanceof SyntaxError ? `index.json is not valid JSON (${err.message})` : String((err as Error).message),
    };
  }
}

export interface CacheVerifyReport {
  dir: string;
  ok: boolean;
  examples?: number;
  shards?: number;
  bytes?: number;
  problems: string[];
}

/** The full check of one cache folder: index shape and every shard's sha256, read in full. */
export async function verifyCacheFolder(dir: string): Promise<CacheVerifyReport> {
  const { index, problem } = await readIndex(dir);
  if (!index) return { dir, ok: false, problems: [problem ?? 'no index.json (incomplete cache)'] };
  const problems = indexProblems(index);
  if (problems.length) return { dir, ok: false, problems };
  for (const [s, sum] of index.shardSums.entries()) {
    if (!(await shardIntact(join(dir, index.shards[s]), sum.bytes, sum.sha256, true)))
      problems.push(`${index.shards[s]} is damaged (size or sha256 differs)`);
  }
  const bytes = index.shardSums.reduce((a, x) => a + x.bytes, 0);
  return { dir, ok: problems.length === 0, examples: index.numExamples, shards: index.shards.length, bytes, problems };
}

/**
 * Temp files of our own cache writes, by exact name (a --cache-dir may be any folder: nothing else is ever removed):
 * in a 32-hex activation cache folder `shard-NNNNN.bin.<pid>.tmp`, `shard-NNNNN.json.<pid>.<stamp>.tmp`,
 * `index.json.<pid>.<stamp>.tmp`; in graphs/ `<32 hex>.onnx|json.<pid>.<stamp>.tmp`. Group 1 is the writer's pid.
 */
const SHARD_TEMP = /^(?:shard-\d{5}\.(?:bin|json)|index\.json)\.(\d+)(?:\.\d+)?\.tmp$/;
const GRAPH_TEMP = /^[0-9a-f]{32}\.(?:onnx|json)\.(\d+)\.\d+\.tmp$/;
const KEY_DIR = /^[0-9a-f]{32}$/;

/**
 * Removes temp files of interrupted cache writes (their writer process is gone) under `cacheDir`: in every activation
 * cache folder ({cacheDir}/activations/<key>) and among the tapped graphs ({cacheDir}/graphs). Returns how many.
 */
export async function removeStaleTemps(cacheDir: string): Promise<number> {
  const activations = join(cacheDir, 'activations');
  const dirs = (await readdir(activations).catch(() => [] as string[]))
    .filter((sub) => KEY_DIR.test(sub))
    .map((sub) => ({ dir: join(activations, sub), pattern: SHARD_TEMP }));
  let removed = 0;
  for (const { dir, pattern } of [...dirs, { dir: join(cacheDir, 'graphs'), pattern: GRAPH_TEMP }]) {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const m = pattern.exec(name);
      if (!m) continue;
      const pid = Number(m[1]);
      if (pid === process.pid || processAlive(pid)) continue;
      await unlink(join(dir, name)).then(
        () => removed++,
        () => undefined,
      );
    }
  }
  return removed;
}
