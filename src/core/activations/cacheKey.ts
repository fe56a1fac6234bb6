/**
 * What identifies an activation cache: every input that changes a stored state. Same key = same states.
 *   modelHash      the weights by content (model/modelHash.ts: .onnx bytes + each data file's Hub sha256 or samples)
 *   tokenizerHash  sha256 of every file that decides the token ids, present ones by content, absent ones by name:
 *                  tokenizer.json, tokenizer_config.json (the BOS rule add_bos_token, bos/pad tokens, the chat
 *                  template), special_tokens_map.json, chat_template.jinja / .json, and config.json (its bos/pad ids
 *                  are the fallback of the BOS rule; it also fixes hidden size and layer count)
 *   maxLength      truncation in tokens;  dtype  float32 | float16;  padding  left | right (batching side)
 *   graph          the .onnx file used (relative path) and the residual-tap scheme (TAP_SCHEME)
 *   layers, datasetHash (the texts, in order)
 * `baseKey` is the same without the layers: a cache with more layers but the same base serves fewer layers.
 */
import { createHash } from 'node:crypto';
import type { TextSource } from '../data/textSource';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayerSpec } from '../../protocol/types';
import { hashRegularFile } from '../storage';
import { CACHE_FORMAT, type CacheDtype } from './shardFormat';

/** Version of how residual states are tapped (layer L = residual after block L); bump when that changes. */
export const TAP_SCHEME = 'residual-post-block/1';

export interface CacheKeyParts {
  modelHash: string;
  layers: LayerSpec[];
  tokenizerHash: string;
  maxLength: number;
  datasetHash: string;
  dtype: CacheDtype;
  padding: 'left' | 'right';
  graph: { onnxFile: string; taps: string };
  /** Pooled caches only (pooledCache.ts); absent for token caches so their keys are unchanged. */
  pooling?: 'mean' | 'last' | 'mean+last';
}

export function cacheKey(parts: CacheKeyParts): string {
  return digest({ format: CACHE_FORMAT, ...parts });
}

/** The key without the layers (caches of the same inputs with other layer sets share it). */
export function cacheBaseKey(parts: CacheKeyParts): string {
  const { layers: _layers, ...rest } = parts;
  return digest({ format: CACHE_FORMAT, ...rest });
}

function digest(o: object): string {
  return createHash('sha256').update(JSON.stringify(o)).digest('hex').slice(0, 32);
}

/** sha256 of the texts, each length-prefixed so ["ab","c"] and ["a","bc"] differ. */
export function hashTexts(texts: string[]): string {
  const h = createHash('sha256');
  for (const t of texts) h.update(`${t.length}:`).update(t);
  return h.digest('hex');
}

/** hashTexts of a TextSource's texts, streamed (the same hex digest as hashTexts on them as an array). */
export async function hashTextSource(source: TextSource | readonly string[]): Promise<string> {
  if (Array.isArray(source)) return hashTexts(source as string[]);
  const h = createHash('sha256');
  await (source as TextSource).scan((texts) => {
    for (const t of texts) h.update(`${t.length}:`).update(t);
  });
  return h.digest('hex');
}

/** Files that change token ids or the BOS rule (see the header); absent ones count by name. */
export const TOKENIZER_FILES = [
  'config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'chat_template.jinja',
  'chat_template.json',
];

/** sha256 over the tokenizer files present in the model folder (name + content hash of each). */
export async function hashTokenizerFiles(modelDir: string): Promise<string> {
  const h = createHash('sha256');
  for (const name of TOKENIZER_FILES) {
    const path = join(modelDir, name);
    const present = await stat(path).then(
      () => true,
      () => false,
    );
    const fileHash = present
      ? await hashRegularFile(path, { maxBytes: 2 ** 30, what: name, code: 'MODEL_INVALID' })
      : 'absent';
    h.update(`${name}:${fileHash}\n`);
  }
  return h.digest('hex');
}
