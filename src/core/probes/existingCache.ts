/**
 * Training from an activation cache that is already on disk (`train --cache DIR`; e.g. merged from cluster slices by
 * `probescope cache merge`) without the model folder. What is checked before any state is read:
 *   - the index's shape (cacheIntegrity.ts indexProblems) and every shard's size and sha256 (read through once per
 *     process; a damaged cache is refused, never modified: it may be the only copy);
 *   - the dataset: sha256 of the texts training would cache (hashTexts, in order) = the index's datasetHash;
 *   - the layer is cached; --max-length, when given, is the cache's;
 *   - the model, when a folder is given: its content hash (model/modelHash.ts) and tokenizer files' hash = the cache's.
 */
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { LayerSpec } from '../../protocol/types';
import { ActivationCache } from '../activations/activationCache';
import { indexProblems, readIndex, shardIntact } from '../activations/cacheIntegrity';
import { hashTextSource, hashTokenizerFiles } from '../activations/cacheKey';
import type { TextSource } from '../data/textSource';
import type { CacheDtype, CacheIndex } from '../activations/shardFormat';
import { ProbescopeError, throwIfAborted } from '../errors';
import { resolveModelFolder } from '../model/modelFolder';
import { readdir } from 'node:fs/promises';

export interface ExistingCache {
  cache: ActivationCache;
  /** The model the cache was extracted with (from the index; dir only when a model folder was given). */
  model: { id: string; hash: string; dir?: string; numLayers: number };
  /** The cache's truncation length in tokens. */
  maxLength: number;
}

/** Cache folders (with index.json) at `path`: the folder itself, or each <path>/activations/<key>. */
async function candidates(path: string): Promise<string[]> {
  if (await stat(join(path, 'index.json')).catch(() => undefined)) return [path];
  const root = join(path, 'activations');
  const subs = await readdir(root).catch(() => [] as string[]);
  const out: string[] = [];
  for (const s of subs.sort())
    if (await stat(join(root, s, 'index.json')).catch(() => undefined)) out.push(join(root, s));
  return out;
}

/**
 * Opens the cache at `cachePath` for training `texts` at `layer`. BAD_ARGUMENT when there is no cache there or it was
 * built from other texts, another layer set, another max length or another model (each message says which and what
 * to do); CACHE_DAMAGED when a shard's sha256 differs.
 */
export async function openExistingCache(
  cachePath: string,
  want: { texts: string[] | TextSource; layer: LayerSpec; maxLength?: number; dtype?: CacheDtype; modelDir?: string },
  hooks: { onLog?(m: string): void; signal?: AbortSignal } = {},
): Promise<ExistingCache> {
  // Two steps, so the parsed index.json (its example list costs ~100 bytes an example as JS arrays) is unreachable
  // once the cache holds the list as typed columns, before the checksum pass reads every shard.
  const { found, shards, shardSums } = await openMatching(cachePath, want);
  const dir = found.cache.dir;
  try {
    hooks.onLog?.(`Checking the activation cache ${dir} (sha256 per shard)…`);
    for (const [s, sum] of shardSums.entries()) {
      throwIfAborted(hooks.signal);
      if (!(await shardIntact(join(dir, shards[s]), sum.bytes, sum.sha256)))
        throw new ProbescopeError(
          'CACHE_DAMAGED',
          `Activation cache shard ${join(dir, shards[s])} is damaged (size or sha256 differs). Run ` +
            `\`probescope cache verify --cache-dir ${resolve(dir, '..', '..')}\`; rebuild or re-merge the cache.`,
        );
    }
  } catch (err) {
    found.cache.close();
    throw err;
  }
  return found;
}

/** openExistingCache up to the checksum pass: the matching cache, opened, and its shard list. */
async function openMatching(
  cachePath: string,
  want: { texts: string[] | TextSource; layer: LayerSpec; maxLength?: number; dtype?: CacheDtype; modelDir?: string },
): Promise<{ found: ExistingCache; shards: string[]; shardSums: CacheIndex['shardSums'] }> {
  const path = resolve(cachePath);
  const dirs = await candidates(path);
  if (dirs.length === 0)
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      `--cache ${path} holds no complete activation cache (no index.json; slices of a cluster run need ` +
        `\`probescope cache merge\` first).`,
    );
  const datasetHash = await hashTextSource(want.texts);
  const count = Array.isArray(want.texts) ? want.texts.length : (want.texts as TextSource).count;
  const indexes: { dir: string; index: CacheIndex }[] = [];
  for (const dir of dirs) {
    const { index } = await readIndex(dir);
    if (index) indexes.push({ dir, index });
  }
  const sameData = indexes.filter((x) => x.index.datasetHash === datasetHash);
  if (sameData.length === 0)
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      `The activation cache at ${path} was built from other texts than this dataset's ${count} ` +
        `(cache: ${indexes.map((x) => `${x.index.numExamples} examples`).join(', ') || 'unreadable index'}). Use the same ` +
        'data file, text field and (for train) the rows that have a label, in the same order.',
    );
  const withLayer = sameData.filter((x) => x.index.layers.includes(want.layer));
  if (withLayer.length === 0)
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      `The activation cache at ${path} holds layers ${sameData[0].index.layers.join(',')}, not ${want.layer}.`,
    );
  const sameLength = withLayer.filter((x) => want.maxLength === undefined || x.index.maxLength === want.maxLength);
  if (sameLength.length === 0)
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      `The activation cache at ${path} truncates at ${withLayer[0].index.maxLength} tokens, not --max-length ${want.maxLength}.`,
    );
  // --dtype picks among caches of the same data; without it, the cache's own dtype is used.
  const pick = sameLength.find((x) => want.dtype === undefined || x.index.dtype === want.dtype);
  if (!pick)
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      `The activation cache at ${path} holds ${sameLength[0].index.dtype} states, not --dtype ${want.dtype}; leave ` +
        '--dtype out to train on it, or extract one with that dtype.',
    );
  const { dir, index } = pick;
  const problems = indexProblems(index, { numExamples: count });
  if (problems.length)
    throw new ProbescopeError(
      'CACHE_DAMAGED',
      `The activation cache index ${join(dir, 'index.json')} is damaged (${problems[0]}); rebuild or re-merge it.`,
    );
  let modelDir: string | undefined;
  let numLayers = index.model.numLayers;
  if (want.modelDir) {
    const folder = await resolveModelFolder(want.modelDir);
    if (folder.hash !== index.model.hash)
      throw new ProbescopeError(
        'BAD_ARGUMENT',
        `The activation cache at ${dir} was extracted with another model (${index.model.id}, hash ` +
          `${index.model.hash.slice(0, 12)}…) than --model ${folder.dir} (hash ${folder.hash.slice(0, 12)}…).`,
      );
    if ((await hashTokenizerFiles(folder.dir)) !== index.tokenizerHash)
      throw new ProbescopeError(
        'BAD_ARGUMENT',
        `The activation cache at ${dir} was tokenized with other tokenizer files than those of --model ${folder.dir}.`,
      );
    modelDir = folder.dir;
    numLayers = folder.config.numLayers;
  }
  if (numLayers === undefined)
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      `The activation cache at ${dir} does not record the model's layer count (an older cache): give --model.`,
    );
  const cache = await ActivationCache.open(dir, undefined, { key: index.key }, index);
  return {
    found: {
      cache,
      model: { id: index.model.id, hash: index.model.hash, ...(modelDir ? { dir: modelDir } : {}), numLayers },
      maxLength: index.maxLength,
    },
    shards: index.shards,
    shardSums: index.shardSums,
  };
}
