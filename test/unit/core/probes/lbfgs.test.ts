import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cubicInterpolate, lbfgsMinimize } from '../../../../src/core/probes/lbfgs';
import { createRng } from '../../../../src/core/probes/rng';

/** Solves A x = b by Gaussian elimination with partial pivoting (A is n×n row-major). */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[piv]![c]!)) piv = r;
    [M[c], M[piv]] = [M[piv]!, M[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = M[r]![c]! / M[c]![c]!;
      for (let k = c; k <= n; k++) M[r]![k]! -= f * M[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= M[r]![k]! * x[k]!;
    x[r] = s / M[r]![r]!;
  }
  return x;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));
const softplus = (z: number): number => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));

/** Mean logistic loss + λ/2·|w|² (last feature is a constant 1, i.e. a bias, also regularised). */
function logistic(X: number[][], y: number[], lambda: number) {
  const n = X.length;
  const dim = X[0]!.length;
  const value = (w: ArrayLike<number>) => {
    let loss = 0;
    const grad = new Float64Array(dim);
    X.forEach((row, i) => {
      const z = row.reduce((s, v, j) => s + v * w[j]!, 0);
      loss += softplus(z) - y[i]! * z;
      const r = sigmoid(z) - y[i]!;
      row.forEach((v, j) => (grad[j]! += (r * v) / n));
    });
    loss /= n;
    for (let j = 0; j < dim; j++) {
      loss += (lambda / 2) * w[j]! ** 2;
      grad[j]! += lambda * w[j]!;
    }
    return { loss, grad };
  };
  const newton = (): number[] => {
    let w = new Array<number>(dim).fill(0);
    for (let it = 0; it < 100; it++) {
      const { grad } = value(w);
      const Hm = Array.from({ length: dim }, (_, a) => Array.from({ length: dim }, (_, b) => (a === b ? lambda : 0)));
      X.forEach((row) => {
        const z = row.reduce((s, v, j) => s + v * w[j]!, 0);
        const s = sigmoid(z) * (1 - sigmoid(z));
        for (let a = 0; a < dim; a++) for (let b = 0; b < dim; b++) Hm[a]![b]! += (s * row[a]! * row[b]!) / n;
      });
      const step = solve(Hm, [...grad]);
      w = w.map((v, j) => v - step[j]!);
      if (Math.max(...step.map(Math.abs)) < 1e-15) break;
    }
    return w;
  };
  return { value, newton };
}

function dataset(n: number, dim: number, separable: boolean, seed: number) {
  const rng = createRng(seed);
  const wTrue = Array.from({ length: dim - 1 }, () => rng.normal());
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const f = Array.from({ length: dim - 1 }, () => rng.normal());
    const z = f.reduce((s, v, j) => s + v * wTrue[j]!, 0) + 0.3;
    X.push([...f, 1]);
    y.push(separable ? (z > 0 ? 1 : 0) : rng.next() < sigmoid(z) ? 1 : 0);
  }
  return { X, y };
}

