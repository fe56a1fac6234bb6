import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { OperatorSetIdProtoSchema, TensorProtoSchema, ValueInfoProtoSchema } from 'onnx-buf';
import * as ort from 'onnxruntime-node';
import { buildSyntheticGemma } from '../../../../bench/syntheticGemma';
import { floatToHalf } from '../../../../src/core/activations/float16';
import { ProbescopeError } from '../../../../src/core/errors';
import { pruneToOutputs } from '../../../../src/core/model/prune';
import { findResidualTaps } from '../../../../src/core/model/residualTaps';
import { DataType, decodeModel, encodeModel, graph, model, node, valueInfo } from '../../../../src/core/onnx/proto';
import type { ModelProto } from '../../../../src/core/onnx/proto';
import { FIXTURES, MODELS, reference } from './fixtureRef';

function withOutputs(m: ModelProto, names: string[]): ModelProto {
  const g = m.graph!;
  return {
    ...m,
    graph: { ...g, output: [...g.output, ...names.map((name) => create(ValueInfoProtoSchema, { name }))] },
  };
}

async function run(m: ModelProto, feeds: Record<string, ort.Tensor>): Promise<ort.InferenceSession.OnnxValueMapType> {
  const s = await ort.InferenceSession.create(encodeModel(m), { logSeverityLevel: 3 });
  const out = await s.run(feeds);
  await s.release();
  return out;
}

function caseFeeds(modelName: string): Record<string, ort.Tensor> {
  const c = reference(modelName).cases[0];
  const t = (v: number[]) => new ort.Tensor('int64', BigInt64Array.from(v.map(BigInt)), [1, v.length]);
  return { input_ids: t(c.input_ids), attention_mask: t(c.attention_mask), position_ids: t(c.position_ids) };
}

for (const name of MODELS) {
  describe(`residual taps on ${name}`, () => {
    const bytes = readFileSync(join(FIXTURES, name, 'model.onnx'));
    const truth = JSON.parse(readFileSync(join(FIXTURES, name, 'residual_names.json'), 'utf8'));

    it('finds the embedding, every layer output and the final norm by structure', () => {
      const taps = findResidualTaps(decodeModel(bytes), 4);
      assert.deepEqual(taps.layers, [truth.embeddings, ...truth.layers]);
      assert.equal(taps.final, truth.final_norm);
    });

    it('decode + encode reproduces the file byte for byte and ORT gives the same logits', async () => {
      const m = decodeModel(bytes);
      const again = encodeModel(m);
      assert.equal(Buffer.compare(Buffer.from(again), bytes), 0);
      const a = await run(m, caseFeeds(name));
      const b = await run(decodeModel(again), caseFeeds(name));
      assert.deepEqual(a.logits.data, b.logits.data);
    });

    it('pruned graph returns the same layer-3 states as the full graph and has fewer nodes', async () => {
      const m = decodeModel(bytes);
      const taps = findResidualTaps(m, 4);
      const full = await run(withOutputs(m, [taps.layers[3]]), caseFeeds(name));
      const pruned = pruneToOutputs(m, [taps.layers[3]]);
      assert.ok(pruned.nodesAfter < pruned.nodesBefore);
      assert.equal(pruned.model.graph!.output.length, 1);
      assert.ok(!pruned.model.graph!.node.some((n) => n.name.includes('lm_head') || n.name.includes('layers.3')));
      const cut = await run(pruned.model, caseFeeds(name));
      assert.deepEqual(cut[taps.layers[3]].data, full[taps.layers[3]].data);
      assert.equal(m.graph!.node.length, pruned.nodesBefore, 'the input model is not modified');
    });

    it('node counts shrink monotonically with the tapped layer', () => {
      const m = decodeModel(bytes);
      const taps = findResidualTaps(m, 4);
      const counts = [...taps.layers, taps.final].map((t) => pruneToOutputs(m, [t]).nodesAfter);
      for (let i = 1; i < counts.length; i++) assert.ok(counts[i] > counts[i - 1], counts.join(','));
      assert.ok(counts[counts.length - 1] < m.graph!.node.length);
    });

    it('gives a clear UNSUPPORTED_GRAPH error when the layer count does not match the graph', () => {
      assert.throws(
        () => findResidualTaps(decodeModel(bytes), 5),
        (e) =>
          e instanceof ProbescopeError &&
          e.code === 'UNSUPPORTED_GRAPH' &&
          /Expected 10 residual additions.*found 8/.test(e.message),
      );
    });
  });
}

