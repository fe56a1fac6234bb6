/**
 * Producer/consumer index over an ONNX graph, plus the small structural queries residual-tap finding needs:
 * constant detection, float aliases (no-op Casts / Identity) and backward reachability.
 */
import type { GraphProto, NodeProto, TensorProto } from '../onnx/proto';
import { DataType } from '../onnx/proto';
import { halfToFloat } from '../activations/float16';

const FLOAT_TYPES = new Set<number>([DataType.FLOAT, DataType.FLOAT16, DataType.BFLOAT16, DataType.DOUBLE]);

export class GraphIndex {
  readonly producer = new Map<string, NodeProto>();
  readonly consumers = new Map<string, NodeProto[]>();
  readonly initializers = new Map<string, TensorProto>();
  readonly graphInputs = new Set<string>();
  /** Tensors computed from a graph input (ONNX nodes are topologically sorted, so one pass suffices). */
  private readonly dynamic = new Set<string>();

  constructor(readonly graph: GraphProto) {
    for (const t of graph.initializer) this.initializers.set(t.name, t);
    for (const i of graph.input) if (!this.initializers.has(i.name)) this.graphInputs.add(i.name);
    for (const n of graph.node) {
      for (const o of n.output) if (o) this.producer.set(o, n);
      for (const i of n.input) {
        if (!i) continue;
        const list = this.consumers.get(i);
        if (list) list.push(n);
        else this.consumers.set(i, [n]);
      }
    }
    for (const i of this.graphInputs) this.dynamic.add(i);
    for (const n of graph.node) {
      if (n.input.some((i) => this.dynamic.has(i))) for (const o of n.output) if (o) this.dynamic.add(o);
    }
  }

  consumersOf(name: string): NodeProto[] {
    return this.consumers.get(name) ?? [];
  }

  /** True when the tensor does not depend on any graph input (initializer, Constant, or folded from them). */
  isConstant(name: string): boolean {
    return !this.dynamic.has(name) && (this.initializers.has(name) || this.producer.has(name));
  }

  /** `name` plus every tensor that carries the same values: outputs of Identity and float->float Casts of it. */
  aliases(name: string): Set<string> {
    const out = new Set<string>([name]);
    const queue = [name];
    while (queue.length) {
      const t = queue.pop()!;
      for (const c of this.consumersOf(t)) {
        const isAlias =
          c.opType === 'Identity' || (c.opType === 'Cast' && FLOAT_TYPES.has(Number(castTo(c))) && c.domain === '');
        if (isAlias && c.output[0] && !out.has(c.output[0])) {
          out.add(c.output[0]);
          queue.push(c.output[0]);
        }
      }
    }
    return out;
  }

  /** True when `name` is computed (transitively) from any tensor in `sources`. */
  dependsOn(name: string, sources: Set<string>): boolean {
    const seen = new Set<string>();
    const stack = [name];
    while (stack.length) {
      const t = stack.pop()!;
      if (sources.has(t)) return true;
      if (seen.has(t)) continue;
      seen.add(t);
      const p = this.producer.get(t);
      if (!p) continue;
      // A sibling output of a fused node (e.g. a skip-norm's normalized output beside its residual sum) counts.
      if (p.output.some((o) => sources.has(o))) return true;
      for (const i of p.input) if (i) stack.push(i);
    }
    return false;
  }

  /** The scalar value of a constant tensor (initializer or Constant node), if it is a one-element float/int tensor. */
  scalarValue(name: string): number | undefined {
    let t = this.initializers.get(name);
    if (!t) {
      const p = this.producer.get(name);
      if (p?.opType === 'Constant') {
        const a = p.attribute.find((x) => x.name === 'value');
        if (a?.t) t = a.t;
        const vf = p.attribute.find((x) => x.name === 'value_float');
        if (vf) return vf.f;
      } else if (p && (p.opType === 'Cast' || p.opType === 'Identity') && p.input[0]) {
        return this.scalarValue(p.input[0]);
      }
    }
    if (!t) return undefined;
    return tensorScalar(t);
  }
}

export function castTo(n: NodeProto): bigint | undefined {
  return n.attribute.find((a) => a.name === 'to')?.i;
}

function tensorScalar(t: TensorProto): number | undefined {
  const count = t.dims.reduce((a, d) => a * Number(d), 1);
  if (count !== 1) return undefined;
  if (t.floatData.length) return t.floatData[0];
  if (t.doubleData.length) return t.doubleData[0];
  if (t.int32Data.length) {
    if (t.dataType === DataType.FLOAT16) return halfToFloat(t.int32Data[0]);
    return t.int32Data[0];
  }
  if (t.int64Data.length) return Number(t.int64Data[0]);
  const raw = t.rawData;
  if (!raw.length) return undefined;
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (t.dataType) {
    case DataType.FLOAT:
      return dv.getFloat32(0, true);
    case DataType.DOUBLE:
      return dv.getFloat64(0, true);
    case DataType.FLOAT16:
      return halfToFloat(dv.getUint16(0, true));
    case DataType.BFLOAT16:
      return new Float32Array(new Uint32Array([dv.getUint16(0, true) << 16]).buffer)[0];
    case DataType.INT64:
      return Number(dv.getBigInt64(0, true));
    case DataType.INT32:
      return dv.getInt32(0, true);
    default:
      return undefined;
  }
}
