/** What identifies an activation cache: same model, layers, tokenizer, max length, dataset and dtype = same states. */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { LayerSpec } from '../../protocol/types';
import { CACHE_FORMAT, type CacheDtype } from './shardFormat';

export interface CacheKeyParts {
  modelHash: string;
  layers: LayerSpec[];
  tokenizerHash: string;
  maxLength: number;
  datasetHash: string;
  dtype: CacheDtype;
}

export function cacheKey(parts: CacheKeyParts): string {
  return createHash('sha256')
    .update(JSON.stringify({ format: CACHE_FORMAT, ...parts }))
    .digest('hex')
    .slice(0, 32);
}

/** sha256 of the texts, each length-prefixed so ["ab","c"] and ["a","bc"] differ. */
export function hashTexts(texts: string[]): string {
  const h = createHash('sha256');
  for (const t of texts) h.update(`${t.length}:`).update(t);
  return h.digest('hex');
}

export async function hashFile(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}