describe('residual taps on other graph layouts', () => {
  it('finds taps in an anonymously named decoder (synthetic, names t0, t1, …)', () => {
    const s = buildSyntheticGemma({ vocab: 40, dModel: 16, heads: 2, kvHeads: 1, headDim: 8, dFF: 32, layers: 3 });
    const taps = findResidualTaps(s.model, 3);
    assert.deepEqual(taps.layers, s.residuals);
    assert.equal(taps.final, s.finalNorm);
  });

  it('rejects a graph without a token embedding, naming what it looked for', () => {
    const g = graph({
      name: 'g',
      nodes: [node('Relu', ['x'], ['y'])],
      inputs: [valueInfo('x', DataType.FLOAT, [1])],
      outputs: [valueInfo('y', DataType.FLOAT, [1])],
    });
    assert.throws(
      () => findResidualTaps(model(g), 2),
      (e) => e instanceof ProbescopeError && e.code === 'UNSUPPORTED_GRAPH' && /scaled token embedding/.test(e.message),
    );
  });

  for (const dtype of ['float32', 'float16'] as const) {
    it(`exposes the residuals of a fused SkipSimplifiedLayerNormalization export (${dtype}), including the unnamed last one`, async () => {
      const { m, parts } = fusedModel(dtype);
      const taps = findResidualTaps(m, 2);
      assert.equal(taps.layers.length, 3);
      assert.equal(taps.final, 'final_normed');
      // Cast every tap to float32 as tappedModel does, then check r1 = r0 + a0 + m0 and r2 = r1 + a1 + m1.
      const outs = [...taps.layers, ...parts];
      const g = m.graph!;
      outs.forEach((t, i) => g.node.push(node('Cast', [t], [`out${i}`], { to: DataType.FLOAT })));
      const res = await run(
        pruneToOutputs(
          m,
          outs.map((_, i) => `out${i}`),
        ).model,
        { input_ids: new ort.Tensor('int64', BigInt64Array.from([1n, 3n, 2n]), [1, 3]) },
      );
      const v = outs.map((_, i) => res[`out${i}`]);
      assert.ok(v.every((t) => t.type === 'float32'));
      const [r0, r1, r2, a0, m0, a1, m1] = v.map((t) => t.data as Float32Array);
      const tol = dtype === 'float16' ? 2e-2 : 1e-6;
      for (let k = 0; k < r0.length; k++) {
        assert.ok(Math.abs(r1[k] - (r0[k] + a0[k] + m0[k])) <= tol * (1 + Math.abs(r1[k])), `r1[${k}]`);
        assert.ok(Math.abs(r2[k] - (r1[k] + a1[k] + m1[k])) <= tol * (1 + Math.abs(r2[k])), `r2[${k}]`);
      }
    });
  }
});

/**
 * An onnxruntime-genai style graph with 2 layers: every residual add is fused into a SkipSimplifiedLayerNormalization
 * (output 3 = input + skip); the last one's sum output is left unnamed, as genai does.
 */
function fusedModel(dtype: 'float32' | 'float16') {
  const D = 4;
  const et = dtype === 'float16' ? DataType.FLOAT16 : DataType.FLOAT;
  let seed = 7;
  const rnd = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32 - 0.5;
  const inits = [] as ReturnType<typeof create<typeof TensorProtoSchema>>[];
  const w = (name: string, dims: number[], fill?: number) => {
    const vals = Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => fill ?? rnd());
    const raw =
      dtype === 'float16'
        ? new Uint8Array(Uint16Array.from(vals.map(floatToHalf)).buffer)
        : new Uint8Array(Float32Array.from(vals).buffer);
    inits.push(create(TensorProtoSchema, { name, dims: dims.map(BigInt), dataType: et, rawData: raw }));
    return name;
  };
  const ms = 'com.microsoft';
  const nodes = [
    node('Gather', [w('emb', [5, D]), 'input_ids'], ['emb_out']),
    node('Mul', ['emb_out', w('scale', [], Math.sqrt(D))], ['h0']),
  ];
  nodes.push(node('SimplifiedLayerNormalization', ['h0', w('g_in0', [D], 1)], ['x0'], { axis: -1 }));
  let resid = 'h0';
  let x = 'x0';
  for (let l = 0; l < 2; l++) {
    nodes.push(node('MatMul', [x, w(`wa${l}`, [D, D])], [`attn${l}`]));
    nodes.push(node('SimplifiedLayerNormalization', [`attn${l}`, w(`g_pa${l}`, [D], 1)], [`a${l}`], { axis: -1 }));
    nodes.push(
      node(
        'SkipSimplifiedLayerNormalization',
        [`a${l}`, resid, w(`g_pf${l}`, [D], 1)],
        [`y${l}`, '', '', `mid${l}`],
        {},
        `skip_attn${l}`,
        ms,
      ),
    );
    nodes.push(node('MatMul', [`y${l}`, w(`wm${l}`, [D, D])], [`mlp${l}`]));
    nodes.push(node('SimplifiedLayerNormalization', [`mlp${l}`, w(`g_pm${l}`, [D], 1)], [`m${l}`], { axis: -1 }));
    const last = l === 1;
    const outs = last ? ['final_normed'] : [`x${l + 1}`, '', '', `resid${l + 1}`];
    nodes.push(
      node(
        'SkipSimplifiedLayerNormalization',
        [`m${l}`, `mid${l}`, w(`g_next${l}`, [D], 1)],
        outs,
        {},
        `skip_mlp${l}`,
        ms,
      ),
    );
    resid = `resid${l + 1}`;
    x = `x${l + 1}`;
  }
  nodes.push(node('MatMul', ['final_normed', w('lm', [D, 5])], ['logits']));
  const g = graph({
    name: 'fused',
    nodes,
    inputs: [valueInfo('input_ids', DataType.INT64, ['b', 's'])],
    outputs: [valueInfo('logits', et, ['b', 's', 5])],
    initializers: inits,
  });
  const m = model(g, 17);
  m.opsetImport.push(create(OperatorSetIdProtoSchema, { domain: ms, version: 1n }));
  return { m, parts: ['a0', 'm0', 'a1', 'm1'] };
}
