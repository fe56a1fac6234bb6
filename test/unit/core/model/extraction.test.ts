import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { padBatch, planBatches } from '../../../../src/core/model/batching';
import { ActivationExtractor } from '../../../../src/core/model/extractor';
import { resolveModelFolder } from '../../../../src/core/model/modelFolder';
import { createSession } from '../../../../src/core/model/session';
import type { LayerSpec } from '../../../../src/protocol/types';
import { FIXTURES, MODELS, maxAbsDiff, reference } from './fixtureRef';

const HIDDEN_TOL = 5e-5;
const FINAL_TOL = 2e-5; // reference.json suggested_tolerance.final_norm_abs
const LOGITS_TOL = 5e-6;
const ALL: LayerSpec[] = [0, 1, 2, 3, 4, 'final'];

for (const modelName of MODELS) {
  describe(`extraction on ${modelName}`, () => {
    const ref = reference(modelName);
    let cacheDir: string;
    let extractor: ActivationExtractor;
    const worst = new Map<LayerSpec, number>();

    before(async () => {
      cacheDir = await mkdtemp(join(tmpdir(), 'ps-extract-'));
      const folder = await resolveModelFolder(join(FIXTURES, modelName));
      extractor = await ActivationExtractor.create(folder, ALL, { cacheDir, executionProvider: 'cpu' });
    });
    after(async () => {
      await extractor.dispose();
      await rm(cacheDir, { recursive: true, force: true });
      console.log(
        `${modelName} max abs diff per layer: ${[...worst].map(([l, d]) => `${l}=${d.toExponential(2)}`).join(' ')}`,
      );
    });

    function check(states: Map<LayerSpec, Float32Array>, hidden: number[][][], final: number[][], label: string) {
      for (const l of ALL) {
        const d = maxAbsDiff(states.get(l)!, l === 'final' ? final : hidden[l]);
        worst.set(l, Math.max(worst.get(l) ?? 0, d));
        assert.ok(d <= (l === 'final' ? FINAL_TOL : HIDDEN_TOL), `${label} layer ${l}: max abs diff ${d}`);
      }
    }

    it('tokenizes every reference case to its input_ids and returns every layer within 5e-5 of the reference', async () => {
      for (const c of ref.cases) {
        const [ex] = await extractor.extract([c.text]);
        assert.deepEqual(
          ex.tokens.map((t) => t.id),
          c.input_ids,
          c.name,
        );
        assert.equal(ex.truncated, false);
        check(ex.states, c.hidden_states, c.final_norm_hidden_state, c.name);
      }
    });

    it('returns the same states when all cases run in one left-padded batch', async () => {
      const out = await extractor.extract(
        ref.cases.map((c) => c.text),
        { batchSize: 8 },
      );
      assert.ok(extractor.runs > 0);
      out.forEach((ex, i) =>
        check(ex.states, ref.cases[i].hidden_states, ref.cases[i].final_norm_hidden_state, `batched ${i}`),
      );
    });

    it("matches the reference's left-padded batch on unmasked positions", async () => {
      const pb = ref.padded_batch;
      const seqs = pb.input_ids.map((ids, b) => ids.filter((_, t) => pb.attention_mask[b][t] === 1));
      const runsBefore = extractor.runs;
      const out = await extractor.extractIds(seqs, { batchSize: 2 });
      assert.equal(extractor.runs - runsBefore, 1, 'both rows ran in one padded batch');
      out.forEach((states, b) => {
        const valid = (rows: number[][]) => rows.filter((_, t) => pb.attention_mask[b][t] === 1);
        check(states, pb.hidden_states[b].map(valid), valid(pb.final_norm_hidden_state[b]), `padded row ${b}`);
      });
    });

    it('truncates sequences longer than maxLength and reports it through onTruncate', async () => {
      const folder = await resolveModelFolder(join(FIXTURES, modelName));
      const short = await ActivationExtractor.create(folder, [2], {
        cacheDir,
        executionProvider: 'cpu',
        maxLength: 10,
      });
      const reported: [number, number][] = [];
      const c = ref.cases[0];
      const [a, b] = await short.extract(['Hi', c.text], { onTruncate: (i, n) => reported.push([i, n]) });
      await short.dispose();
      assert.deepEqual(reported, [[1, c.input_ids.length]]);
      assert.equal(a.truncated, false);
      assert.equal(b.truncated, true);
      assert.equal(b.tokens.length, 10);
      assert.equal(b.states.get(2)!.length, 10 * ref.hidden_size);
      // Causal model: the first 10 positions are unchanged by truncation.
      assert.ok(maxAbsDiff(b.states.get(2)!, c.hidden_states[2].slice(0, 10)) <= HIDDEN_TOL);
    });

    it('the unpruned model gives last-position logits within 5e-6 of the reference', async () => {
      const session = await createSession(join(FIXTURES, modelName, 'model.onnx'), 'cpu');
      for (const c of ref.cases) {
        const S = c.input_ids.length;
        const t = (v: number[]) => new ort.Tensor('int64', BigInt64Array.from(v.map(BigInt)), [1, S]);
        const out = await session.run({
          input_ids: t(c.input_ids),
          attention_mask: t(c.attention_mask),
          position_ids: t(c.position_ids),
        });
        const logits = out.logits.data as Float32Array;
        const V = out.logits.dims[2];
        const last = logits.subarray((S - 1) * V, S * V);
        const d = maxAbsDiff(last, [c.logits_last]);
        assert.ok(d <= LOGITS_TOL, `${c.name}: logits max abs diff ${d}`);
      }
      await session.release();
    });
  });
}

