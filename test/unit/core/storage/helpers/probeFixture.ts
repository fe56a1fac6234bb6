/** A small valid probe (params + manifest) for the data-safety tests. */
import type { ProbeManifest } from '../../../../../src/protocol/types';

export function probeParams(H: number, seed: number) {
  const D = 8;
  const r = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed * 7.1 + n));
  return { H, C: 1, D, q: r(H * D), w: r(H), V: r(H * D), b: r(H) };
}

export function probeManifest(name: string, H: number): ProbeManifest {
  return {
    format: 'probescope-probe/1',
    name,
    model: { id: 'tiny', hash: 'abc123', hiddenSize: 8, numLayers: 4 },
    layer: 2,
    probe: 'attention',
    heads: H,
    classes: ['0', '1'],
    metrics: {},
    training: {},
    createdAt: new Date(0).toISOString(),
  };
}
