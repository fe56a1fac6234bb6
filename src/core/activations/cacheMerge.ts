/**
 * `probescope cache merge`: joins the slices of a cache built by separate processes (shardSlice.ts) into one cache
 * whose index.json and shard files are byte-identical to a single build's.
 *
 * For every cache key found in the inputs ({cacheDir}/activations/<key>/slice-*.json), it checks that slices 0..N-1
 * of one N are all present with the same index header and together cover every planned shard once, copies each shard
 * (.bin + .json; no copy when input and output are the same folder) through a temp file + rename, compares every
 * shard's size and sha256 with its record, checks that every example lies in exactly one shard, then writes index.json
 * (assembleIndex, temp + rename). Nothing is written into the output before every slice is found.
 */
import { copyFile, mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ProbescopeError, throwIfAborted } from '../errors';
import { fsError, readRegularText, SMALL_JSON_LIMIT } from '../storage';
import { shardIntact } from './cacheIntegrity';
import { writeFileAtomicClean } from './shardFiles';
import { CACHE_FORMAT, type ShardMeta, shardName } from './shardFormat';
import { assembleIndex, readSliceRecords, type SliceRecord } from './shardSlice';

export interface MergedCache {
  dir: string;
  key: string;
  slices: number;
  shards: number;
  examples: number;
  tokens: number;
  bytes: number;
  copiedShards: number;
}

interface Found {
  record: SliceRecord;
  dir: string;
}

async function subfolders(dir: string): Promise<string[]> {
  return (await readdir(dir, { withFileTypes: true }).catch(() => []))
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
}

/**
 * Merges the slices under `inputs` (cache folders given to `activations --out`) into `outDir`/activations/<key>.
 * BAD_ARGUMENT when no slice is found or a slice is missing (naming which and the command that makes it);
 * CACHE_DAMAGED when a slice record or shard is unreadable, disagrees or fails its sha256.
 */
export async function mergeCacheSlices(
  inputs: string[],
  outDir: string,
  hooks: { onLog?(m: string): void; onProgress?(done: number, total: number): void; signal?: AbortSignal } = {},
): Promise<MergedCache[]> {
  if (inputs.length === 0) throw new ProbescopeError('BAD_ARGUMENT', 'Name at least one cache folder to merge.');
  const byKey = new Map<string, Found[]>();
  for (const input of inputs.map((d) => resolve(d))) {
    const root = join(input, 'activations');
    if (!(await stat(root).catch(() => undefined))?.isDirectory())
      throw new ProbescopeError('BAD_ARGUMENT', `${input} holds no activation caches (no ${root} folder).`);
    for (const sub of await subfolders(root)) {
      const { records, problems } = await readSliceRecords(join(root, sub));
      if (problems.length) throw new ProbescopeError('CACHE_DAMAGED', problems[0]);
      for (const record of records) {
        const list = byKey.get(record.header.key) ?? [];
        list.push({ record, dir: join(root, sub) });
        byKey.set(record.header.key, list);
      }
    }
  }
  if (byKey.size === 0)
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      `No cache slices in ${inputs.join(', ')}: build them with \`probescope activations --data FILE --shard I/N --out DIR\`.`,
    );
  const plans = [...byKey].map(([key, found]) => ({ key, slices: completeSlices(key, found) }));
  const out: MergedCache[] = [];
  for (const { key, slices } of plans) out.push(await mergeOne(key, slices, resolve(outDir), hooks));
  return out;
}

/** One record per slice 0..N-1 (duplicates across inputs must agree), all with the same header and plan. */
function completeSlices(key: string, found: Found[]): Found[] {
  const count = found[0].record.slice.count;
  const header = JSON.stringify(found[0].record.header);
  const bySlice = new Map<number, Found>();
  for (const f of found) {
    const r = f.record;
    if (r.slice.count !== count)
      throw new ProbescopeError(
        'BAD_ARGUMENT',
        `Cache ${key}: slices of ${count} and of ${r.slice.count} workers are mixed (${f.dir}); merge one run's slices.`,
      );
    if (JSON.stringify(r.header) !== header || r.numShards !== found[0].record.numShards)
      throw new ProbescopeError(
        'CACHE_DAMAGED',
        `Cache ${key}: slice ${r.slice.index}/${count} in ${f.dir} disagrees with the others (model id, ` +
          'tokens or shard plan); rebuild that slice with the same model folder name, data and options.',
      );
    if (!bySlice.has(r.slice.index)) bySlice.set(r.slice.index, f);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !bySlice.has(i));
  if (missing.length)
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      `Cache ${key}: slice${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} ` +
        `${missing.length > 1 ? 'are' : 'is'} missing (run \`probescope activations … --shard I/${count}\` for ` +
        `${missing.length > 1 ? 'them' : 'it'}, or name the folder that holds ${missing.length > 1 ? 'them' : 'it'}).`,
    );
  return Array.from({ length: count }, (_, i) => bySlice.get(i)!);
}

