/**
 * Finds the residual-stream tensors of a Gemma decoder graph by structure, not by name (exporters name them
 * differently; see DESIGN.md "Residual taps by graph surgery"):
 *   hidden_states[0] = Gather(embedding table, input_ids) * sqrt(d)      (the scaled embedding)
 *   then a chain of residual updates r' = r + f(r): plain `Add` nodes (torch / optimum exports) or the sum output
 *   (index 3) of fused `SkipSimplifiedLayerNormalization` / `SkipLayerNormalization` (onnxruntime-genai exports).
 *   Every decoder layer has two (after attention, after the MLP); hidden_states[i] is the second one of layer i-1.
 *   `final` = the RMSNorm applied to the last residual.
 */
import type { ModelProto, NodeProto } from '../onnx/proto';
import { ProbescopeError } from '../errors';
import { DataType } from '../onnx/proto';
import { GraphIndex } from './graphIndex';

export interface ResidualTaps {
  /** hidden_states[0..N] tensor names. */
  layers: string[];
  final: string;
  /** Element type of the embedding table: 'float16' / 'bfloat16' mark a half-precision export. */
  weightType: 'float32' | 'float16' | 'bfloat16' | 'other';
}

const SKIP_NORMS = new Set(['SkipSimplifiedLayerNormalization', 'SkipLayerNormalization']);
const NORMS = new Set(['SimplifiedLayerNormalization', 'RMSNormalization', 'LayerNormalization']);

/**
 * Locates hidden_states[0..numLayers] and the final-norm state. May name an unnamed fused-norm sum output in place
 * (genai leaves the last layer's residual unnamed), so call it on the model you are about to patch.
 */
export function findResidualTaps(model: ModelProto, numLayers: number): ResidualTaps {
  const graph = model.graph;
  if (!graph) throw new ProbescopeError('MODEL_INVALID', 'The ONNX file has no graph.');
  const g = new GraphIndex(graph);
  const { h0, weightType } = findScaledEmbedding(g);
  const chain: string[] = [];
  let lastNode: NodeProto | undefined;
  let r = h0;
  for (;;) {
    const step = nextResidual(g, r, chain.length);
    if (!step) break;
    chain.push(step.output);
    lastNode = step.node;
    r = step.output;
    if (chain.length > 4 * numLayers + 4) break;
  }
  if (chain.length !== 2 * numLayers) {
    throw new ProbescopeError(
      'UNSUPPORTED_GRAPH',
      `Expected ${2 * numLayers} residual additions (2 per layer, config says ${numLayers} layers) after the ` +
        `scaled embedding '${h0}', found ${chain.length}${chain.length ? ` (last: '${chain[chain.length - 1]}')` : ''}. ` +
        `Known-name guesses present: ${nameGuesses(g, numLayers)}. This export's layout is not supported yet; ` +
        'use an optimum / torch.onnx export of the model.',
    );
  }
  const final = lastNode && SKIP_NORMS.has(lastNode.opType) ? lastNode.output[0] : findNormOutput(g, r);
  const layers = [h0];
  for (let i = 1; i <= numLayers; i++) layers.push(chain[2 * i - 1]);
  return { layers, final, weightType };
}

/**
 * hidden_states[0]: the token embedding scaled by sqrt(hidden_size). The embedding is a Gather on input_ids from a
 * float table, from a quantized table followed by DequantizeLinear (onnxruntime quantize_dynamic: int8 table ->
 * DequantizeLinear -> Mul), from a DequantizeLinear of the table, or a GatherBlockQuantized (4-bit table).
 */
function findScaledEmbedding(g: GraphIndex): { h0: string; weightType: ResidualTaps['weightType'] } {
  const gathers = g.graph.node.filter(
    (n) => (n.opType === 'Gather' || n.opType === 'GatherBlockQuantized') && g.graphInputs.has(n.input[1] ?? ''),
  );
  const found: string[] = [];
  for (const gather of gathers) {
    const { dim, dataType } = embeddingTable(g, gather);
    for (const a of dequantizedAliases(g, gather.output[0])) {
      for (const c of g.consumersOf(a)) {
        if (c.opType !== 'Mul') continue;
        const other = c.input[0] === a ? c.input[1] : c.input[0];
        const scale = g.scalarValue(other);
        if (scale === undefined) continue;
        found.push(`${c.output[0]} (x${scale})`);
        // Gemma scales by sqrt(hidden_size), rounded to the weights' dtype (bf16 keeps ~3 significant digits).
        if (dim === undefined || Math.abs(scale - Math.sqrt(dim)) <= 0.01 * Math.sqrt(dim)) {
          const weightType =
            dataType === DataType.FLOAT
              ? 'float32'
              : dataType === DataType.FLOAT16
                ? 'float16'
                : dataType === DataType.BFLOAT16
                  ? 'bfloat16'
                  : 'other';
          return { h0: c.output[0], weightType };
        }
      }
    }
  }
  throw new ProbescopeError(
    'UNSUPPORTED_GRAPH',
    `Could not find the scaled token embedding (Gather on input_ids, optionally DequantizeLinear, then Mul by ` +
      `sqrt(hidden_size)). Found ${gathers.length} Gather node(s) on graph inputs` +
      `${found.length ? `, scaled outputs ${found.join(', ')}` : ''}. Is this a Gemma model?`,
  );
}

const DEQUANTIZE = new Set(['DequantizeLinear', 'DynamicDequantizeLinear']);

/**
 * The embedding table's hidden size and the element type of the embeddings it yields: a quantized table's values
 * come out in its scale's type (DequantizeLinear, GatherBlockQuantized); a 4-bit table packed in uint8 holds two
 * values per byte.
 */
