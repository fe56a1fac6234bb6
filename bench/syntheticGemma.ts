/**
 * A simplified Gemma decoder built with src/core/onnx/proto.ts and random weights, for benchmarks and structure
 * tests: scaled embedding, per layer RMSNorm -> q/k/v projections -> causal GQA attention with softmax -> o-proj ->
 * post-attention RMSNorm -> residual add -> RMSNorm -> gated tanh-GELU MLP -> post-FFN RMSNorm -> residual add;
 * final RMSNorm and an LM head. Layers share one set of weight tensors (same FLOPs, 1/N of the memory) unless
 * `distinctWeights` is set.
 */
import type { ModelProto, NodeProto, TensorProto } from '../src/core/onnx/proto';
import { DataType, graph, model, node, tensor, valueInfo } from '../src/core/onnx/proto';

export interface SyntheticShape {
  vocab: number;
  dModel: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  dFF: number;
  layers: number;
  distinctWeights?: boolean;
  seed?: number;
}

export const GEMMA2_2B_SHAPE: Omit<SyntheticShape, 'layers' | 'vocab'> = {
  dModel: 2304,
  heads: 8,
  kvHeads: 4,
  headDim: 256,
  dFF: 9216,
};

export interface SyntheticModel {
  model: ModelProto;
  /** Residual tensor names: hidden_states[0..layers]. */
  residuals: string[];
  finalNorm: string;
}

