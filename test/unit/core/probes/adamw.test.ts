import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdamW } from '../../../../src/core/probes/adamw';

/** torch.optim.AdamW written out as in its documentation (textbook form, not the implementation under test). */
function torchAdamW(
  p0: number[],
  grads: number[][],
  lr: number,
  wd: number,
  b1 = 0.9,
  b2 = 0.999,
  eps = 1e-8,
): number[][] {
  const p = [...p0];
  const m = p0.map(() => 0);
  const v = p0.map(() => 0);
  const out: number[][] = [];
  grads.forEach((g, k) => {
    const t = k + 1;
    for (let i = 0; i < p.length; i++) {
      p[i] = p[i]! - lr * wd * p[i]!;
      m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
      v[i] = b2 * v[i]! + (1 - b2) * g[i]! ** 2;
      const mHat = m[i]! / (1 - b1 ** t);
      const vHat = v[i]! / (1 - b2 ** t);
      p[i] = p[i]! - (lr * mHat) / (Math.sqrt(vHat) + eps);
    }
    out.push([...p]);
  });
  return out;
}

describe('AdamW', () => {
  it('three steps match the torch.optim.AdamW update (decoupled decay, bias correction) to 1e-14', () => {
    const p0 = [1, -2, 0.5, 0];
    const grads = [
      [0.5, -0.3, 0.2, 1e-3],
      [-0.1, 0.4, 0.25, -2],
      [0.3, 0.3, -0.7, 0.5],
    ];
    for (const wd of [0, 0.01]) {
      const want = torchAdamW(p0, grads, 0.1, wd);
      const opt = new AdamW({ lr: 0.1, weightDecay: wd });
      const params = Float64Array.from(p0);
      grads.forEach((g, k) => {
        opt.step(params, Float64Array.from(g));
        for (let i = 0; i < p0.length; i++)
          assert.ok(
            Math.abs(params[i]! - want[k]![i]!) < 1e-14,
            `wd ${wd} step ${k + 1} param ${i}: ${params[i]} vs ${want[k]![i]}`,
          );
      });
      assert.equal(opt.steps, 3);
    }
  });

  it('the first step moves each parameter by lr·sign(g) (minus decay) whatever the gradient scale', () => {
    const opt = new AdamW({ lr: 0.01, weightDecay: 0.1 });
    const params = Float64Array.from([1, 1, 1]);
    opt.step(params, Float64Array.from([1e-3, -50, 7]));
    const decayed = 1 - 0.01 * 0.1;
    assert.ok(Math.abs(params[0]! - (decayed - 0.01)) < 1e-7);
    assert.ok(Math.abs(params[1]! - (decayed + 0.01)) < 1e-9);
    assert.ok(Math.abs(params[2]! - (decayed - 0.01)) < 1e-9);
  });

  it('honours custom betas and eps, and a learning rate changed between steps', () => {
    const opt = new AdamW({ lr: 0.1, betas: [0.5, 0.9], eps: 1e-3 });
    const params = Float64Array.from([0]);
    opt.step(params, Float64Array.from([2]));
    opt.lr = 0.05;
    opt.step(params, Float64Array.from([1]));
    // step 1: m = 1, v = 0.4, m̂ = 2, v̂ = 4; step 2: m = 0.5·1 + 0.5·1 = 1, v = 0.9·0.4 + 0.1·1 = 0.46
    const s1 = -0.1 * (2 / (2 + 1e-3));
    const s2 = (-0.05 * (1 / 0.75)) / (Math.sqrt(0.46 / 0.19) + 1e-3);
    assert.ok(Math.abs(params[0]! - (s1 + s2)) < 1e-14, `${params[0]} vs ${s1 + s2}`);
  });

  it('minimises a badly scaled quadratic', () => {
    const scales = [1, 100, 0.01];
    const target = [3, -1, 2];
    const opt = new AdamW({ lr: 0.05 });
    const x = new Float64Array(3);
    for (let k = 0; k < 3000; k++) {
      opt.lr = 0.05 * (1 - k / 3000);
      opt.step(x, Float64Array.from(scales.map((s, i) => s * (x[i]! - target[i]!))));
    }
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(x[i]! - target[i]!) < 1e-3, `x${i} = ${x[i]}`);
  });
});
