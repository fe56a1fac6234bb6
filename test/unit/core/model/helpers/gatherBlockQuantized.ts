/**
 * Turns the float token embedding of an export into com.microsoft GatherBlockQuantized (4-bit table packed in uint8,
 * one float scale per block of `blockSize` values along the hidden axis), as q4 exports of the onnxruntime-genai
 * builder store it; and the float twin that gathers from the table ONNX Runtime itself dequantizes.
 */
import { create } from '@bufbuild/protobuf';
import { OperatorSetIdProtoSchema, TensorProtoSchema } from 'onnx-buf';
import * as ort from 'onnxruntime-node';
import type { ModelProto, NodeProto } from '../../../../../src/core/onnx/proto';
import {
  DataType,
  encodeModel,
  graph,
  model as modelOf,
  node,
  tensor,
  valueInfo,
} from '../../../../../src/core/onnx/proto';

function embeddingGather(model: ModelProto): NodeProto {
  const g = model.graph!;
  const inputs = new Set(g.input.map((i) => i.name));
  return g.node.find((n) => n.opType === 'Gather' && inputs.has(n.input[1]))!;
}

/** Replaces the embedding Gather by GatherBlockQuantized (bits 4, zero point 8). Returns the table's [V, D]. */
export function quantizeEmbedding(model: ModelProto, blockSize = 32): { V: number; D: number } {
  const g = model.graph!;
  const gather = embeddingGather(model);
  const table = g.initializer.find((t) => t.name === gather.input[0])!;
  const [V, D] = table.dims.map(Number);
  const raw = table.rawData;
  const w = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const perRow = D / blockSize;
  const scales = new Float32Array(V * perRow);
  const packed = new Uint8Array((V * D) / 2);
  for (let v = 0; v < V; v++) {
    for (let b = 0; b < perRow; b++) {
      let m = 0;
      for (let k = 0; k < blockSize; k++) m = Math.max(m, Math.abs(w[v * D + b * blockSize + k]));
      const s = m / 7 || 1;
      scales[v * perRow + b] = s;
      for (let k = 0; k < blockSize; k++) {
        const i = v * D + b * blockSize + k;
        const q = Math.max(0, Math.min(15, Math.round(w[i] / s) + 8));
        packed[i >> 1] |= i % 2 === 0 ? q : q << 4;
      }
    }
  }
  const name = `${table.name}_q4`;
  g.initializer.push(
    create(TensorProtoSchema, { name, dims: [BigInt(V), BigInt(D / 2)], dataType: DataType.UINT8, rawData: packed }),
    tensor(`${table.name}_scales`, [V, perRow], scales),
  );
  g.initializer = g.initializer.filter((t) => t !== table);
  const idx = g.node.indexOf(gather);
  g.node[idx] = node(
    'GatherBlockQuantized',
    [name, gather.input[1], `${table.name}_scales`],
    [gather.output[0]],
    { bits: 4, block_size: blockSize, gather_axis: 0, quantize_axis: 1 },
    gather.name,
    'com.microsoft',
  );
  if (!model.opsetImport.some((o) => o.domain === 'com.microsoft')) {
    model.opsetImport.push(create(OperatorSetIdProtoSchema, { domain: 'com.microsoft', version: 1n }));
  }
  return { V, D };
}

/** The float twin: GatherBlockQuantized back to Gather on the table ORT dequantizes (all V rows gathered once). */
export async function floatEmbeddingTwin(model: ModelProto, V: number, D: number): Promise<void> {
  const g = model.graph!;
  const gbq = g.node.find((n) => n.opType === 'GatherBlockQuantized')!;
  const inits = g.initializer.filter((t) => t.name === gbq.input[0] || t.name === gbq.input[2]);
  const one = modelOf(
    graph({
      name: 'dequantize',
      nodes: [node('GatherBlockQuantized', [gbq.input[0], 'ids', gbq.input[2]], ['table'], {}, 'g', 'com.microsoft')],
      inputs: [valueInfo('ids', DataType.INT64, [V])],
      outputs: [valueInfo('table', DataType.FLOAT, [V, D])],
      initializers: inits,
    }),
  );
  one.graph!.node[0].attribute = gbq.attribute;
  one.opsetImport.push(create(OperatorSetIdProtoSchema, { domain: 'com.microsoft', version: 1n }));
  const s = await ort.InferenceSession.create(encodeModel(one), { logSeverityLevel: 3 });
  const ids = BigInt64Array.from({ length: V }, (_, i) => BigInt(i));
  const table = (await s.run({ ids: new ort.Tensor('int64', ids, [V]) })).table.data as Float32Array;
  await s.release();
  g.initializer = g.initializer.filter((t) => !inits.includes(t));
  g.initializer.push(tensor('embed_table_dequantized', [V, D], table));
  g.node[g.node.indexOf(gbq)] = node(
    'Gather',
    ['embed_table_dequantized', gbq.input[1]],
    [gbq.output[0]],
    {},
    gbq.name,
  );
}
