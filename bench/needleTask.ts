/**
 * The synthetic "needle" task the probe benches train on: Gaussian token states (n examples × s tokens × d), and in
 * each example `keys` random tokens carry a marker direction (scale 4, so attention can find them) plus ± a class
 * direction (scale `classScale`, the label's sign). Labels alternate 0, 1. Deterministic in `seed`.
 */
import type { Example } from '../src/core/probes/batches';
import { createRng } from '../src/core/probes/rng';

export function needleTask(p: { n: number; s: number; d: number; keys: number; classScale: number; seed: number }): {
  examples: Example[];
  labels: string[];
} {
  const { n, s, d, keys, classScale } = p;
  const rng = createRng(p.seed);
  const unit = () => {
    const v = Float32Array.from({ length: d }, () => rng.normal());
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  };
  const marker = unit();
  const classDir = unit();
  const examples: Example[] = [];
  const labels: string[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const x = Float32Array.from({ length: s * d }, () => rng.normal());
    const sign = label === 1 ? 1 : -1;
    for (let k = 0; k < keys; k++) {
      const t = rng.int(s);
      for (let j = 0; j < d; j++) x[t * d + j] += 4 * marker[j] + classScale * sign * classDir[j];
    }
    examples.push({ x, length: s, label });
    labels.push(String(label));
  }
  return { examples, labels };
}
