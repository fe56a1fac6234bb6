/**
 * Turns a float32 export into a bnb4 one the way transformers.js' `model_bnb4.onnx` files are made: every MatMul with
 * a constant [K, N] weight becomes com.microsoft MatMulBnb4 with 4-bit NormalFloat (NF4) weights. Layout (read back
 * from ONNX Runtime 1.30's kernel): the weight is transposed to [N, K], flattened row-major, cut into blocks of
 * `blockSize` values with one absmax each, and packed two codes per byte, the first in the high nibble.
 */
import { create } from '@bufbuild/protobuf';
import { OperatorSetIdProtoSchema, TensorProtoSchema } from 'onnx-buf';
import * as ort from 'onnxruntime-node';
import type { ModelProto } from '../../../../../src/core/onnx/proto';
import {
  DataType,
  encodeModel,
  graph,
  model as modelOf,
  node,
  tensor,
  valueInfo,
} from '../../../../../src/core/onnx/proto';

/** bitsandbytes' NF4 code book. */
const NF4 = [
  -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635, -0.18477343022823334,
  -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
  0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
];

function nearestCode(x: number): number {
  let best = 0;
  for (let c = 1; c < 16; c++) if (Math.abs(NF4[c] - x) < Math.abs(NF4[best] - x)) best = c;
  return best;
}

/** Quantizes W [K, N] (row-major) to MatMulBnb4's packed codes and absmax. */
export function quantizeBnb4(w: Float32Array, K: number, N: number, blockSize: number) {
  const t = new Float32Array(N * K);
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) t[n * K + k] = w[k * N + n];
  const absmax = new Float32Array(Math.ceil((N * K) / blockSize));
  for (let i = 0; i < t.length; i++) {
    const b = Math.floor(i / blockSize);
    absmax[b] = Math.max(absmax[b], Math.abs(t[i]));
  }
  const packed = new Uint8Array(Math.ceil((N * K) / 2));
  for (let i = 0; i < t.length; i++) {
    const a = absmax[Math.floor(i / blockSize)];
    const code = nearestCode(a === 0 ? 0 : t[i] / a);
    packed[i >> 1] |= i % 2 === 0 ? code << 4 : code;
  }
  return { packed, absmax };
}

/** Rewrites every MatMul on a constant float [K, N] initializer (inlined, not external) into MatMulBnb4. */
export function toBnb4(model: ModelProto, blockSize = 64): { replaced: number } {
  const g = model.graph!;
  const inits = new Map(g.initializer.map((t) => [t.name, t]));
  let replaced = 0;
  g.node = g.node.map((n) => {
    const w = n.opType === 'MatMul' && n.domain === '' ? inits.get(n.input[1]) : undefined;
    if (!w || w.dataType !== DataType.FLOAT || w.dims.length !== 2 || !w.rawData.length) return n;
    const [K, N] = w.dims.map(Number);
    const raw = w.rawData;
    const values = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    const { packed, absmax } = quantizeBnb4(values, K, N, blockSize);
    const qName = `${w.name}_bnb4`;
    const q = create(TensorProtoSchema, {
      name: qName,
      dims: [BigInt(packed.length)],
      dataType: DataType.UINT8,
      rawData: packed,
    });
    g.initializer.push(q, tensor(`${w.name}_absmax`, [absmax.length], absmax));
    replaced++;
    const attrs = { K, N, block_size: blockSize, quant_type: 1 };
    return node('MatMulBnb4', [n.input[0], qName, `${w.name}_absmax`], [n.output[0]], attrs, n.name, 'com.microsoft');
  });
  const used = new Set(g.node.flatMap((n) => n.input));
  g.initializer = g.initializer.filter((t) => used.has(t.name) || !inits.has(t.name));
  if (!model.opsetImport.some((o) => o.domain === 'com.microsoft')) {
    model.opsetImport.push(create(OperatorSetIdProtoSchema, { domain: 'com.microsoft', version: 1n }));
  }
  return { replaced };
}

/** The float32 twin of a bnb4 graph: each MatMulBnb4 back to MatMul on `dequantized` weights ([K, N] row-major). */
export function bnb4Twin(model: ModelProto, dequantized: Map<string, Float32Array>): void {
  const g = model.graph!;
  g.node = g.node.map((n) => {
    if (n.opType !== 'MatMulBnb4') return n;
    const K = Number(n.attribute.find((a) => a.name === 'K')!.i);
    const N = Number(n.attribute.find((a) => a.name === 'N')!.i);
    const name = `${n.input[1]}_dequantized`;
    g.initializer.push(tensor(name, [K, N], dequantized.get(n.input[1])!));
    return node('MatMul', [n.input[0], name], [n.output[0]], {}, n.name);
  });
  const used = new Set(g.node.flatMap((n) => n.input));
  g.initializer = g.initializer.filter((t) => used.has(t.name));
}

/**
 * The weights ONNX Runtime itself dequantizes from each MatMulBnb4 of `model`: the node alone, run on the identity
 * matrix (Y = I · W = W). Keyed by the packed weight's name; [K, N] row-major.
 */
export async function dequantizeWithOrt(model: ModelProto): Promise<Map<string, Float32Array>> {
  const g = model.graph!;
  const inits = new Map(g.initializer.map((t) => [t.name, t]));
  const out = new Map<string, Float32Array>();
  for (const n of g.node.filter((x) => x.opType === 'MatMulBnb4')) {
    const K = Number(n.attribute.find((a) => a.name === 'K')!.i);
    const N = Number(n.attribute.find((a) => a.name === 'N')!.i);
    const one = modelOf(
      graph({
        name: 'dequantize',
        nodes: [node('MatMulBnb4', ['A', n.input[1], n.input[2]], ['Y'], {}, 'mm', 'com.microsoft')],
        inputs: [valueInfo('A', DataType.FLOAT, [K, K])],
        outputs: [valueInfo('Y', DataType.FLOAT, [K, N])],
        initializers: [inits.get(n.input[1])!, inits.get(n.input[2])!],
      }),
    );
    one.graph!.node[0].attribute = n.attribute;
    one.opsetImport.push(create(OperatorSetIdProtoSchema, { domain: 'com.microsoft', version: 1n }));
    const s = await ort.InferenceSession.create(encodeModel(one), { logSeverityLevel: 3 });
    const eye = new Float32Array(K * K);
    for (let i = 0; i < K; i++) eye[i * K + i] = 1;
    const r = await s.run({ A: new ort.Tensor('float32', eye, [K, K]) });
    out.set(n.input[1], (r.Y.data as Float32Array).slice());
    await s.release();
  }
  return out;
}
