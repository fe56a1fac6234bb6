/**
 * Layer semantics, exactly: layer L = residual after decoder block L (TransformerLens blocks.{L-1}.hook_resid_post);
 * Hugging Face hidden_states[L] only for L < N, because transformers' hidden_states[N] is the final-norm state, which
 * is Probescope's `final`. Checked against transformers' own states in the real-export fixtures.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ActivationExtractor } from '../../../../src/core/model/extractor';
import { describeLayer, layerMeaning } from '../../../../src/core/model/layerSemantics';
import { resolveModelFolder } from '../../../../src/core/model/modelFolder';
import { decodeStates, maxAbs, REAL_EXPORTS, realReference } from './helpers/realExports';

describe('layer semantics', () => {
  it('names layer L after block L in TransformerLens, HF and EleutherAI terms', () => {
    assert.deepEqual(layerMeaning(3, 26), {
      probescope: 'residual stream after decoder block 3 of 26',
      transformerLens: 'blocks.2.hook_resid_post',
      huggingFace: 'hidden_states[3]',
      eleutherAI: 'layer 3',
    });
    assert.equal(layerMeaning(0, 26).transformerLens, 'blocks.0.hook_resid_pre');
    assert.equal(layerMeaning(0, 26).huggingFace, 'hidden_states[0]');
  });

  it('says layer N is not HF hidden_states[N] and that final is', () => {
    const n = layerMeaning(26, 26);
    assert.equal(n.transformerLens, 'blocks.25.hook_resid_post');
    assert.match(n.probescope, /after decoder block 26 of 26, before the final norm/);
    assert.match(n.huggingFace, /^none \(hidden_states\[26\] is the final-norm state/);
    assert.match(n.eleutherAI, /^none/);
    assert.equal(layerMeaning('final', 26).huggingFace, 'hidden_states[26] = last_hidden_state');
    assert.equal(layerMeaning('final', 26).eleutherAI, 'layer 26');
    assert.match(describeLayer('final', 26), /^final-norm state .* · HF hidden_states\[26\] = last_hidden_state/);
  });

  for (const name of ['gemma2-onnx-community', 'gemma3-genai-gqa']) {
    it(`${name}: layer N = transformers' residual after the last block, final = transformers' hidden_states[N]`, async () => {
      const dir = join(REAL_EXPORTS, name);
      const ref = realReference(dir);
      const cacheDir = await mkdtemp(join(tmpdir(), 'ps-layers-'));
      const ex = await ActivationExtractor.create(await resolveModelFolder(dir), [4, 'final'], {
        cacheDir,
        executionProvider: 'cpu',
      });
      try {
        const t = ref.texts[0];
        const [got] = await ex.extract([t.text]);
        const residual = decodeStates(t.hf['4']); // decoder layer 3's output, no norm
        const hfLast = decodeStates(t.hf.final); // transformers' hidden_states[4] (= last_hidden_state)
        assert.ok(maxAbs(got.states.get(4)!, residual) <= 5e-5);
        assert.ok(maxAbs(got.states.get('final')!, hfLast) <= 5e-5);
        // They are different tensors: confusing them is not a rounding matter.
        assert.ok(maxAbs(residual, hfLast) > 0.5, `${maxAbs(residual, hfLast)}`);
      } finally {
        await ex.dispose();
        await rm(cacheDir, { recursive: true, force: true });
      }
    });
  }
});