function embeddingTable(g: GraphIndex, gather: NodeProto): { dim?: number; dataType?: number } {
  let table = g.initializers.get(gather.input[0]);
  let scale: string | undefined;
  const dq = g.producer.get(gather.input[0]);
  if (!table && dq && DEQUANTIZE.has(dq.opType)) {
    table = g.initializers.get(dq.input[0]);
    scale = dq.input[1];
  }
  if (gather.opType === 'GatherBlockQuantized') scale = gather.input[2];
  else {
    const after = g
      .consumersOf(gather.output[0])
      .find((c) => DEQUANTIZE.has(c.opType) && c.input[0] === gather.output[0]);
    if (after) scale = after.input[1];
  }
  const packed =
    gather.opType === 'GatherBlockQuantized' &&
    table?.dataType === DataType.UINT8 &&
    Number(gather.attribute.find((a) => a.name === 'bits')?.i ?? 4n) === 4;
  const dim = table && table.dims.length === 2 ? Number(table.dims[1]) * (packed ? 2 : 1) : undefined;
  const scaleType = scale ? g.initializers.get(scale)?.dataType : undefined;
  return { dim, dataType: scaleType ?? table?.dataType };
}

/** The Gather output and its aliases, plus the outputs of DequantizeLinear nodes applied to them (and their aliases). */
function dequantizedAliases(g: GraphIndex, name: string): Set<string> {
  const out = g.aliases(name);
  for (const a of [...out]) {
    for (const c of g.consumersOf(a)) {
      if (DEQUANTIZE.has(c.opType) && c.input[0] === a && c.output[0]) {
        for (const b of g.aliases(c.output[0])) out.add(b);
      }
    }
  }
  return out;
}

/** The residual update consuming `r`: an Add / fused skip-norm whose other operand is computed from `r`. */
function nextResidual(g: GraphIndex, r: string, index: number): { node: NodeProto; output: string } | undefined {
  const rs = g.aliases(r);
  const candidates: NodeProto[] = [];
  for (const a of rs) {
    for (const c of g.consumersOf(a)) {
      const isAdd = c.opType === 'Add' && c.domain === '';
      if (!isAdd && !SKIP_NORMS.has(c.opType)) continue;
      const [x, y] = c.input;
      const other = rs.has(x) ? y : rs.has(y) ? x : undefined;
      if (!other || rs.has(other) || g.isConstant(other) || !g.dependsOn(other, rs)) continue;
      if (!candidates.includes(c)) candidates.push(c);
    }
  }
  if (candidates.length === 0) return undefined;
  if (candidates.length > 1) {
    throw new ProbescopeError(
      'UNSUPPORTED_GRAPH',
      `Residual stream is ambiguous after '${r}': ${candidates.map((c) => `${c.opType} '${c.name}'`).join(', ')} all add to it.`,
    );
  }
  const node = candidates[0];
  if (node.opType === 'Add') return { node, output: node.output[0] };
  // Fused skip-norm: output 3 is input + skip (the residual). Name it if the exporter left it unnamed.
  while (node.output.length < 4) node.output.push('');
  if (!node.output[3]) node.output[3] = `probescope/residual_${index + 1}`;
  return { node, output: node.output[3] };
}

/** Output of the RMSNorm applied to `r` (decomposed Pow/ReduceMean/.../Mul, or a norm op). */
function findNormOutput(g: GraphIndex, r: string): string {
  const rs = g.aliases(r);
  for (const a of rs) {
    for (const c of g.consumersOf(a)) {
      if (NORMS.has(c.opType) && c.input[0] === a) return c.output[0];
      if (c.opType !== 'Mul') continue;
      const other = rs.has(c.input[0]) ? c.input[1] : c.input[0];
      if (rs.has(other) || g.isConstant(other) || !g.dependsOn(other, rs) || !reducesMean(g, other, rs)) continue;
      // x * rsqrt(mean(x^2)+eps), then usually * (1 + weight) — a constant.
      const scaled = g
        .consumersOf(c.output[0])
        .find((m) => m.opType === 'Mul' && g.isConstant(m.input[0] === c.output[0] ? m.input[1] : m.input[0]));
      return scaled ? scaled.output[0] : c.output[0];
    }
  }
  throw new ProbescopeError(
    'UNSUPPORTED_GRAPH',
    `Found the residual stream up to '${r}' but no final RMSNorm applied to it (expected Pow/ReduceMean/Sqrt/Mul ` +
      'or a SimplifiedLayerNormalization node).',
  );
}

function reducesMean(g: GraphIndex, name: string, rs: Set<string>): boolean {
  const seen = new Set<string>();
  const stack = [name];
  while (stack.length) {
    const t = stack.pop()!;
    if (seen.has(t) || rs.has(t)) continue;
    seen.add(t);
    const p = g.producer.get(t);
    if (!p) continue;
    if (p.opType === 'ReduceMean') return true;
    for (const i of p.input) if (i) stack.push(i);
  }
  return false;
}

function nameGuesses(g: GraphIndex, n: number): string {
  const patterns = [
    (i: number) => `/model/layers.${i}/Add_1_output_0`,
    (i: number) => `/model/layers.${i}/Add_2/output_0`,
  ];
  const hits = patterns.map((p) => Array.from({ length: n }, (_, i) => p(i)).filter((t) => g.producer.has(t)).length);
  return `${hits[0]}/${n} '/model/layers.L/Add_1_output_0', ${hits[1]}/${n} '/model/layers.L/Add_2/output_0'`;
}
