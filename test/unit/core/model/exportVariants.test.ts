/**
 * One repo, every file users pick from it (onnx-community layout: fp16, q4, q4f16, int8 quantized, uint8), the
 * precisions refused with a way forward (bf16), the quantized embedding found by structure, and folders with weights
 * but no graph.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ProbescopeError } from '../../../../src/core/errors';
import { ActivationExtractor } from '../../../../src/core/model/extractor';
import { loadModel } from '../../../../src/core/model/loadModel';
import { resolveModelFolder } from '../../../../src/core/model/modelFolder';
import { findResidualTaps } from '../../../../src/core/model/residualTaps';
import { createSession } from '../../../../src/core/model/session';
import { decodeModel, encodeModel } from '../../../../src/core/onnx/proto';
import type { LayerSpec } from '../../../../src/protocol/types';
import { inlineExternalData, toBfloat16 } from './helpers/bf16Graph';
import { bnb4Twin, dequantizeWithOrt, toBnb4 } from './helpers/bnb4Graph';
import { floatEmbeddingTwin, quantizeEmbedding } from './helpers/gatherBlockQuantized';
import {
  ALL_LAYERS,
  decodeStates,
  maxAbs,
  REAL_EXPORTS,
  realReference,
  singleVariantFolder,
} from './helpers/realExports';

const COMMUNITY = join(REAL_EXPORTS, 'gemma2-onnx-community');

let scratch: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ps-variants-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/**
 * reference.json's other_files hold each file's max |own ORT states - transformers| (onnxruntime python); ours must
 * reproduce it (same graph, same runtime) within 2% + 1e-4. model_int8.onnx is byte-identical to model_quantized.onnx.
 */
const VARIANTS = [
  { file: 'model_fp16.onnx', key: 'fp16', kind: 'standard' },
  { file: 'model_q4.onnx', key: 'q4', kind: 'standard' },
  { file: 'model_q4f16.onnx', key: 'q4f16', kind: 'standard' },
  { file: 'model_quantized.onnx', key: 'quantized', kind: 'dynamic-int8' },
  { file: 'model_int8.onnx', key: 'quantized', kind: 'dynamic-int8' },
  { file: 'model_uint8.onnx', key: 'uint8', kind: 'dynamic-int8' },
] as const;

describe('onnx-community variants of one model', () => {
  const ref = realReference(COMMUNITY);
  for (const v of VARIANTS) {
    it(`${v.file}: '${v.kind}' graph, ORT's own error vs transformers, batched = single within 1e-5`, async () => {
      const dir = await singleVariantFolder(v.file, join(scratch, v.file));
      const folder = await resolveModelFolder(dir);
      assert.equal(folder.onnxPath, join(dir, 'onnx', v.file));
      const ex = await ActivationExtractor.create(folder, ALL_LAYERS, {
        cacheDir: join(scratch, 'cache'),
        executionProvider: 'cpu',
      });
      try {
        assert.equal(ex.graphKind, v.kind);
        const texts = ref.texts.map((t) => t.text);
        const singles: Map<LayerSpec, Float32Array>[] = [];
        for (const t of texts) singles.push((await ex.extract([t]))[0].states);
        const batched = await ex.extract(texts, { batchSize: 8 });
        const expected = ref.other_files![v.key].max_abs_diff_ort_vs_hf;
        for (const l of ALL_LAYERS) {
          const vsHf = Math.max(...ref.texts.map((t, i) => maxAbs(singles[i].get(l)!, decodeStates(t.hf[String(l)]))));
          const want = expected[String(l)];
          assert.ok(
            Math.abs(vsHf - want) <= 0.02 * want + 1e-4,
            `layer ${l}: ${vsHf} vs transformers, ORT had ${want}`,
          );
          for (const [i] of texts.entries()) {
            const d = maxAbs(batched[i].states.get(l)!, singles[i].get(l)!);
            assert.ok(d <= 1e-5, `layer ${l} text ${i}: batched differs from single by ${d}`);
          }
        }
      } finally {
        await ex.dispose();
      }
    });
  }

  it('a whole repo folder picks the float32 onnx/model.onnx', async () => {
    assert.equal((await resolveModelFolder(COMMUNITY)).onnxPath, join(COMMUNITY, 'onnx', 'model.onnx'));
  });
});

