/** Random probe batches for the probe-step benches (a module of its own: bench files run themselves when main). */
import type { ProbeBatch } from '../src/core/probes/probeParams';
import { createRng } from '../src/core/probes/rng';

/** x uniform in [-1, 1), right-padded masks of random valid length 1..S, random 0/1 labels; deterministic per seed. */
export function randomBatch(B: number, S: number, D: number, seed: number): ProbeBatch {
  const rng = createRng(seed);
  const x = new Float32Array(B * S * D);
  for (let i = 0; i < x.length; i++) x[i] = rng.next() * 2 - 1;
  const mask = new Float32Array(B * S);
  const labels = new Float32Array(B);
  for (let b = 0; b < B; b++) {
    const len = 1 + rng.int(S); // right padding, like the extractor
    mask.fill(1, b * S, b * S + len);
    labels[b] = rng.int(2);
  }
  return { B, S, D, x, mask, labels };
}
