/**
 * The one-time numerical self-check `executionProvider: auto` runs before it trusts a GPU provider: a small graph
 * with the ops extraction and probe training lean on (MatMul, Softmax, RMS-style normalisation, Tanh, Mul,
 * ReduceSum) runs on the candidate provider and on the CPU with the same inputs, and the outputs must agree to fp32
 * accuracy. A GPU path that is fast but wrong (a driver bug, a precision shortcut) is caught here instead of
 * silently changing every hidden state and gradient.
 */
import * as ort from 'onnxruntime-node';
import { DataType, encodeModel, graph, model, node, tensor, valueInfo } from '../onnx/proto';

export type GpuProvider = 'cuda' | 'webgpu';

/**
 * Largest accepted |candidate − cpu| per output value, relative to max(1, max |cpu|): the fp32 budget for GPU
 * results (1e-4). fp32 GEMMs of depth 64 on a GPU differ from the CPU's by ~1e-6 in practice.
 */
export const SELF_CHECK_TOLERANCE = 1e-4;

export interface SelfCheckResult {
  ok: boolean;
  /** Largest absolute difference over all outputs (NaN/Infinity when the candidate produced non-finite values). */
  maxAbsDiff: number;
  /** One line saying why the check failed (absent when ok). */
  reason?: string;
}

/**
 * Test hooks (unit tests only; production code never sets them). With `fakeAvailable`, those providers are treated as
 * present and their self-check session runs on the CPU, so the fallback logic runs for real without a GPU; `perturb`
 * is added to every value the candidate returns, to inject a mismatch.
 */
export const selfCheckTestHooks: { fakeAvailable?: GpuProvider[]; perturb?: number } = {};

const B = 4;
const S = 32;
const D = 64;
const K = 16;

/** Deterministic values in [-1, 1) (an LCG, so the check is the same on every machine). */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1);
}

let checkBytes: Uint8Array | undefined;
/**
 * x [B,S,D] → n = x / sqrt(mean(x²) + eps); a = n·Wa [B,S,K]; p = softmax over S of a; v = tanh(n·Wv);
 * pooled = Σ_S p ⊙ v [B,K]. Outputs `p` and `pooled`.
 */
function selfCheckModel(): Uint8Array {
  checkBytes ??= encodeModel(
    model(
      graph({
        name: 'provider_self_check',
        nodes: [
          node('Mul', ['x', 'x'], ['x2']),
          node('ReduceMean', ['x2'], ['ms'], { axes: [-1], keepdims: 1 }),
          node('Add', ['ms', 'eps'], ['ms_eps']),
          node('Sqrt', ['ms_eps'], ['rms']),
          node('Div', ['x', 'rms'], ['n']),
          node('MatMul', ['n', 'wa'], ['a']),
          node('Softmax', ['a'], ['p'], { axis: 1 }),
          node('MatMul', ['n', 'wv'], ['vl']),
          node('Tanh', ['vl'], ['v']),
          node('Mul', ['p', 'v'], ['pv']),
          node('ReduceSum', ['pv', 'axis1'], ['pooled'], { keepdims: 0 }),
        ],
        inputs: [valueInfo('x', DataType.FLOAT, [B, S, D])],
        outputs: [valueInfo('p', DataType.FLOAT, [B, S, K]), valueInfo('pooled', DataType.FLOAT, [B, K])],
        initializers: [
          tensor('eps', [], [1e-6]),
          tensor('wa', [D, K], values(D * K, 11)),
          tensor('wv', [D, K], values(D * K, 13)),
          tensor('axis1', [1], [1], DataType.INT64),
        ],
      }),
    ),
  );
  return checkBytes;
}

async function runCheck(provider: 'cpu' | GpuProvider): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(selfCheckModel(), {
    executionProviders: [provider],
    logSeverityLevel: 3,
  });
  try {
    const x = new ort.Tensor(
      'float32',
      values(B * S * D, 7).map((v) => v * 3),
      [B, S, D],
    );
    const out = await session.run({ x });
    return [out.p!.data as Float32Array, out.pooled!.data as Float32Array];
  } finally {
    await session.release();
  }
}

/**
 * Runs the self-check graph on `provider` and on the CPU and compares every output value. Never throws: a provider
 * that cannot build or run the graph fails the check with its error as the reason.
 */
export async function numericalSelfCheck(provider: GpuProvider): Promise<SelfCheckResult> {
  const fake = selfCheckTestHooks.fakeAvailable?.includes(provider);
  let candidate: Float32Array[];
  try {
    candidate = await runCheck(fake ? 'cpu' : provider);
  } catch (e) {
    const line = String((e as Error).message ?? e).split('\n')[0]!;
    return { ok: false, maxAbsDiff: NaN, reason: `the self-check graph failed to run (${line.slice(0, 160)})` };
  }
  const perturb = selfCheckTestHooks.perturb;
  if (perturb !== undefined) for (const c of candidate) for (let i = 0; i < c.length; i++) c[i] = c[i]! + perturb;
  const reference = await runCheck('cpu');
  let maxAbsDiff = 0;
  let scale = 1;
  outer: for (let o = 0; o < reference.length; o++) {
    const r = reference[o]!;
    const c = candidate[o]!;
    for (let i = 0; i < r.length; i++) {
      const d = Math.abs(c[i]! - r[i]!);
      if (Number.isNaN(d)) {
        maxAbsDiff = NaN; // a NaN from the candidate fails the check (NaN <= limit is false)
        break outer;
      }
      if (d > maxAbsDiff) maxAbsDiff = d;
      scale = Math.max(scale, Math.abs(r[i]!));
    }
  }
  const limit = SELF_CHECK_TOLERANCE * scale;
  if (maxAbsDiff <= limit) return { ok: true, maxAbsDiff };
  return {
    ok: false,
    maxAbsDiff,
    reason: `its results differ from the CPU's (max abs diff ${maxAbsDiff.toExponential(1)} > ${limit.toExponential(1)})`,
  };
}