describe('quantized token embedding', () => {
  for (const name of ['gemma2-quantized', 'gemma3-quantized']) {
    it(`${name}: finds int8 table -> DequantizeLinear -> Mul(sqrt d) and every residual by structure`, () => {
      const dir = join(REAL_EXPORTS, name);
      const { residual_tensors: truth } = realReference(dir);
      const taps = findResidualTaps(decodeModel(readFileSync(join(dir, 'onnx', 'model_quantized.onnx'))), 4);
      assert.deepEqual(
        taps.layers,
        [0, 1, 2, 3, 4].map((l) => truth[String(l)]),
      );
      assert.equal(taps.final, truth.final);
      assert.equal(taps.weightType, 'float32', 'the dequantized embedding is float32');
    });
  }
});

describe('4-bit embedding table (GatherBlockQuantized)', () => {
  it('finds the scaled embedding behind GatherBlockQuantized; states equal the float-table twin', async () => {
    const q = decodeModel(readFileSync(join(COMMUNITY, 'onnx', 'model.onnx')));
    inlineExternalData(q, join(COMMUNITY, 'onnx'));
    const { V, D } = quantizeEmbedding(q);
    const taps = findResidualTaps(decodeModel(encodeModel(q)), 4);
    assert.equal(taps.layers[0], '/model/embed_tokens/Mul_output_0');
    assert.equal(taps.weightType, 'float32', "the table's values come out in its scales' type");
    const twin = decodeModel(encodeModel(q));
    await floatEmbeddingTwin(twin, V, D);
    const texts = realReference(COMMUNITY).texts.map((t) => t.text);
    const states: Map<LayerSpec, Float32Array>[][] = [];
    for (const [name, m] of [
      ['gbq', q],
      ['gbq-twin', twin],
    ] as const) {
      const dir = await singleVariantFolder('none', join(scratch, name));
      await writeFile(join(dir, 'onnx', 'model.onnx'), encodeModel(m));
      const ex = await ActivationExtractor.create(await resolveModelFolder(dir), ALL_LAYERS, {
        cacheDir: join(scratch, 'cache'),
        executionProvider: 'cpu',
      });
      try {
        states.push((await ex.extract(texts, { batchSize: 8 })).map((e) => e.states));
      } finally {
        await ex.dispose();
      }
    }
    for (const l of ALL_LAYERS) {
      texts.forEach((_, i) => assert.deepEqual(states[0][i].get(l), states[1][i].get(l), `layer ${l} text ${i}`));
    }
    // The quantized table is a coarse copy of the float one, not something else.
    const hf0 = decodeStates(realReference(COMMUNITY).texts[0].hf['0']);
    const e0 = maxAbs(states[0][0].get(0)!, hf0);
    assert.ok(e0 > 0 && e0 < 0.1 * Math.max(...hf0.map(Math.abs)), `layer 0 vs float embedding ${e0}`);
  });
});

describe('bfloat16 exports', () => {
  let dir: string;
  before(async () => {
    dir = join(scratch, 'bf16');
    await mkdir(join(dir, 'onnx'), { recursive: true });
    await singleVariantFolder('model_fp16.onnx', dir);
    const m = toBfloat16(decodeModel(readFileSync(join(dir, 'onnx', 'model_fp16.onnx'))), join(dir, 'onnx'));
    await rm(join(dir, 'onnx', 'model_fp16.onnx'));
    await rm(join(dir, 'onnx', 'model_fp16.onnx_data'));
    await writeFile(join(dir, 'onnx', 'model_bf16.onnx'), encodeModel(m));
  });

  it('ONNX Runtime on CPU cannot load them itself', async () => {
    await assert.rejects(createSession(join(dir, 'onnx', 'model_bf16.onnx'), 'cpu'), ProbescopeError);
  });

  it('are refused on CPU by loadModel and the extractor, naming the files to pick instead', async () => {
    const refused = (e: unknown) =>
      e instanceof ProbescopeError &&
      e.code === 'UNSUPPORTED_DTYPE' &&
      /model_bf16\.onnx is a bfloat16 export/.test(e.message) &&
      /onnx\/model\.onnx.*onnx\/model_fp16\.onnx.*onnx\/model_q4\.onnx/.test(e.message);
    await assert.rejects(loadModel(dir, { executionProvider: 'cpu' }), refused);
    const folder = await resolveModelFolder(dir);
    await assert.rejects(
      ActivationExtractor.create(folder, [1], { cacheDir: join(scratch, 'cache'), executionProvider: 'cpu' }),
      refused,
    );
  });

  it('are picked last when a folder also has other files', async () => {
    await singleVariantFolder('model_q4.onnx', join(scratch, 'bf16-and-q4'));
    await writeFile(
      join(scratch, 'bf16-and-q4', 'onnx', 'model_bf16.onnx'),
      readFileSync(join(dir, 'onnx', 'model_bf16.onnx')),
    );
    const folder = await resolveModelFolder(join(scratch, 'bf16-and-q4'));
    assert.equal(folder.onnxPath, join(scratch, 'bf16-and-q4', 'onnx', 'model_q4.onnx'));
  });
});