describe('lbfgsMinimize (strong-Wolfe line search)', () => {
  it('finds the exact minimiser A⁻¹b of a 12-dimensional ill-conditioned quadratic', async () => {
    const rng = createRng(11);
    const n = 12;
    const M = Array.from({ length: n }, () => Array.from({ length: n }, () => rng.normal()));
    // A = MᵀM + diag(0.01 … 10): SPD with condition number ~1e3.
    const A = Array.from({ length: n }, (_, i) =>
      Array.from(
        { length: n },
        (_, j) => M.reduce((s, row) => s + row[i]! * row[j]!, 0) + (i === j ? 0.01 * 1000 ** (i / (n - 1)) : 0),
      ),
    );
    const b = Array.from({ length: n }, () => rng.normal());
    const f = async (x: Float64Array) => {
      const Ax = A.map((row) => row.reduce((s, v, j) => s + v * x[j]!, 0));
      const loss = 0.5 * Ax.reduce((s, v, i) => s + v * x[i]!, 0) - b.reduce((s, v, i) => s + v * x[i]!, 0);
      return { loss, grad: Float64Array.from(Ax.map((v, i) => v - b[i]!)) };
    };
    const want = solve(A, b);
    const r = await lbfgsMinimize(f, new Float64Array(n), {
      maxIter: 200,
      toleranceChange: 1e-15,
      toleranceGrad: 1e-10,
    });
    for (let i = 0; i < n; i++)
      assert.ok(Math.abs(r.x[i]! - want[i]!) < 1e-6 * Math.max(1, Math.abs(want[i]!)), `x${i} ${r.x[i]} vs ${want[i]}`);
    assert.ok(r.iterations < 200);
  });

  for (const separable of [false, true]) {
    it(`matches Newton's method on L2-regularised logistic regression (${separable ? 'separable' : 'non-separable'} data)`, async () => {
      const { X, y } = dataset(300, 6, separable, separable ? 5 : 6);
      const lambda = separable ? 1e-3 : 1e-2; // on separable data only the L2 term keeps the minimum finite
      const prob = logistic(X, y, lambda);
      const want = prob.newton();
      const r = await lbfgsMinimize(async (w) => prob.value(w), new Float64Array(6), { maxIter: 500 });
      const wantLoss = prob.value(want).loss;
      assert.ok(Math.abs(r.loss - wantLoss) < 1e-10, `loss ${r.loss} vs ${wantLoss}`);
      for (let j = 0; j < 6; j++)
        assert.ok(
          Math.abs(r.x[j]! - want[j]!) < 1e-4 * Math.max(1, Math.abs(want[j]!)),
          `w${j} ${r.x[j]} vs ${want[j]}`,
        );
      if (separable) assert.ok(Math.max(...want.map(Math.abs)) > 5, 'separable data should give large weights');
    });
  }

  it('reaches the Rosenbrock minimum (1, 1) from (−1.2, 1)', async () => {
    const f = async (x: Float64Array) => {
      const [a, b] = [x[0]!, x[1]!];
      return {
        loss: (1 - a) ** 2 + 100 * (b - a * a) ** 2,
        grad: Float64Array.from([-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)]),
      };
    };
    const r = await lbfgsMinimize(f, Float64Array.from([-1.2, 1]), {
      maxIter: 200,
      toleranceChange: 1e-15,
      toleranceGrad: 1e-10,
    });
    assert.ok(Math.abs(r.x[0]! - 1) < 1e-6 && Math.abs(r.x[1]! - 1) < 1e-6, `${r.x[0]}, ${r.x[1]}`);
    assert.ok(r.loss < 1e-12);
  });

  it('stops at maxIter or the evaluation budget, and returns immediately when the start is already stationary', async () => {
    let calls = 0;
    const f = async (x: Float64Array) => {
      calls++;
      return { loss: (x[0]! - 3) ** 2, grad: Float64Array.from([2 * (x[0]! - 3)]) };
    };
    const stationary = await lbfgsMinimize(f, Float64Array.from([3]), { maxIter: 10 });
    assert.equal(stationary.iterations, 0);
    assert.equal(calls, 1);
    const rosen = async (x: Float64Array) => ({
      loss: (1 - x[0]!) ** 2 + 100 * (x[1]! - x[0]! ** 2) ** 2,
      grad: Float64Array.from([-2 * (1 - x[0]!) - 400 * x[0]! * (x[1]! - x[0]! ** 2), 200 * (x[1]! - x[0]! ** 2)]),
    });
    const capped = await lbfgsMinimize(rosen, Float64Array.from([-1.2, 1]), { maxIter: 3, maxEval: 100 });
    assert.equal(capped.iterations, 3);
    assert.ok(capped.loss < 24.2, 'three iterations still descend');
    // torch's default evaluation budget is maxIter·5/4: here 3, spent by the first line search.
    const evalCapped = await lbfgsMinimize(rosen, Float64Array.from([-1.2, 1]), { maxIter: 3 });
    assert.ok(evalCapped.evaluations >= 3 && evalCapped.iterations < 3);
  });

  it('cubicInterpolate returns the exact minimiser of a cubic from two points and slopes', () => {
    // f(t) = t³ − 3t: minimum at t = 1.
    const f = (t: number) => t ** 3 - 3 * t;
    const df = (t: number) => 3 * t * t - 3;
    assert.ok(Math.abs(cubicInterpolate(0, f(0), df(0), 2, f(2), df(2)) - 1) < 1e-12);
    assert.ok(Math.abs(cubicInterpolate(2, f(2), df(2), 0.5, f(0.5), df(0.5)) - 1) < 1e-12);
    assert.equal(cubicInterpolate(0, f(0), df(0), 2, f(2), df(2), [1.5, 3]), 1.5); // clamped to bounds
  });
});
