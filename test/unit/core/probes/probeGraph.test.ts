import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { DataType, encodeModel } from '../../../../src/core/onnx/proto';
import { buildProbeGraph } from '../../../../src/core/probes/probeGraph';
import { ProbeComputer } from '../../../../src/core/probes/probeComputer';
import { flattenParams, initProbeParams, unflattenParams } from '../../../../src/core/probes/probeParams';
import type { ProbeBatch, ProbeParams } from '../../../../src/core/probes/probeParams';
import { createRng } from '../../../../src/core/probes/rng';

const computers: ProbeComputer[] = [];
after(async () => {
  for (const c of computers) await c.dispose();
});
async function computer(H: number, C: number, D: number): Promise<ProbeComputer> {
  const c = await ProbeComputer.create({ H, C, D });
  computers.push(c);
  return c;
}

function randomCase(
  H: number,
  C: number,
  B: number,
  S: number,
  D: number,
  seed: number,
): { p: ProbeParams; batch: ProbeBatch } {
  const rng = createRng(seed);
  const p = initProbeParams(H, C, D, rng);
  p.q.forEach((_, i) => (p.q[i] = rng.normal() * 0.5));
  p.w.forEach((_, i) => (p.w[i] = rng.normal() * 0.2));
  const x = Float32Array.from({ length: B * S * D }, () => rng.normal());
  const mask = new Float32Array(B * S);
  for (let b = 0; b < B; b++) mask.fill(1, b * S, b * S + 1 + rng.int(S));
  const labels = Float32Array.from({ length: B }, () => rng.int(C === 1 ? 2 : C));
  return { p, batch: { B, S, D, x, mask, labels } };
}

describe('buildProbeGraph', () => {
  it('declares parameters as graph inputs (never initializers) at opset 17, in the requested float type', () => {
    for (const [dtype, elem] of [
      ['float32', DataType.FLOAT],
      ['float64', DataType.DOUBLE],
    ] as const) {
      const m = buildProbeGraph({ H: 4, C: 3, D: 8, dtype, withGrad: true });
      assert.ok(Number(m.opsetImport[0]!.version) >= 17);
      const inputs = m.graph!.input.map((i) => i.name);
      assert.deepEqual(inputs, ['x', 'mask', 'labels', 'q', 'w', 'V', 'b']);
      const inits = new Set(m.graph!.initializer.map((t) => t.name));
      for (const name of inputs) assert.ok(!inits.has(name), `${name} must not be an initializer`);
      for (const i of m.graph!.input) {
        assert.equal(i.type!.value.case, 'tensorType');
        assert.equal((i.type!.value.value as { elemType: number }).elemType, elem);
      }
      assert.deepEqual(
        m.graph!.output.map((o) => o.name),
        ['loss', 'logits', 'dq', 'dw', 'dV', 'db'],
      );
    }
    const fwd = buildProbeGraph({ H: 4, C: 3, D: 8, dtype: 'float32', withGrad: false });
    assert.deepEqual(
      fwd.graph!.input.map((i) => i.name),
      ['x', 'mask', 'q', 'w', 'V', 'b'],
    );
    assert.deepEqual(
      fwd.graph!.output.map((o) => o.name),
      ['logits', 'attention'],
    );
  });

  it('runs in ORT CPU in float64 as well as float32, with the same results to float32 precision', async () => {
    const { p, batch } = randomCase(3, 2, 5, 6, 8, 4);
    const results: Record<string, Float64Array>[] = [];
    for (const dtype of ['float32', 'float64'] as const) {
      const session = await ort.InferenceSession.create(
        encodeModel(buildProbeGraph({ H: 3, C: 2, D: 8, dtype, withGrad: true })),
      );
      const A = dtype === 'float32' ? Float32Array : Float64Array;
      const t = (a: Float32Array, dims: number[]) => new ort.Tensor(dtype, A.from(a), dims);
      const r = await session.run({
        x: t(batch.x, [5, 6, 8]),
        mask: t(batch.mask, [5, 6]),
        labels: t(batch.labels, [5]),
        q: t(p.q, [3, 8]),
        w: t(p.w, [3]),
        V: t(p.V, [6, 8]),
        b: t(p.b, [6]),
      });
      await session.release();
      results.push(
        Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Float64Array.from(v.data as Float32Array)])),
      );
    }
    for (const k of ['loss', 'logits', 'dq', 'dw', 'dV', 'db']) {
      const [a, b] = [results[0]![k]!, results[1]![k]!];
      a.forEach((v, i) =>
        assert.ok(Math.abs(v - b[i]!) <= 1e-5 * Math.max(1, Math.abs(b[i]!)), `${k}[${i}] ${v} vs ${b[i]}`),
      );
    }
  });
});

