/** Writing and validating single shards of the activation cache (see shardFormat.ts for the layout). */
import { open, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayerSpec } from '../../protocol/types';
import { writeFileAtomic } from '../model/tappedModel';
import { CACHE_FORMAT, type CacheDtype, encodeValues, type ShardMeta, shardName } from './shardFormat';

/** Examples sorted by length (similar lengths batch with little padding), cut into shards of about shardBytes. */
export function planShards(lengths: number[], bytesPerToken: number, shardBytes: number): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const shards: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (const i of order) {
    const b = lengths[i] * bytesPerToken;
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
): Promise<ShardMeta> {
  const base = join(dir, shardName(shard));
  const tmp = `${base}.bin.${process.pid}.tmp`;
  const fh = await open(tmp, 'w');
  const meta: ShardMeta = { format: CACHE_FORMAT, key, shard, bytes: 0, examples: [] };
  try {
    for (let j = 0; j < ids.length; j++) {
      const length = states[j].get(layers[0])!.length / hiddenSize;
      meta.examples.push({ index: ids[j], offset: meta.bytes, length, truncated: truncated[ids[j]] });
      for (const l of layers) {
        const bytes = encodeValues(states[j].get(l)!, dtype);
        await fh.write(bytes);
        meta.bytes += bytes.byteLength;
      }
    }
  } finally {
    await fh.close();
  }
  await rename(tmp, `${base}.bin`);
  await writeFileAtomic(`${base}.json`, JSON.stringify(meta));
  return meta;
}

export async function readCompleteShard(
  dir: string,
  shard: number,
  key: string,
  ids: number[],
): Promise<ShardMeta | undefined> {
  const base = join(dir, shardName(shard));
  try {
    const meta = JSON.parse(await readFile(`${base}.json`, 'utf8')) as ShardMeta;
    const same =
      meta.key === key && meta.examples.length === ids.length && meta.examples.every((e, j) => e.index === ids[j]);
    return same && (await stat(`${base}.bin`)).size === meta.bytes ? meta : undefined;
  } catch {
    return undefined;
  }
}
