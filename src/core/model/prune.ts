/**
 * Makes the requested tensors the graph's outputs and drops every node, initializer and value_info not needed to
 * compute them. ORT computes the whole graph even for outputs you do not fetch, so this is where the speed-up of a
 * layer-L tap comes from (later layers, final norm and LM head are gone). Unneeded graph inputs are dropped too.
 */
import { create } from '@bufbuild/protobuf';
import { ValueInfoProtoSchema } from 'onnx-buf';
import type { GraphProto, ModelProto, NodeProto, ValueInfoProto } from '../onnx/proto';
import { ProbescopeError } from '../errors';

export interface PruneResult {
  model: ModelProto;
  nodesBefore: number;
  nodesAfter: number;
}

/** Returns a new model (the input is not modified; tensors are shared, not copied). */
export function pruneToOutputs(model: ModelProto, outputs: string[]): PruneResult {
  const g = model.graph;
  if (!g) throw new ProbescopeError('MODEL_INVALID', 'The ONNX file has no graph.');
  const producerIndex = new Map<string, number>();
  g.node.forEach((n, i) => n.output.forEach((o) => o && producerIndex.set(o, i)));
  const known = new Set<string>([...g.input.map((i) => i.name), ...g.initializer.map((t) => t.name)]);
  for (const o of outputs) {
    if (!producerIndex.has(o) && !known.has(o)) {
      throw new ProbescopeError('UNSUPPORTED_GRAPH', `Cannot output '${o}': no node or input produces it.`);
    }
  }

  const keep = new Set<number>();
  const needed = new Set<string>();
  const stack = [...outputs];
  while (stack.length) {
    const t = stack.pop()!;
    if (needed.has(t)) continue;
    needed.add(t);
    const i = producerIndex.get(t);
    if (i === undefined || keep.has(i)) continue;
    keep.add(i);
    for (const input of nodeInputs(g.node[i])) if (input) stack.push(input);
  }

  const nodes = g.node.filter((_, i) => keep.has(i));
  const existing = new Map(g.output.map((o) => [o.name, o]));
  const valueInfos = new Map(g.valueInfo.map((v) => [v.name, v]));
  const newOutputs: ValueInfoProto[] = outputs.map(
    (name) => existing.get(name) ?? valueInfos.get(name) ?? create(ValueInfoProtoSchema, { name }),
  );
  // Shallow copies keep $unknown fields (newer-schema data) intact.
  const graph: GraphProto = {
    ...g,
    node: nodes,
    // Inputs nothing needs go too (a layer-0 tap needs only input_ids); callers read the session's input names.
    input: g.input.filter((i) => needed.has(i.name)),
    initializer: g.initializer.filter((t) => needed.has(t.name)),
    sparseInitializer: g.sparseInitializer.filter((t) => needed.has(t.values?.name ?? '')),
    valueInfo: g.valueInfo.filter((v) => needed.has(v.name) && !outputs.includes(v.name)),
    output: newOutputs,
  };
  return { model: { ...model, graph }, nodesBefore: g.node.length, nodesAfter: nodes.length };
}

/** A node's inputs plus the outer-scope names its subgraphs (If/Loop/Scan bodies) read. */
function nodeInputs(n: NodeProto): string[] {
  const out = [...n.input];
  for (const a of n.attribute) {
    for (const sub of a.g ? [a.g, ...a.graphs] : a.graphs) collectOuterNames(sub, out);
  }
  return out;
}

function collectOuterNames(g: GraphProto, out: string[]): void {
  const local = new Set<string>([...g.input.map((i) => i.name), ...g.initializer.map((t) => t.name)]);
  for (const n of g.node) n.output.forEach((o) => local.add(o));
  for (const n of g.node) for (const i of nodeInputs(n)) if (i && !local.has(i)) out.push(i);
}
