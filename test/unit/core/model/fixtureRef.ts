/** Shared helpers for tests that compare extracted states with the fixtures' reference.json. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURES = join(__dirname, '../../../fixtures');
export const MODELS = ['tiny-gemma2', 'tiny-gemma3'] as const;

export interface RefCase {
  name: string;
  text: string;
  input_ids: number[];
  attention_mask: number[];
  position_ids: number[];
  hidden_states: number[][][];
  final_norm_hidden_state: number[][];
  logits_last: number[];
}

export interface Reference {
  num_hidden_layers: number;
  hidden_size: number;
  cases: RefCase[];
  padded_batch: {
    texts: string[];
    input_ids: number[][];
    attention_mask: number[][];
    position_ids: number[][];
    hidden_states: number[][][][];
    final_norm_hidden_state: number[][][];
  };
}

const cache = new Map<string, Reference>();
export function reference(model: string): Reference {
  let r = cache.get(model);
  if (!r) {
    r = JSON.parse(readFileSync(join(FIXTURES, model, 'reference.json'), 'utf8')) as Reference;
    cache.set(model, r);
  }
  return r;
}

/** Max |a - b| over rows (b given as [seq][hidden]); fails loudly on a shape mismatch. */
export function maxAbsDiff(a: Float32Array, rows: number[][]): number {
  const flat = rows.flat();
  if (a.length !== flat.length) throw new Error(`length ${a.length} != expected ${flat.length}`);
  let m = 0;
  for (let i = 0; i < flat.length; i++) m = Math.max(m, Math.abs(a[i] - flat[i]));
  return m;
}