export function buildSyntheticGemma(s: SyntheticShape): SyntheticModel {
  let seed = s.seed ?? 1;
  const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const inits: TensorProto[] = [];
  const nodes: NodeProto[] = [];
  let n = 0;
  const t = () => `t${n++}`; // deliberately anonymous names: structure, not names, must find the taps
  const weight = (name: string, dims: number[], scale: number): string => {
    const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = rand() * scale;
    inits.push(tensor(name, dims, data));
    return name;
  };
  const scalar = (name: string, v: number) => (inits.push(tensor(name, [], [v])), name);
  const ints = (name: string, v: number[]) => (inits.push(tensor(name, [v.length], v, DataType.INT64)), name);
  const op = (type: string, inputs: string[], attrs: Record<string, number | number[]> = {}): string => {
    const out = t();
    nodes.push(node(type, inputs, [out], attrs, `n${n}`));
    return out;
  };
  const { dModel: D, heads: H, kvHeads: KV, headDim: hd, dFF: F } = s;
  scalar('two', 2);
  scalar('one', 1);
  scalar('eps', 1e-6);
  const rmsNorm = (x: string, w: string) => {
    const ms = op('ReduceMean', [op('Pow', [x, 'two'])], { axes: [-1], keepdims: 1 });
    const inv = op('Div', ['one', op('Sqrt', [op('Add', [ms, 'eps'])])]);
    return op('Mul', [op('Mul', [x, inv]), w]);
  };
  const normW = (name: string) => weight(name, [D], 0.1);

  const emb = op('Gather', [weight('embed', [s.vocab, D], 0.05), 'input_ids']);
  const h0 = op('Mul', [emb, scalar('normalizer', Math.sqrt(D))]);
  // Causal mask [S, S]: 0 where allowed, -1e9 above the diagonal.
  const seqLen = op('Slice', [op('Shape', ['input_ids']), ints('i1', [1]), ints('i2', [2])]);
  const zeros = op('ConstantOfShape', [op('Concat', [seqLen, seqLen], { axis: 0 })]); // float 0 by default
  const onesF = op('Add', [zeros, 'one']);
  const mask = op('Mul', [op('Sub', [op('Trilu', [onesF], { upper: 0 }), 'one']), scalar('big', 1e9)]);
  ints('shapeQ', [0, 0, H, hd]);
  ints('shapeKV', [0, 0, KV, 1, hd]);
  ints('expandKV', [1, 1, 1, H / KV, 1]);
  ints('shapeO', [0, 0, H * hd]);
  scalar('attnScale', 1 / Math.sqrt(hd));
  scalar('half', 0.5);
  scalar('geluC', Math.sqrt(2 / Math.PI));
  scalar('geluK', 0.044715);
  scalar('three', 3);

  const residuals = [h0];
  let h = h0;
  for (let l = 0; l < s.layers; l++) {
    const p = s.distinctWeights ? `l${l}.` : '';
    const w = (name: string, dims: number[], scale: number) =>
      inits.some((i) => i.name === p + name) ? p + name : weight(p + name, dims, scale);
    const x = rmsNorm(h, w('in_norm', [D], 0.1));
    const q = op('Transpose', [op('Reshape', [op('MatMul', [x, w('wq', [D, H * hd], 0.02)]), 'shapeQ'])], {
      perm: [0, 2, 1, 3],
    });
    const kv = (name: string) => {
      const r = op('Reshape', [op('MatMul', [x, w(name, [D, KV * hd], 0.02)]), 'shapeKV']);
      return op('Transpose', [op('Reshape', [op('Expand', [r, 'expandKV']), 'shapeQ'])], { perm: [0, 2, 1, 3] });
    };
    const k = kv('wk');
    const v = kv('wv');
    const scores = op('Add', [
      op('Mul', [op('MatMul', [q, op('Transpose', [k], { perm: [0, 1, 3, 2] })]), 'attnScale']),
      mask,
    ]);
    const attn = op('MatMul', [op('Softmax', [scores], { axis: -1 }), v]);
    const merged = op('Reshape', [op('Transpose', [attn], { perm: [0, 2, 1, 3] }), 'shapeO']);
    const o = rmsNorm(op('MatMul', [merged, w('wo', [H * hd, D], 0.02)]), w('post_attn_norm', [D], 0.1));
    const mid = op('Add', [h, o]);
    const y = rmsNorm(mid, w('pre_ffn_norm', [D], 0.1));
    const gate = op('MatMul', [y, w('wg', [D, F], 0.02)]);
    const cube = op('Mul', [op('Pow', [gate, 'three']), 'geluK']);
    const tanh = op('Tanh', [op('Mul', [op('Add', [gate, cube]), 'geluC'])]);
    const gelu = op('Mul', [op('Mul', [gate, 'half']), op('Add', [tanh, 'one'])]);
    const up = op('MatMul', [y, w('wu', [D, F], 0.02)]);
    const down = op('MatMul', [op('Mul', [gelu, up]), w('wd', [F, D], 0.02)]);
    h = op('Add', [mid, rmsNorm(down, w('post_ffn_norm', [D], 0.1))]);
    residuals.push(h);
  }
  const finalNorm = rmsNorm(h, normW('final_norm'));
  const logits = op('MatMul', [finalNorm, weight('lm_head', [D, s.vocab], 0.02)]);
  nodes.push(node('Identity', [logits], ['logits'], {}, 'logits_out'));
  const g = graph({
    name: 'synthetic_gemma',
    nodes,
    inputs: [valueInfo('input_ids', DataType.INT64, ['batch', 'seq'])],
    outputs: [valueInfo('logits', DataType.FLOAT, ['batch', 'seq', s.vocab])],
    initializers: inits,
  });
  return { model: model(g, 17), residuals, finalNorm };
}

/** A Hugging Face style config.json for the synthetic model (so it can live in a model folder). */
export function syntheticConfig(s: SyntheticShape): Record<string, unknown> {
  return {
    architectures: ['Gemma2ForCausalLM'],
    model_type: 'gemma2',
    hidden_size: s.dModel,
    num_hidden_layers: s.layers,
    num_attention_heads: s.heads,
    num_key_value_heads: s.kvHeads,
    head_dim: s.headDim,
    intermediate_size: s.dFF,
    vocab_size: s.vocab,
    layer_types: Array.from({ length: s.layers }, () => 'full_attention'),
    bos_token_id: 2,
    pad_token_id: 0,
    eos_token_id: 1,
    torch_dtype: 'float32',
    sliding_window: 4096,
  };
}