async function mergeOne(
  key: string,
  slices: Found[],
  outRoot: string,
  hooks: { onLog?(m: string): void; onProgress?(done: number, total: number): void; signal?: AbortSignal },
): Promise<MergedCache> {
  const { header, numShards } = slices[0].record;
  const owner = new Array<Found | undefined>(numShards);
  for (const f of slices)
    for (const s of f.record.shards) {
      if (owner[s])
        throw new ProbescopeError('CACHE_DAMAGED', `Cache ${key}: shard ${s} is claimed by two slices (${f.dir}).`);
      owner[s] = f;
    }
  const unowned = owner.findIndex((o) => o === undefined);
  if (unowned >= 0)
    throw new ProbescopeError('CACHE_DAMAGED', `Cache ${key}: no slice wrote shard ${unowned} of ${numShards}.`);
  const dest = join(outRoot, 'activations', key);
  await mkdir(dest, { recursive: true });
  const metas: ShardMeta[] = [];
  let copied = 0;
  for (let s = 0; s < numShards; s++) {
    throwIfAborted(hooks.signal);
    hooks.onProgress?.(s, numShards);
    const src = owner[s]!.dir;
    const base = shardName(s);
    const meta = await readShardMeta(join(src, `${base}.json`), key, s);
    if (resolve(src) !== resolve(dest)) {
      await copyAtomic(join(src, `${base}.bin`), join(dest, `${base}.bin`));
      await copyAtomic(join(src, `${base}.json`), join(dest, `${base}.json`));
      copied++;
    }
    if (!(await shardIntact(join(dest, `${base}.bin`), meta.bytes, meta.sha256, true)))
      throw new ProbescopeError(
        'CACHE_DAMAGED',
        `Cache ${key}: ${join(src, `${base}.bin`)} does not match its sha256 or size; rerun slice ` +
          `${owner[s]!.record.slice.index}/${owner[s]!.record.slice.count} (it extracts only damaged shards).`,
      );
    metas.push(meta);
  }
  hooks.onProgress?.(numShards, numShards);
  const seen = new Uint8Array(header.numExamples);
  let tokens = 0;
  for (const m of metas)
    for (const e of m.examples) {
      if (!(e.index >= 0 && e.index < header.numExamples) || seen[e.index]++)
        throw new ProbescopeError('CACHE_DAMAGED', `Cache ${key}: example ${e.index} is listed twice or out of range.`);
      tokens += e.length;
    }
  const absent = seen.indexOf(0);
  if (absent >= 0) throw new ProbescopeError('CACHE_DAMAGED', `Cache ${key}: no shard holds example ${absent}.`);
  if (tokens !== header.totalTokens)
    throw new ProbescopeError(
      'CACHE_DAMAGED',
      `Cache ${key}: shards hold ${tokens} tokens, the slices say ${header.totalTokens}.`,
    );
  await writeFileAtomicClean(join(dest, 'index.json'), JSON.stringify(assembleIndex(header, metas)));
  const bytes = metas.reduce((a, m) => a + m.bytes, 0);
  hooks.onLog?.(`Merged ${slices.length} slices (${numShards} shards, ${header.numExamples} examples) into ${dest}.`);
  return {
    dir: dest,
    key,
    slices: slices.length,
    shards: numShards,
    examples: header.numExamples,
    tokens,
    bytes,
    copiedShards: copied,
  };
}

async function readShardMeta(path: string, key: string, shard: number): Promise<ShardMeta> {
  let meta: ShardMeta;
  try {
    meta = JSON.parse(await readRegularText(path, { maxBytes: SMALL_JSON_LIMIT * 64 })) as ShardMeta;
  } catch (err) {
    throw new ProbescopeError('CACHE_DAMAGED', `${path} is unreadable (${(err as Error).message}).`);
  }
  if (
    meta?.format !== CACHE_FORMAT ||
    meta.key !== key ||
    meta.shard !== shard ||
    !Array.isArray(meta.examples) ||
    (meta.dtype !== undefined && meta.dtype !== 'float32' && meta.dtype !== 'float16')
  )
    throw new ProbescopeError('CACHE_DAMAGED', `${path} is not shard ${shard} of cache ${key}.`);
  return meta;
}

async function copyAtomic(from: string, to: string): Promise<void> {
  const tmp = `${to}.${process.pid}.tmp`;
  try {
    await copyFile(from, tmp);
    await rename(tmp, to);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw fsError(err, to, `copy ${from} to`);
  }
}
