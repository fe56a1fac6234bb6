import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { encodeModel } from '../../../../src/core/onnx/proto';
import { buildProbeGraph } from '../../../../src/core/probes/probeGraph';
import { createRng } from '../../../../src/core/probes/rng';

// Central finite differences on the float64 graph: every entry of q, w, V and b.
const B = 3;
const S = 5;
const D = 4;
const lengths = [5, 3, 1]; // right padding, like the extractor and the reference
const STEP = 1e-6;
const TOL = 1e-4; // relative error

type Params = Record<'q' | 'w' | 'V' | 'b', Float64Array>;
const sessions: ort.InferenceSession[] = [];
after(async () => {
  for (const s of sessions) await s.release();
});

function problem(H: number, C: number, seed: number) {
  const rng = createRng(seed);
  const randn = (n: number, scale: number) => Float64Array.from({ length: n }, () => rng.normal() * scale);
  // Padded positions hold non-zero values: they must not leak into the loss or the gradients.
  const x = randn(B * S * D, 1);
  const mask = new Float64Array(B * S);
  lengths.forEach((len, b) => mask.fill(1, b * S, b * S + len));
  const labels = Float64Array.from(C === 1 ? [0, 1, 1] : [0, 2, 1]);
  const params: Params = { q: randn(H * D, 0.7), w: randn(H, 0.3), V: randn(H * C * D, 0.5), b: randn(H * C, 0.5) };
  const shapes = { q: [H, D], w: [H], V: [H * C, D], b: [H * C] };
  return { x, mask, labels, params, shapes };
}

describe('probe graph gradients agree with central finite differences (float64, padded batch)', () => {
  for (const [name, H, C] of [
    ['binary BCE', 3, 1],
    ['3-class cross-entropy', 2, 3],
  ] as const) {
    it(`${name}, H=${H}: every entry of q, w, V and b within relative error 1e-4`, async () => {
      const session = await ort.InferenceSession.create(
        encodeModel(buildProbeGraph({ H, C, D, dtype: 'float64', withGrad: true })),
      );
      sessions.push(session);
      const pb = problem(H, C, 17 + H);
      const run = async (params: Params) => {
        const feeds: Record<string, ort.Tensor> = {
          x: new ort.Tensor('float64', pb.x, [B, S, D]),
          mask: new ort.Tensor('float64', pb.mask, [B, S]),
          labels: new ort.Tensor('float64', pb.labels, [B]),
        };
        for (const k of ['q', 'w', 'V', 'b'] as const) feeds[k] = new ort.Tensor('float64', params[k], pb.shapes[k]);
        return session.run(feeds);
      };
      const base = await run(pb.params);
      assert.equal(base.loss!.type, 'float64');
      let worst = 0;
      let checked = 0;
      for (const [k, gradName] of [
        ['q', 'dq'],
        ['w', 'dw'],
        ['V', 'dV'],
        ['b', 'db'],
      ] as const) {
        const analytic = base[gradName]!.data as Float64Array;
        assert.equal(analytic.length, pb.params[k].length);
        for (let i = 0; i < analytic.length; i++) {
          const plus = { ...pb.params, [k]: Float64Array.from(pb.params[k]) };
          const minus = { ...pb.params, [k]: Float64Array.from(pb.params[k]) };
          plus[k][i]! += STEP;
          minus[k][i]! -= STEP;
          const lp = ((await run(plus)).loss!.data as Float64Array)[0]!;
          const lm = ((await run(minus)).loss!.data as Float64Array)[0]!;
          const numeric = (lp - lm) / (2 * STEP);
          const rel = Math.abs(numeric - analytic[i]!) / Math.max(Math.abs(numeric), Math.abs(analytic[i]!), 1e-8);
          worst = Math.max(worst, rel);
          checked++;
          assert.ok(
            rel <= TOL,
            `${name} d${k}[${i}]: analytic ${analytic[i]} vs numeric ${numeric} (relative error ${rel})`,
          );
        }
      }
      assert.equal(checked, H * D + H + H * C * D + H * C);
      console.log(`  ${name}: ${checked} entries, worst relative error ${worst.toExponential(2)}`);
    });
  }
});
