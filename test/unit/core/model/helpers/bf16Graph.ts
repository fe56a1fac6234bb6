/**
 * Turns a float16 export into the bfloat16 export of the same model: every float16 tensor, Cast target and graph
 * type becomes bfloat16 (values rounded to nearest even), as `model_bf16.onnx` files on the Hub are laid out.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { halfToFloat } from '../../../../../src/core/activations/float16';
import type { ModelProto, TensorProto } from '../../../../../src/core/onnx/proto';
import { DataType } from '../../../../../src/core/onnx/proto';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function floatToBf16(v: number): number {
  f32[0] = v;
  const x = u32[0];
  if ((x & 0x7f800000) === 0x7f800000) return x >>> 16;
  return (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
}

function convertTensor(t: TensorProto): void {
  if (t.dataType !== DataType.FLOAT16) return;
  t.dataType = DataType.BFLOAT16;
  if (t.rawData.length) {
    const raw = Buffer.from(t.rawData);
    const out = Buffer.alloc(raw.length);
    for (let i = 0; i < raw.length; i += 2) out.writeUInt16LE(floatToBf16(halfToFloat(raw.readUInt16LE(i))), i);
    t.rawData = new Uint8Array(out);
  } else {
    t.int32Data = t.int32Data.map((h) => floatToBf16(halfToFloat(h)));
  }
}

/** Reads every externally stored initializer of `model` from `dataDir` into the graph itself. */
export function inlineExternalData(model: ModelProto, dataDir: string): void {
  for (const t of model.graph!.initializer) {
    if (t.externalData.length === 0) continue;
    const get = (k: string) => t.externalData.find((e) => e.key === k)?.value;
    const file = readFileSync(join(dataDir, get('location')!));
    const offset = Number(get('offset') ?? 0);
    t.rawData = new Uint8Array(file.subarray(offset, offset + Number(get('length') ?? file.length - offset)));
    t.externalData = [];
    t.dataLocation = 0; // DEFAULT
  }
}

/**
 * `model`'s float16 tensors and types as bfloat16. External data is read from `dataDir` and stored inline, so the
 * result is one self-contained .onnx.
 */
export function toBfloat16(model: ModelProto, dataDir: string): ModelProto {
  const g = model.graph!;
  inlineExternalData(model, dataDir);
  g.initializer.forEach(convertTensor);
  for (const n of g.node) {
    for (const a of n.attribute) {
      if (a.t) convertTensor(a.t);
      if ((a.name === 'to' || a.name === 'dtype') && a.i === BigInt(DataType.FLOAT16)) a.i = BigInt(DataType.BFLOAT16);
    }
  }
  for (const v of [...g.input, ...g.output, ...g.valueInfo]) {
    const tt = v.type?.value.case === 'tensorType' ? v.type.value.value : undefined;
    if (tt && tt.elemType === DataType.FLOAT16) tt.elemType = DataType.BFLOAT16;
  }
  return model;
}
