/**
 * A synthetic activation cache (random float32 token states, no model) and its dataset, for the scale bench: written
 * with the cache's own shard writer and index assembly, so `train --cache` (trainProbeRun with cachePath) reads it as
 * it would a merged cluster cache.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashTexts } from '../src/core/activations/cacheKey';
import { writeFileAtomicClean, writeShard } from '../src/core/activations/shardFiles';
import { CACHE_FORMAT, type ShardMeta } from '../src/core/activations/shardFormat';
import { assembleIndex } from '../src/core/activations/shardSlice';
import type { LayerSpec } from '../src/protocol/types';

export const SYNTH_LAYER = 2;

/** Writes `n` examples of `tokens` tokens × `D` into `dir` (shards of ~shardBytes) and `dir`.jsonl; returns paths. */
export async function writeSyntheticCache(
  dir: string,
  n: number,
  tokens: number,
  D: number,
  shardBytes = 64 * 2 ** 20,
): Promise<{ cacheDir: string; dataPath: string; bytes: number }> {
  const texts = Array.from({ length: n }, (_, i) => `synthetic example ${i}`);
  const labels = texts.map((_, i) => i % 2);
  const dataPath = `${dir}.jsonl`;
  await writeFile(dataPath, texts.map((text, i) => JSON.stringify({ text, label: labels[i] })).join('\n') + '\n');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(dir, { recursive: true });
  const layers: LayerSpec[] = [SYNTH_LAYER];
  const perExample = Math.max(1, Math.floor(shardBytes / (tokens * D * 4)));
  const metas: ShardMeta[] = [];
  let seed = 7;
  const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  for (let start = 0, s = 0; start < n; start += perExample, s++) {
    const ids = Array.from({ length: Math.min(perExample, n - start) }, (_, j) => start + j);
    const states = ids.map((i) => {
      const x = new Float32Array(tokens * D);
      for (let k = 0; k < x.length; k++) x[k] = rand() + (k % D === 0 ? labels[i] - 0.5 : 0);
      return new Map<LayerSpec, Float32Array>([[SYNTH_LAYER, x]]);
    });
    metas.push(await writeShard(dir, s, 'synthetic', ids, states, layers, D, 'float32', new Array(n).fill(false)));
  }
  const index = assembleIndex(
    {
      format: CACHE_FORMAT,
      key: 'synthetic',
      baseKey: 'synthetic',
      model: { id: 'synthetic', hash: 'synthetic', numLayers: 4 },
      tokenizerHash: 'synthetic',
      datasetHash: hashTexts(texts),
      layers,
      hiddenSize: D,
      dtype: 'float32',
      maxLength: 512,
      numExamples: n,
      totalTokens: n * tokens,
      kind: 'tokens',
      sourceTokens: n * tokens,
    },
    metas,
  );
  await writeFileAtomicClean(join(dir, 'index.json'), JSON.stringify(index));
  return { cacheDir: dir, dataPath, bytes: n * tokens * D * 4 };
}