describe('bnb4 exports (MatMulBnb4, 4-bit NormalFloat weights)', () => {
  it('run on CPU: states equal the same graph with ORT-dequantized float weights, batched = single within 1e-5', async () => {
    const source = decodeModel(readFileSync(join(COMMUNITY, 'onnx', 'model.onnx')));
    inlineExternalData(source, join(COMMUNITY, 'onnx'));
    const { replaced } = toBnb4(source);
    assert.ok(replaced >= 4 * 7, `${replaced} MatMuls quantized`);
    const bnb4Dir = await singleVariantFolder('none', join(scratch, 'bnb4'));
    await writeFile(join(bnb4Dir, 'onnx', 'model_bnb4.onnx'), encodeModel(source));
    const twin = decodeModel(encodeModel(source));
    bnb4Twin(twin, await dequantizeWithOrt(source));
    const twinDir = await singleVariantFolder('none', join(scratch, 'bnb4-twin'));
    await writeFile(join(twinDir, 'onnx', 'model.onnx'), encodeModel(twin));

    const texts = realReference(COMMUNITY).texts.map((t) => t.text);
    const run = async (dir: string, batchSize: number) => {
      const ex = await ActivationExtractor.create(await resolveModelFolder(dir), ALL_LAYERS, {
        cacheDir: join(scratch, 'cache'),
        executionProvider: 'cpu',
      });
      try {
        return { kind: ex.graphKind, out: (await ex.extract(texts, { batchSize })).map((e) => e.states) };
      } finally {
        await ex.dispose();
      }
    };
    const bnb4 = await run(bnb4Dir, 1);
    const bnb4Batched = await run(bnb4Dir, 8);
    const float = await run(twinDir, 1);
    assert.equal(bnb4.kind, 'standard');
    const ref = realReference(COMMUNITY);
    const worst: string[] = [];
    for (const l of ALL_LAYERS) {
      const vsHf = Math.max(...ref.texts.map((t, i) => maxAbs(bnb4.out[i].get(l)!, decodeStates(t.hf[String(l)]))));
      const twin = Math.max(...texts.map((_, i) => maxAbs(bnb4.out[i].get(l)!, float.out[i].get(l)!)));
      worst.push(`${l}: vs twin ${twin.toExponential(1)}, vs transformers ${vsHf.toFixed(2)}`);
      texts.forEach((_, i) => {
        const vsTwin = maxAbs(bnb4.out[i].get(l)!, float.out[i].get(l)!);
        assert.ok(vsTwin <= 1e-4, `layer ${l} text ${i}: bnb4 vs its float twin ${vsTwin}`);
        const batched = maxAbs(bnb4Batched.out[i].get(l)!, bnb4.out[i].get(l)!);
        assert.ok(batched <= 1e-5, `layer ${l} text ${i}: batched vs single ${batched}`);
      });
    }
    console.log(`bnb4: ${worst.join('; ')}`);
  });
});

describe('folders with weights but no ONNX graph', () => {
  it('points to the README export section', async () => {
    const dir = join(scratch, 'gemma-2-2b');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'config.json'), readFileSync(join(COMMUNITY, 'config.json')));
    await writeFile(join(dir, 'model-00001-of-00002.safetensors'), 'x');
    await assert.rejects(
      resolveModelFolder(dir),
      (e) =>
        e instanceof ProbescopeError &&
        e.code === 'MODEL_INVALID' &&
        /PyTorch weights \(model-00001-of-00002\.safetensors\) but no \.onnx graph/.test(e.message) &&
        /optimum-cli export onnx/.test(e.message) &&
        /"Models without an ONNX export"/.test(e.message),
    );
  });
});
