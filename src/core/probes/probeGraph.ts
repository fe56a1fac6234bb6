/**
 * The attention probe as an ONNX graph: forward, loss and a hand-derived backward pass, so one ORT run gives the mean
 * loss and every gradient. Parameters are graph inputs (they change every step). Math (DESIGN.md "Probe math"):
 *   a[b,t,h] = q_h·x_t + w_h·t − 1e9·(1 − m_t);  p = softmax_t(a);  out[b,c] = Σ_h Σ_t p[b,t,h]·(V_{hC+c}·x_t + b_{hC+c})
 * x is read twice per step (two GEMMs): Z = x·[q;V]ᵀ for the forward, [dA | R]ᵀ·x for dq and dV together.
 */
import { DataType, graph, model, node, tensor, valueInfo } from '../onnx/proto';
import type { ModelProto, NodeProto, TensorProto } from '../onnx/proto';

export type ProbeDType = 'float32' | 'float64';

export interface ProbeGraphSpec {
  H: number;
  C: number;
  D: number;
  dtype: ProbeDType;
  /** true: loss and gradients (needs labels); false: logits and attention only. */
  withGrad: boolean;
}

/** Names of the graph's inputs and outputs, shared with ProbeComputer. */
export const PROBE_IO = {
  inputs: ['x', 'mask', 'labels', 'q', 'w', 'V', 'b'] as const,
  forwardOutputs: ['logits', 'attention'] as const,
  gradOutputs: ['loss', 'logits', 'dq', 'dw', 'dV', 'db'] as const,
};

class Builder {
  readonly nodes: NodeProto[] = [];
  readonly inits: TensorProto[] = [];
  private n = 0;
  constructor(readonly elem: DataType) {}

  op(opType: string, inputs: string[], attrs: Record<string, number | number[]> = {}, outName?: string): string {
    const out = outName ?? `${opType.toLowerCase()}_${this.n++}`;
    this.nodes.push(node(opType, inputs, [out], attrs));
    return out;
  }
  ops(opType: string, inputs: string[], outs: string[], attrs: Record<string, number | number[]> = {}): string[] {
    this.nodes.push(node(opType, inputs, outs, attrs));
    return outs;
  }
  /** An int64 constant (shapes, axes, indices). */
  ints(values: number[], scalar = false): string {
    const name = `i64_${this.n++}`;
    this.inits.push(tensor(name, scalar ? [] : [values.length], values, DataType.INT64));
    return name;
  }
  /** A constant of the graph's float type. */
  num(values: number[], dims: number[] = []): string {
    const name = `c_${this.n++}`;
    const data = this.elem === DataType.FLOAT ? Float32Array.from(values) : values;
    this.inits.push(tensor(name, dims, data, this.elem));
    return name;
  }
}