describe('batching', () => {
  it('groups sequences of similar length and covers every index once', () => {
    const lengths = [50, 3, 48, 5, 4, 49, 51, 2];
    const batches = planBatches(lengths, 4);
    assert.deepEqual(
      batches.flat().sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5, 6, 7],
    );
    assert.deepEqual(
      batches.map((b) => b.map((i) => lengths[i])),
      [
        [2, 3, 4, 5],
        [48, 49, 50, 51],
      ],
    );
    // A token budget splits batches before the padded size exceeds it.
    assert.ok(planBatches(lengths, 8, 100).every((b) => b.length * Math.max(...b.map((i) => lengths[i])) <= 100));
  });

  it('left-pads with pad ids, mask 0 and position 1 on pads; positions count real tokens from 0', () => {
    const p = padBatch(
      [
        [2, 7, 8],
        [2, 9],
      ],
      0,
      'left',
    );
    assert.equal(p.seqLen, 3);
    assert.deepEqual(Array.from(p.inputIds, Number), [2, 7, 8, 0, 2, 9]);
    assert.deepEqual(Array.from(p.attentionMask, Number), [1, 1, 1, 0, 1, 1]);
    assert.deepEqual(Array.from(p.positionIds, Number), [0, 1, 2, 1, 0, 1]);
    assert.deepEqual(p.starts, [0, 1]);
    const r = padBatch(
      [
        [2, 7, 8],
        [2, 9],
      ],
      0,
      'right',
    );
    assert.deepEqual(Array.from(r.attentionMask, Number), [1, 1, 1, 1, 1, 0]);
    assert.deepEqual(r.starts, [0, 0]);
  });

  it('right padding returns the same states as left padding for real tokens', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'ps-pad-'));
    const folder = await resolveModelFolder(join(FIXTURES, 'tiny-gemma2'));
    const ref = reference('tiny-gemma2');
    const ex = await ActivationExtractor.create(folder, [3], { cacheDir, executionProvider: 'cpu', padding: 'right' });
    const out = await ex.extract(
      ref.cases.map((c) => c.text),
      { batchSize: 4 },
    );
    await ex.dispose();
    await rm(cacheDir, { recursive: true, force: true });
    out.forEach((e, i) => assert.ok(maxAbsDiff(e.states.get(3)!, ref.cases[i].hidden_states[3]) <= HIDDEN_TOL));
  });
});