describe('ProbeComputer', () => {
  it('forward() gives the logits of lossAndGrad() and attention [B,S,H] that is a distribution over valid tokens', async () => {
    const { p, batch } = randomCase(4, 3, 6, 9, 16, 9);
    const pc = await computer(4, 3, 16);
    const fwd = await pc.forward(p, batch);
    const train = await pc.lossAndGrad(p, batch);
    assert.equal(fwd.logits.length, 6 * 3);
    assert.equal(fwd.attention.length, 6 * 9 * 4);
    // Mean cross-entropy recomputed from forward()'s logits equals lossAndGrad()'s loss.
    let loss = 0;
    for (let b = 0; b < 6; b++) {
      const z = [...fwd.logits.subarray(b * 3, b * 3 + 3)];
      const lse = Math.log(z.reduce((s, v) => s + Math.exp(v), 0));
      loss += lse - z[batch.labels[b]!]!;
    }
    assert.ok(Math.abs(loss / 6 - train.loss) < 1e-5);
    assert.deepEqual(train.logits, fwd.logits);
    for (let b = 0; b < 6; b++) {
      for (let h = 0; h < 4; h++) {
        let sum = 0;
        for (let t = 0; t < 9; t++) {
          const a = fwd.attention[(b * 9 + t) * 4 + h]!;
          if (batch.mask[b * 9 + t] === 0) assert.equal(a, 0);
          sum += a;
        }
        assert.ok(Math.abs(sum - 1) < 1e-5);
      }
    }
  });

  it('with one token per row (mean/last-token probe) is a linear model: logit = Σ_h V_h·x + b_h, dq = dw = 0', async () => {
    const { p, batch } = randomCase(2, 1, 7, 1, 5, 21);
    batch.mask.fill(1);
    const pc = await computer(2, 1, 5);
    const r = await pc.lossAndGrad(p, batch);
    let loss = 0;
    const dV = new Float64Array(5);
    let db = 0;
    for (let b = 0; b < 7; b++) {
      let z = p.b[0]! + p.b[1]!;
      for (let d = 0; d < 5; d++) z += (p.V[d]! + p.V[5 + d]!) * batch.x[b * 5 + d]!;
      const y = batch.labels[b]!;
      loss += Math.log1p(Math.exp(-Math.abs(z))) + Math.max(z, 0) - y * z;
      const g = (1 / (1 + Math.exp(-z)) - y) / 7;
      for (let d = 0; d < 5; d++) dV[d]! += g * batch.x[b * 5 + d]!;
      db += g;
    }
    assert.ok(Math.abs(r.loss - loss / 7) < 1e-6);
    assert.ok(r.grad.q.every((v) => Math.abs(v) < 1e-7) && r.grad.w.every((v) => Math.abs(v) < 1e-7));
    for (let h = 0; h < 2; h++) {
      for (let d = 0; d < 5; d++) assert.ok(Math.abs(r.grad.V[h * 5 + d]! - dV[d]!) < 1e-6);
      assert.ok(Math.abs(r.grad.b[h]! - db) < 1e-6);
    }
  });

  it('keeps loss and gradients finite when attention logits and outputs are huge (stable softmax and BCE)', async () => {
    for (const C of [1, 3]) {
      const { p, batch } = randomCase(2, C, 4, 12, 8, 33);
      p.q.forEach((v, i) => (p.q[i] = v * 1e3));
      p.w.fill(50);
      p.V.forEach((v, i) => (p.V[i] = v * 1e3));
      const pc = await computer(2, C, 8);
      const r = await pc.lossAndGrad(p, batch);
      assert.ok(Number.isFinite(r.loss) && r.loss > 1, `loss ${r.loss}`);
      for (const g of [r.grad.q, r.grad.w, r.grad.V, r.grad.b]) assert.ok(g.every(Number.isFinite));
    }
  });

  it('reads x from a subarray view (chunks of a larger buffer) exactly as from a copy', async () => {
    const { p, batch } = randomCase(2, 1, 3, 4, 8, 12);
    const big = new Float32Array(100 + batch.x.length).fill(7);
    big.set(batch.x, 100);
    const pc = await computer(2, 1, 8);
    const fromView = await pc.lossAndGrad(p, { ...batch, x: big.subarray(100) });
    const fromCopy = await pc.lossAndGrad(p, batch);
    assert.equal(fromView.loss, fromCopy.loss);
    assert.deepEqual(fromView.grad, fromCopy.grad);
  });

  it('rejects parameters or batches of the wrong shape with a message that names the mismatch', async () => {
    const pc = await computer(2, 1, 8);
    const { p, batch } = randomCase(2, 1, 3, 4, 8, 1);
    await assert.rejects(pc.lossAndGrad(initProbeParams(3, 1, 8, createRng(1)), batch), /H=3.*H=2/);
    await assert.rejects(pc.lossAndGrad(p, { ...batch, D: 16, x: new Float32Array(3 * 4 * 16) }), /d_model 16/);
    await assert.rejects(pc.lossAndGrad(p, { ...batch, mask: new Float32Array(5) }), /mask has 5 values, expected 12/);
  });
});

describe('flattenParams / unflattenParams', () => {
  it('round-trip q, w, V, b in that order', () => {
    const p = initProbeParams(2, 3, 4, createRng(2));
    p.q.fill(0.5);
    p.w.fill(-1);
    const flat = flattenParams(p);
    assert.equal(flat.length, 8 + 2 + 24 + 6);
    assert.equal(flat[0], 0.5);
    assert.equal(flat[8], -1);
    assert.equal(flat[10], p.V[0]);
    assert.deepEqual(unflattenParams(flat, 2, 3, 4), p);
    assert.throws(() => unflattenParams(flat.subarray(1), 2, 3, 4), /expected 40/);
  });
});
