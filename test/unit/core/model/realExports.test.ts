/**
 * Every export kind Gemma repos on the Hub ship (test/fixtures/real-exports): each text alone matches the reference
 * (transformers for float32 graphs, the graph's own onnxruntime states for quantized ones), and a batch of texts of
 * different lengths gives every text its single-text states within 1e-5.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ProbescopeError } from '../../../../src/core/errors';
import { extractionLayout } from '../../../../src/core/model/extractionLayout';
import { ActivationExtractor } from '../../../../src/core/model/extractor';
import type { GraphKind } from '../../../../src/core/model/graphKind';
import { resolveModelFolder } from '../../../../src/core/model/modelFolder';
import type { LayerSpec } from '../../../../src/protocol/types';
import {
  ALL_LAYERS,
  decodeStates,
  maxAbs,
  REAL_EXPORTS,
  realReference,
  realVariants,
  variantDir,
} from './helpers/realExports';

const BATCH_TOL = 1e-5;

let scratch: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ps-real-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function expectedKind(name: string): { kind: GraphKind; padding: 'left' | 'right' } {
  if (name.includes('genai-gqa')) return { kind: 'gqa', padding: 'right' };
  if (name.includes('quantized')) return { kind: 'dynamic-int8', padding: 'left' };
  return { kind: 'standard', padding: 'left' };
}

for (const variant of realVariants()) {
  describe(`real export ${variant.name}`, () => {
    let extractor: ActivationExtractor;
    let dir: string;
    let singles: Map<LayerSpec, Float32Array>[];
    const ref = () => realReference(dir);

    before(async () => {
      dir = await variantDir(variant.model_dir, scratch);
      const folder = await resolveModelFolder(dir);
      assert.equal(folder.onnxPath, join(dir, variant.onnx_file));
      extractor = await ActivationExtractor.create(folder, ALL_LAYERS, {
        cacheDir: join(scratch, 'cache'),
        executionProvider: 'cpu',
      });
      singles = [];
      for (const t of ref().texts) singles.push((await extractor.extract([t.text]))[0].states);
    });
    after(async () => {
      await extractor?.dispose();
    });

    it(`is a '${expectedKind(variant.name).kind}' graph padded ${expectedKind(variant.name).padding}`, async () => {
      const layout = await extractionLayout(await resolveModelFolder(dir), ALL_LAYERS, {
        cacheDir: join(scratch, 'cache'),
      });
      assert.deepEqual(layout, {
        graphKind: extractor.graphKind,
        padding: extractor.padding,
        maxBatchSize: extractor.maxBatchSize,
      });
      assert.equal(extractor.graphKind, expectedKind(variant.name).kind);
      assert.equal(extractor.padding, expectedKind(variant.name).padding);
      assert.equal(extractor.maxBatchSize, variant.name.includes('quantized') ? 1 : Number.POSITIVE_INFINITY);
    });

    it('gives every text alone its reference states at every layer, final = the final-norm state', async () => {
      const r = ref();
      for (const [i, t] of r.texts.entries()) {
        const [ex] = await extractor.extract([t.text]);
        assert.deepEqual(
          ex.tokens.map((s) => s.id),
          t.input_ids,
          t.name,
        );
        for (const l of ALL_LAYERS) {
          const got = singles[i].get(l)!;
          if (r.tolerance.kind === 'float32') {
            const d = maxAbs(got, decodeStates(t.hf[String(l)]));
            assert.ok(d <= r.tolerance.vs_hf_abs, `${t.name} layer ${l}: ${d} vs transformers`);
          } else {
            const d = maxAbs(got, decodeStates(t.ort![String(l)], t.ort_encoding));
            assert.ok(
              d <= r.tolerance.vs_ort_abs[String(l)],
              `${t.name} layer ${l}: ${d} vs the graph's own ORT states`,
            );
          }
        }
      }
    });

    it('a batch of all texts (15 to 303 tokens) gives each text its single-text states within 1e-5', async () => {
      const r = ref();
      const runsBefore = extractor.runs;
      const batched = await extractor.extract(
        r.texts.map((t) => t.text),
        { batchSize: 8 },
      );
      const worst = new Map<LayerSpec, number>();
      batched.forEach((ex, i) => {
        for (const l of ALL_LAYERS) {
          const d = maxAbs(ex.states.get(l)!, singles[i].get(l)!);
          worst.set(l, Math.max(worst.get(l) ?? 0, d));
          assert.ok(d <= BATCH_TOL, `${r.texts[i].name} layer ${l}: batched differs from single by ${d}`);
        }
      });
      console.log(
        `${variant.name} batched vs single: ${[...worst].map(([l, d]) => `${l}=${d.toExponential(1)}`).join(' ')}`,
      );
      if (extractor.maxBatchSize === 1) {
        // Dynamic int8: one text per run, so batch-mates cannot change its scales.
        assert.equal(extractor.runs - runsBefore, r.texts.length);
        assert.equal(extractor.batchCheck, undefined);
      } else {
        assert.equal(extractor.runs - runsBefore, 1, 'all texts ran in one padded batch');
        assert.ok(extractor.batchCheck, 'the batch was checked against a single run');
        for (const d of extractor.batchCheck.maxAbsDiff.values()) assert.ok(d <= BATCH_TOL);
      }
    });
  });
}

describe('the batched-vs-single guard', () => {
  it('fails loudly when a GroupQueryAttention graph is padded on the left, naming the kind and the difference', async () => {
    const dir = join(REAL_EXPORTS, 'gemma2-genai-gqa');
    const ref = realReference(dir);
    const folder = await resolveModelFolder(dir);
    const ex = await ActivationExtractor.create(folder, [1, 4], {
      cacheDir: join(scratch, 'cache'),
      executionProvider: 'cpu',
      padding: 'left',
    });
    try {
      await assert.rejects(
        ex.extract(ref.texts.map((t) => t.text)),
        (e) =>
          e instanceof ProbescopeError &&
          e.code === 'UNSUPPORTED_GRAPH' &&
          /graph kind 'gqa', left padding/.test(e.message) &&
          /layer 1 of a 15-token text differs by/.test(e.message),
      );
    } finally {
      await ex.dispose();
    }
  });

  it('passes GroupQueryAttention graphs padded the way they need (right) by default', async () => {
    const folder = await resolveModelFolder(join(REAL_EXPORTS, 'gemma3-genai-gqa'));
    const ex = await ActivationExtractor.create(folder, [4], {
      cacheDir: join(scratch, 'cache'),
      executionProvider: 'cpu',
    });
    try {
      await ex.extract(['A short one.', 'A somewhat longer text that needs more tokens than the first.']);
      assert.equal(ex.padding, 'right');
      assert.equal(ex.batchCheck?.maxAbsDiff.get(4), 0);
    } finally {
      await ex.dispose();
    }
  });
});
