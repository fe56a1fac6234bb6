/**
 * The compact forms behind streamed training (issue #16): each must give exactly what the form it replaced gave.
 * - decodeInto (table float16, byte-copy float32) = shardFormat's decodeValues, bit for bit, at any byte alignment;
 * - probabilityMatrix (one Float64Array) = probabilities() row by row;
 * - predictOver's entropy ratio (H numbers per example) = entropyRatioOf over each example's attention rows;
 * - ActivationCache's typed example table answers length/shardOf/blockOffset/location as index.json lists them.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ActivationCache } from '../../../../src/core/activations/activationCache';
import { decodeValues } from '../../../../src/core/activations/shardFormat';
import { resolveModelFolder } from '../../../../src/core/model/modelFolder';
import { makeBatch, makeChunks } from '../../../../src/core/probes/batches';
import { lazyExamplesFrom } from '../../../../src/core/probes/lazyExamples';
import { ShardBatchSampler } from '../../../../src/core/probes/shardBatchSampler';
import { SYNTH_LAYER, writeSyntheticCache } from '../../../../bench/scaleCache';
import { decodeInto } from '../../../../src/core/activations/decodeInto';
import { entropyRatioOf, probabilities, probabilityMatrix } from '../../../../src/core/probes/metrics';
import { ProbeComputer } from '../../../../src/core/probes/probeComputer';
import { initProbeParams } from '../../../../src/core/probes/probeParams';
import { createRng } from '../../../../src/core/probes/rng';
import { predictOver } from '../../../../src/core/probes/trainingLoop';
import { repoRoot } from '../../worker/buildBundle';
import { TEXTS } from '../activations/helpers/cacheTexts';

const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

describe('compact streaming forms equal the forms they replace', () => {
  it('decodeInto equals decodeValues for every float16 bit pattern and for float32, at any alignment', () => {
    const all = new Uint16Array(65536).map((_, h) => h);
    for (const shift of [0, 1]) {
      const bytes = new Uint8Array(all.byteLength + shift + 3).subarray(shift, shift + all.byteLength);
      bytes.set(new Uint8Array(all.buffer));
      const want = decodeValues(bytes, 'float16');
      const got = new Float32Array(65536 + 5);
      decodeInto(bytes, 'float16', got, 5);
      assert.deepEqual(bits(got.subarray(5)), bits(want), `float16, byte offset ${shift}`);
      assert.deepEqual(got.subarray(0, 5), new Float32Array(5), 'nothing written before `at`');
    }
    const f32 = Float32Array.from([1.5, -0, NaN, Infinity, 3.4e38, 1e-45]);
    const raw = new Uint8Array(f32.byteLength + 1).subarray(1);
    raw.set(new Uint8Array(f32.buffer));
    const out = new Float32Array(8);
    decodeInto(raw, 'float32', out, 2);
    assert.deepEqual(bits(out.subarray(2)), bits(f32));
  });

  it('probabilityMatrix is probabilities() flattened, bit for bit (binary and multiclass)', () => {
    const rng = createRng(3);
    for (const C of [1, 3]) {
      const logits = Float32Array.from({ length: 50 * C }, () => (rng.next() - 0.5) * 40);
      assert.deepEqual(probabilityMatrix(logits, C), Float64Array.from(probabilities(logits, C).flat()));
    }
  });

  it('predictOver keeps the entropy ratio of the attention rows, and the cache table answers as index.json says', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ps-compact-'));
    const cache = await ActivationCache.build({
      folder: await resolveModelFolder(join(repoRoot, 'models/tiny-gemma2')),
      layers: [2],
      texts: TEXTS,
      cacheDir: join(root, 'cache'),
      executionProvider: 'cpu',
      shardBytes: 8_000,
    });
    try {
      const index = JSON.parse(await readFile(join(cache.dir, 'index.json'), 'utf8'));
      for (const [i, [shard, offset, length]] of (index.examples as number[][]).entries()) {
        assert.equal(cache.length(i), length);
        assert.equal(cache.shardOf(i), shard);
        assert.equal(cache.blockOffset(i), offset);
        assert.equal(cache.location(i, 2).position, offset);
        const dst = new Float32Array(length * cache.hiddenSize + 1);
        cache.readInto(i, 2, dst, 1);
        assert.deepEqual(dst.subarray(1), cache.get(i, 2));
      }
      assert.throws(() => cache.length(TEXTS.length), /out of range/);
      const D = cache.hiddenSize;
      const H = 3;
      const examples = TEXTS.map((_, i) => ({ x: cache.get(i, 2), length: cache.length(i), label: i % 2 }));
      const computer = await ProbeComputer.create({ H, C: 1, D });
      const p = initProbeParams(H, 1, D, createRng(9));
      p.q = Float32Array.from({ length: H * D }, (_, k) => Math.sin(k));
      // Small chunks, sorted by length: chunk order differs from example order.
      const chunks = makeChunks(examples, D, 4 * 8 * D);
      assert.ok(chunks.length > 2);
      const r = await predictOver(computer, p, chunks, examples.length, true);
      // The rows the previous predictOver kept: each example's valid attention rows, from the same chunk runs.
      const rows: { att: Float32Array; length: number }[] = new Array(examples.length);
      for (const { batch, indices } of chunks) {
        const f = await computer.forward(p, batch);
        indices.forEach((idx, j) => {
          const len = examples[idx].length;
          rows[idx] = { att: f.attention.slice(j * batch.S * H, (j * batch.S + len) * H), length: len };
        });
      }
      const want = entropyRatioOf(rows, H)!;
      assert.ok(want > 0 && want < 1);
      assert.equal(r.entropyRatio, want);
      await computer.dispose();
    } finally {
      cache.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('streamed per-example reads', () => {
  it('read neighbours in a shard together and still serve makeBatch of the picks, bit for bit', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ps-runs-'));
    try {
      // 256 examples of 2 tokens × 8 floats (64 B) in 4 KiB shards: 64 per shard, 4 shards.
      const c = await writeSyntheticCache(join(root, 'c'), 256, 2, 8, 4096);
      const cache = await ActivationCache.open(c.cacheDir);
      const rows = Array.from({ length: 256 }, (_, i) => i);
      const lazy = lazyExamplesFrom(cache, SYNTH_LAYER, 'attention', rows, rows, 4096);
      // A budget of one shard: not whole shards (two can be alive), runs of up to 1 KiB (16 examples).
      const s = new ShardBatchSampler(lazy, 32, createRng(5), 4096);
      assert.equal(s.wholeShards, false);
      for (let b = 0; b < 16; b++) {
        const { picks, ...batch } = await s.next();
        assert.deepEqual(
          batch,
          makeBatch(
            picks.map((j) => lazy[j]),
            8,
          ),
        );
      }
      await s.close();
      // 17 batches read (one ahead) of 32 examples each: far fewer reads than examples.
      assert.ok(s.reads < (17 * 32) / 2, `${s.reads} reads`);
      const one = new ShardBatchSampler(lazy, 32, createRng(5), 0);
      for (let b = 0; b < 4; b++) await one.next();
      await one.close();
      assert.equal(one.reads, 5 * 32, 'budget 0: one read per example');
      cache.close();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