export function buildProbeGraph(spec: ProbeGraphSpec): ModelProto {
  const { H, C, D, withGrad } = spec;
  const HC = H * C;
  const elem = spec.dtype === 'float32' ? DataType.FLOAT : DataType.DOUBLE;
  const g = new Builder(elem);

  // Layout: per-head tensors are [H(·C), B, S] so the softmax and the sums over tokens run along the contiguous last
  // axis, and both GEMMs take x [B·S, D] as it lies in memory (no transposed copy of x, no transA).
  const shapeX = g.op('Shape', ['x']);
  const shapeBS = g.op('Slice', [shapeX, g.ints([0]), g.ints([2])]);
  const sizeOf = (axis: number): string => g.op('Cast', [g.op('Gather', [shapeX, g.ints([axis], true)])], { to: elem });
  const rowsShape = (head: number[]): string => g.op('Concat', [g.ints(head), shapeBS], { axis: 0 }); // [...head, B, S]

  // Forward: one MatMul over x [B·S, D] gives the attention logits (rows 0..H) and the values (rows H..H+HC); MLAS
  // streams x fastest this way round (measured: ~2-3x faster than Gemm(W, x, transB)); the transpose is small.
  const x2 = g.op('Reshape', ['x', g.ints([-1, D])]);
  const wAllT = g.op('Transpose', [g.op('Concat', ['q', 'V'], { axis: 0 })], { perm: [1, 0] }); // [D, H+HC]
  const z = g.op('Transpose', [g.op('MatMul', [x2, wAllT])], { perm: [1, 0] }); // [H+HC, B·S]
  const [za, zv] = g.ops('Split', [z, g.ints([H, HC])], ['za', 'zv'], { axis: 0 });
  const pos = g.op('Range', [g.num([0]), sizeOf(1), g.num([1])]); // [S]: t = 0..S-1, padding on the right
  const posBias = g.op('Unsqueeze', [g.op('Mul', [g.op('Unsqueeze', ['w', g.ints([1])]), pos]), g.ints([1])]); // [H,1,S]
  const maskBias = g.op('Mul', [g.op('Sub', ['mask', g.num([1])]), g.num([1e9])]); // [B,S]
  const logitsA = g.op('Add', [g.op('Add', [g.op('Reshape', [za as string, rowsShape([H])]), posBias]), maskBias]);
  const p = g.op('Softmax', [logitsA], { axis: -1 }); // [H,B,S]
  const p4 = g.op('Unsqueeze', [p, g.ints([1])]); // [H,1,B,S]
  // v4 = V·x without the bias: Σ_t p = 1, so the bias adds b to each head's output and cancels in the backward pass.
  const v4 = g.op('Reshape', [zv as string, rowsShape([H, C])]); // [H,C,B,S]
  const headOut = g.op('ReduceSum', [g.op('Mul', [p4, v4]), g.ints([3])], { keepdims: 0 }); // [H,C,B], no bias
  const bSum = g.op('ReduceSum', [g.op('Reshape', ['b', g.ints([H, C, 1])]), g.ints([0])], { keepdims: 0 }); // [C,1]
  const outCB = g.op('Add', [g.op('ReduceSum', [headOut, g.ints([0])], { keepdims: 0 }), bSum]); // [C,B]
  const out = g.op('Transpose', [outCB], { perm: [1, 0] }, 'logits'); // [B,C]

  const inputs = [
    valueInfo('x', elem, ['B', 'S', D]),
    valueInfo('mask', elem, ['B', 'S']),
    ...(withGrad ? [valueInfo('labels', elem, ['B'])] : []),
    valueInfo('q', elem, [H, D]),
    valueInfo('w', elem, [H]),
    valueInfo('V', elem, [HC, D]),
    valueInfo('b', elem, [HC]),
  ];
  if (!withGrad) {
    const attention = g.op('Transpose', [p], { perm: [1, 2, 0] }, 'attention'); // [B,S,H]
    const outputs = [valueInfo(out, elem, ['B', C]), valueInfo(attention, elem, ['B', 'S', H])];
    return model(graph({ name: 'probe_forward', nodes: g.nodes, inputs, outputs, initializers: g.inits }), 17);
  }

  // Loss and G = dLoss/dlogits [C,B] (already divided by B for the mean).
  const invB = g.op('Reciprocal', [sizeOf(0)]);
  let loss: string;
  let gCB: string;
  if (C === 1) {
    const zl = g.op('Reshape', [outCB, g.ints([-1])]);
    // softplus(z) − y·z, with softplus(z) = relu(z) + log(1 + exp(−|z|)) (no overflow for large |z|).
    const softplus = g.op('Add', [
      g.op('Relu', [zl]),
      g.op('Log', [g.op('Add', [g.num([1]), g.op('Exp', [g.op('Neg', [g.op('Abs', [zl])])])])]),
    ]);
    loss = g.op('ReduceMean', [g.op('Sub', [softplus, g.op('Mul', [zl, 'labels'])])], { keepdims: 0 }, 'loss');
    gCB = g.op('Reshape', [g.op('Mul', [g.op('Sub', [g.op('Sigmoid', [zl]), 'labels']), invB]), g.ints([1, -1])]);
  } else {
    const logp = g.op('LogSoftmax', [outCB], { axis: 0 }); // [C,B]
    const classes = g.num(
      Array.from({ length: C }, (_, i) => i),
      [C, 1],
    );
    const onehot = g.op('Cast', [g.op('Equal', ['labels', classes])], { to: elem }); // [C,B]
    const nll = g.op('Neg', [g.op('ReduceSum', [g.op('Mul', [onehot, logp]), g.ints([0])], { keepdims: 0 })]);
    loss = g.op('ReduceMean', [nll], { keepdims: 0 }, 'loss');
    gCB = g.op('Mul', [g.op('Sub', [g.op('Exp', [logp]), onehot]), invB]);
  }

  // Backward. R = dLoss/dU = p·G; dLoss/dp = Σ_c U·G; softmax backward dA = p·(dp − Σ_t p·dp), where
  // Σ_t p·dp = Σ_c G·headOut needs no pass over tokens. dq and dV come from one GEMM [dA; R]·x.
  const g4 = g.op('Unsqueeze', [gCB, g.ints([0, 3])]); // [1,C,B,1]
  const r4 = g.op('Mul', [p4, g4]); // [H,C,B,S]
  let dA: string; // [H,1,B,S] or [H,B,S]
  if (C === 1) {
    dA = g.op('Mul', [r4, g.op('Sub', [v4, g.op('Unsqueeze', [headOut, g.ints([3])])])]); // p·g·(v − headOut)
  } else {
    const dP = g.op('ReduceSum', [g.op('Mul', [v4, g4]), g.ints([1])], { keepdims: 0 }); // [H,B,S]
    const sumPdP = g.op('ReduceSum', [g.op('Mul', [headOut, gCB]), g.ints([1])], { keepdims: 0 }); // [H,B]
    dA = g.op('Mul', [p, g.op('Sub', [dP, g.op('Unsqueeze', [sumPdP, g.ints([2])])])]);
  }
  const gCat = g.op('Concat', [g.op('Reshape', [dA, g.ints([H, -1])]), g.op('Reshape', [r4, g.ints([HC, -1])])], {
    axis: 0,
  });
  const dW = g.op('Gemm', [gCat, x2]); // [H+HC, D]
  g.ops('Split', [dW, g.ints([H, HC])], ['dq', 'dV'], { axis: 0 });
  const dAHS = g.op('ReduceSum', [g.op('Reshape', [dA, rowsShape([H])]), g.ints([1])], { keepdims: 0 }); // [H,S]
  g.op('MatMul', [dAHS, pos], {}, 'dw');
  // db[h,c] = Σ_b Σ_t p·G = Σ_b G[c,b] (Σ_t p = 1), the same for every head.
  const sumG = g.op('Transpose', [g.op('ReduceSum', [gCB, g.ints([1])], { keepdims: 1 })], { perm: [1, 0] }); // [1,C]
  g.op('Reshape', [g.op('Expand', [sumG, g.ints([H, C])]), g.ints([HC])], {}, 'db');

  const outputs = [
    valueInfo(loss, elem, []),
    valueInfo(out, elem, ['B', C]),
    valueInfo('dq', elem, [H, D]),
    valueInfo('dw', elem, [H]),
    valueInfo('dV', elem, [HC, D]),
    valueInfo('db', elem, [HC]),
  ];
  return model(graph({ name: 'probe_loss_grad', nodes: g.nodes, inputs, outputs, initializers: g.inits }), 17);
}
