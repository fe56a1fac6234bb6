/**
 * ONNX protobuf access with the current (ONNX 1.20) schema via protobuf-es. protobuf-es keeps unknown fields on a
 * decode/encode round trip, so a graph we patch never loses fields a newer exporter wrote (npm onnx-proto does).
 */
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType,
  AttributeProtoSchema,
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  TensorProto_DataType,
  TensorProtoSchema,
  TensorShapeProto_DimensionSchema,
  TensorShapeProtoSchema,
  TypeProto_TensorSchema,
  TypeProtoSchema,
  ValueInfoProtoSchema,
} from 'onnx-buf';
import type { AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto } from 'onnx-buf';

export type { AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto };
export { TensorProto_DataType as DataType };

export function decodeModel(bytes: Uint8Array): ModelProto {
  return fromBinary(ModelProtoSchema, bytes);
}

export function encodeModel(model: ModelProto): Uint8Array {
  return toBinary(ModelProtoSchema, model);
}

type AttrValue = number | string | number[] | TensorProto | GraphProto | { floats: number[] };

/** An attribute from a plain value: integers -> INT, non-integers -> FLOAT, arrays of integers -> INTS. */
export function attr(name: string, value: AttrValue, forceFloat = false): AttributeProto {
  const a = create(AttributeProtoSchema, { name });
  if (typeof value === 'number') {
    if (forceFloat || !Number.isInteger(value)) {
      a.type = AttributeProto_AttributeType.FLOAT;
      a.f = value;
    } else {
      a.type = AttributeProto_AttributeType.INT;
      a.i = BigInt(value);
    }
  } else if (typeof value === 'string') {
    a.type = AttributeProto_AttributeType.STRING;
    a.s = new TextEncoder().encode(value);
  } else if (Array.isArray(value)) {
    a.type = AttributeProto_AttributeType.INTS;
    a.ints = value.map((v) => BigInt(v));
  } else if ('floats' in value) {
    a.type = AttributeProto_AttributeType.FLOATS;
    a.floats = value.floats;
  } else if ('node' in value) {
    a.type = AttributeProto_AttributeType.GRAPH;
    a.g = value;
  } else {
    a.type = AttributeProto_AttributeType.TENSOR;
    a.t = value;
  }
  return a;
}

export function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  attrs: Record<string, AttrValue> = {},
  name = '',
  domain = '',
): NodeProto {
  return create(NodeProtoSchema, {
    opType,
    input: inputs,
    output: outputs,
    name: name || `${opType}_${outputs[0]}`,
    domain,
    attribute: Object.entries(attrs).map(([k, v]) => attr(k, v)),
  });
}

export function tensor(
  name: string,
  dims: number[],
  data: Float32Array | number[] | BigInt64Array,
  dataType = TensorProto_DataType.FLOAT,
): TensorProto {
  const t = create(TensorProtoSchema, { name, dims: dims.map((d) => BigInt(d)), dataType });
  if (dataType === TensorProto_DataType.FLOAT) {
    const f = data instanceof Float32Array ? data : Float32Array.from(data as number[]);
    t.rawData = new Uint8Array(f.buffer, f.byteOffset, f.byteLength).slice();
  } else if (dataType === TensorProto_DataType.INT64) {
    const i = data instanceof BigInt64Array ? data : BigInt64Array.from((data as number[]).map((v) => BigInt(v)));
    t.rawData = new Uint8Array(i.buffer, i.byteOffset, i.byteLength).slice();
  } else if (dataType === TensorProto_DataType.DOUBLE) {
    const d = Float64Array.from(data as number[]);
    t.rawData = new Uint8Array(d.buffer);
  } else {
    throw new Error(`tensor(): unsupported data type ${dataType}`);
  }
  return t;
}

/** A value info with a symbolic or fixed shape; `undefined` dims make an unknown-rank-free dynamic dimension. */
export function valueInfo(name: string, elemType: TensorProto_DataType, dims: (number | string)[]): ValueInfoProto {
  const shape = create(TensorShapeProtoSchema, {
    dim: dims.map((d) =>
      create(TensorShapeProto_DimensionSchema, {
        value: typeof d === 'number' ? { case: 'dimValue', value: BigInt(d) } : { case: 'dimParam', value: d },
      }),
    ),
  });
  const type = create(TypeProtoSchema, {
    value: { case: 'tensorType', value: create(TypeProto_TensorSchema, { elemType, shape }) },
  });
  return create(ValueInfoProtoSchema, { name, type });
}

export function graph(parts: {
  name: string;
  nodes: NodeProto[];
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
  initializers?: TensorProto[];
}): GraphProto {
  return create(GraphProtoSchema, {
    name: parts.name,
    node: parts.nodes,
    input: parts.inputs,
    output: parts.outputs,
    initializer: parts.initializers ?? [],
  });
}

export function model(g: GraphProto, opset = 17, producer = 'probescope'): ModelProto {
  return create(ModelProtoSchema, {
    irVersion: 8n,
    producerName: producer,
    graph: g,
    opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: BigInt(opset) })],
  });
}
