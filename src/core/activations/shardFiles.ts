/**
 * Writing and validating single shards of the activation cache (see shardFormat.ts for the layout). A shard's .bin is
 * written to `<shard>.bin.<pid>.tmp` with its sha256 computed on the way, renamed into place, then its .json; a failed
 * write (disk full, I/O error) removes the temp file before the error goes up.
 */
import { createHash } from 'node:crypto';
import { open, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayerSpec } from '../../protocol/types';
import { beforeWrite, killPoint, readRegularText, SMALL_JSON_LIMIT } from '../storage';
import { markVerified, shardIntact } from './cacheIntegrity';
import { bytesPerValue, CACHE_FORMAT, type CacheDtype, encodeValues, type ShardMeta, shardName } from './shardFormat';

/**
 * Examples sorted by length (similar lengths batch with little padding), cut into shards of about shardBytes.
 * `rows`: rows stored per example when not its length (pooled caches, pooledCache.ts).
 */
export function planShards(
  lengths: number[],
  bytesPerToken: number,
  shardBytes: number,
  rows: number[] = lengths,
): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const shards: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (const i of order) {
    const b = rows[i] * bytesPerToken;
    if (current.length && bytes + b > shardBytes) {
      shards.push(current);
      current = [];
      bytes = 0;
    }
    current.push(i);
    bytes += b;
  }
  if (current.length) shards.push(current);
  return shards;
}

/** Writes `data` to `path` through a temp file and rename; the temp file is removed if the write fails. */
export async function writeFileAtomicClean(path: string, data: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    beforeWrite(tmp, Buffer.byteLength(data));
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

export async function writeShard(
  dir: string,
  shard: number,
  key: string,
  ids: number[],
  states: Map<LayerSpec, Float32Array>[],
  layers: LayerSpec[],
  hiddenSize: number,
  dtype: CacheDtype,
  truncated: boolean[],
  /** The cache's dtype when this shard is stored in another (recorded in the shard's meta: cacheDtype.ts). */
  cacheDtype: CacheDtype = dtype,
): Promise<ShardMeta> {
  const base = join(dir, shardName(shard));
  const tmp = `${base}.bin.${process.pid}.tmp`;
  const meta: ShardMeta = { format: CACHE_FORMAT, key, shard, bytes: 0, sha256: '', examples: [] };
  if (dtype !== cacheDtype) meta.dtype = dtype;
  const hash = createHash('sha256');
  try {
    const fh = await open(tmp, 'w');
    try {
      for (let j = 0; j < ids.length; j++) {
        const length = states[j].get(layers[0])!.length / hiddenSize;
        meta.examples.push({ index: ids[j], offset: meta.bytes, length, truncated: truncated[ids[j]] });
        for (const l of layers) {
          const bytes = encodeValues(states[j].get(l)!, dtype);
          beforeWrite(tmp, bytes.byteLength);
          await fh.write(bytes);
          hash.update(bytes);
          meta.bytes += bytes.byteLength;
        }
        killPoint('cache:mid-shard');
      }
    } finally {
      await fh.close();
    }
    meta.sha256 = hash.digest('hex');
    await rename(tmp, `${base}.bin`);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await markVerified(`${base}.bin`);
  await writeFileAtomicClean(`${base}.json`, JSON.stringify(meta));
  return meta;
}

/**
 * The shard's metadata when shard `shard` is complete for exactly these examples: same key and ids, a .bin of the
 * size the example lengths imply (bytesPerToken each, for values of `cacheDtype`; twice that for a float32 shard of a
 * float16 cache) and of the recorded sha256. Else undefined (extract it again).
 */
export async function readCompleteShard(
  dir: string,
  shard: number,
  key: string,
  ids: number[],
  bytesPerToken?: number,
  cacheDtype?: CacheDtype,
): Promise<ShardMeta | undefined> {
  const base = join(dir, shardName(shard));
  let meta: ShardMeta;
  try {
    meta = JSON.parse(await readRegularText(`${base}.json`, { maxBytes: SMALL_JSON_LIMIT * 64 })) as ShardMeta;
  } catch {
    return undefined;
  }
  const same =
    meta.format === CACHE_FORMAT &&
    meta.key === key &&
    typeof meta.sha256 === 'string' &&
    Array.isArray(meta.examples) &&
    meta.examples.length === ids.length &&
    meta.examples.every((e, j) => e.index === ids[j]);
  if (!same) return undefined;
  if (meta.dtype !== undefined && (meta.dtype === cacheDtype || !['float32', 'float16'].includes(meta.dtype)))
    return undefined;
  if (bytesPerToken !== undefined) {
    const tokens = meta.examples.reduce((a, e) => a + e.length, 0);
    const ratio = meta.dtype && cacheDtype ? bytesPerValue(meta.dtype) / bytesPerValue(cacheDtype) : 1;
    if (tokens * bytesPerToken * ratio !== meta.bytes) return undefined;
  }
  return (await shardIntact(`${base}.bin`, meta.bytes, meta.sha256)) ? meta : undefined;
}

/** Deletes a shard's files (a damaged shard, to be extracted again). */
export async function removeShard(dir: string, shard: number): Promise<void> {
  const base = join(dir, shardName(shard));
  await Promise.all([unlink(`${base}.bin`).catch(() => undefined), unlink(`${base}.json`).catch(() => undefined)]);
}
