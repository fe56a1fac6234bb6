import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ActivationCache } from '../../../../src/core/activations/activationCache';
import { decodeHalves, encodeHalves, floatToHalf, halfToFloat } from '../../../../src/core/activations/float16';
import { isCancelled } from '../../../../src/core/errors';
import { type ModelFolder, resolveModelFolder } from '../../../../src/core/model/modelFolder';
import type { LayerSpec } from '../../../../src/protocol/types';
import { FIXTURES, maxAbsDiff, reference } from '../model/fixtureRef';

const ref = reference('tiny-gemma2');
// 24 texts of varied length: the reference cases, the padded-batch texts and some made-up ones.
const TEXTS = [
  ...ref.cases.map((c) => c.text),
  ...ref.padded_batch.texts,
  ...Array.from({ length: 18 }, (_, i) => `Example ${i}: ${'the council met again '.repeat(1 + (i % 5))}`),
];
const LAYERS: LayerSpec[] = [1, 3, 'final'];
const SMALL_SHARDS = 20_000; // bytes: a few examples per shard, so builds have several shards

describe('ActivationCache', () => {
  let root: string;
  let folder: ModelFolder;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'ps-cache-'));
    folder = await resolveModelFolder(join(FIXTURES, 'tiny-gemma2'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  const build = (cacheDir: string, extra: Partial<Parameters<typeof ActivationCache.build>[0]> = {}) =>
    ActivationCache.build({
      folder,
      layers: LAYERS,
      texts: TEXTS,
      cacheDir,
      executionProvider: 'cpu',
      batchSize: 4,
      shardBytes: SMALL_SHARDS,
      ...extra,
    });

  it('stores reference states that read back within 5e-5, per example and layer (float32)', async () => {
    const cache = await build(join(root, 'a'), { dtype: 'float32' });
    assert.equal(cache.dtype, 'float32');
    assert.equal(cache.numExamples, TEXTS.length);
    assert.equal(cache.hiddenSize, 64);
    assert.deepEqual(cache.layers, LAYERS);
    ref.cases.forEach((c, i) => {
      assert.equal(cache.length(i), c.input_ids.length);
      assert.ok(maxAbsDiff(cache.get(i, 1), c.hidden_states[1]) <= 5e-5);
      assert.ok(maxAbsDiff(cache.get(i, 3), c.hidden_states[3]) <= 5e-5);
      assert.ok(maxAbsDiff(cache.get(i, 'final'), c.final_norm_hidden_state) <= 2e-5);
    });
    assert.throws(() => cache.get(0, 2), /not in this cache/);
    cache.close();
  });

  it('re-opens a complete cache without running the model', async () => {
    const first = await build(join(root, 'b'));
    assert.equal(first.extractedExamples, TEXTS.length);
    assert.ok(first.modelRuns > 0);
    const again = await build(join(root, 'b'));
    assert.equal(again.extractedExamples, 0);
    assert.equal(again.modelRuns, 0);
    assert.equal(again.key, first.key);
    assert.deepEqual(again.get(5, 3), first.get(5, 3));
    first.close();
    again.close();
  });

  it('uses a different cache for different layers, texts or max length', async () => {
    const dir = join(root, 'c');
    const a = await build(dir, { texts: TEXTS.slice(0, 3) });
    const b = await build(dir, { texts: TEXTS.slice(0, 3), layers: [2] });
    const c = await build(dir, { texts: TEXTS.slice(1, 4) });
    const d = await build(dir, { texts: TEXTS.slice(0, 3), maxLength: 16 });
    assert.equal(new Set([a.key, b.key, c.key, d.key]).size, 4);
    assert.equal(d.length(0), 16);
    assert.equal(d.truncated(0), true);
    for (const x of [a, b, c, d]) x.close();
  });

  it('resumes an interrupted build and ends equal to an uninterrupted one', async () => {
    const whole = await build(join(root, 'whole'));
    const dir = join(root, 'resume');
    const controller = new AbortController();
    const logs: string[] = [];
    await assert.rejects(
      build(dir, {
        signal: controller.signal,
        onLog: (m) => logs.push(m),
        onProgress: (e) => {
          if (e.done >= 8) controller.abort();
        },
      }),
      (e) => isCancelled(e),
    );
    const keyDir = (await readdir(join(dir, 'activations')))[0];
    const files = await readdir(join(dir, 'activations', keyDir));
    assert.ok(!files.includes('index.json'), 'an interrupted build leaves no index');
    assert.ok(
      files.some((f) => f.endsWith('.bin')),
      'completed shards are kept',
    );
    assert.ok(
      logs.some((m) => /about .*MiB on disk/.test(m)),
      'size estimate logged before extraction',
    );

    const resumed = await build(dir, { onLog: (m) => logs.push(m) });
    assert.ok(
      resumed.extractedExamples > 0 && resumed.extractedExamples < TEXTS.length,
      `re-extracted ${resumed.extractedExamples}`,
    );
    assert.ok(logs.some((m) => /^Resuming/.test(m)));
    for (let i = 0; i < TEXTS.length; i++) {
      assert.equal(resumed.length(i), whole.length(i));
      for (const l of LAYERS) assert.deepEqual(resumed.get(i, l), whole.get(i, l), `example ${i} layer ${l}`);
    }
    whole.close();
    resumed.close();
  });

  it('reports progress with a rate and an ETA', async () => {
    const events: { done: number; total: number; rate?: number; etaSeconds?: number }[] = [];
    const cache = await build(join(root, 'progress'), { onProgress: (e) => events.push(e) });
    assert.ok(events.length >= 2);
    assert.equal(events[events.length - 1].done, TEXTS.length);
    assert.ok(events.every((e) => e.total === TEXTS.length && (e.rate ?? 0) > 0 && e.etaSeconds !== undefined));
    cache.close();
  });

  it('token caches are float16 by default: the float32 states rounded to nearest even, half the bytes', async () => {
    const f32 = await build(join(root, 'f32'), { dtype: 'float32' });
    // Half the shard bytes = the same shards and batches, so both see identical float32 states before rounding.
    const f16 = await build(join(root, 'f16'), { shardBytes: SMALL_SHARDS / 2 });
    assert.equal(f16.dtype, 'float16');
    assert.deepEqual(f16.float32Shards, []);
    assert.notEqual(f16.key, f32.key);
    assert.equal(f16.bytes * 2, f32.bytes);
    // The explicit float16 cache is the same cache (same key: no second extraction).
    const again = await build(join(root, 'f16'), { dtype: 'float16', shardBytes: SMALL_SHARDS / 2 });
    assert.equal(again.key, f16.key);
    assert.equal(again.extractedExamples, 0);
    again.close();
    for (let i = 0; i < TEXTS.length; i++) {
      for (const l of LAYERS) {
        const a = f32.get(i, l);
        const b = f16.get(i, l);
        assert.equal(a.length, b.length);
        for (let k = 0; k < a.length; k++) {
          // Exactly the float16-rounded float32 state (same batches), hence within 2^-11 relative (normal range).
          assert.equal(b[k], halfToFloat(floatToHalf(a[k])), `${a[k]} vs ${b[k]}`);
          assert.ok(Math.abs(a[k] - b[k]) <= Math.abs(a[k]) * 2 ** -11 + 2 ** -24, `${a[k]} vs ${b[k]}`);
        }
      }
    }
    f32.close();
    f16.close();
  });

  it('float16 shards encode and decode in bulk exactly as value by value (every half, 2^20 float bit patterns)', () => {
    const halves = new Uint16Array(65536).map((_, h) => h);
    const bytes = new Uint8Array(halves.buffer);
    const odd = new Uint8Array(bytes.length + 1);
    odd.set(bytes, 1); // a read slice may start at an odd byte
    for (const decoded of [decodeHalves(bytes), decodeHalves(odd.subarray(1))])
      for (let h = 0; h < 65536; h++) assert.ok(Object.is(decoded[h], halfToFloat(h)), `half ${h}`);
    // Random float32 bit patterns (every exponent: subnormal, normal, overflow, Inf, NaN) and the rounding edges.
    const bits = new Uint32Array(1 << 20);
    let seed = 7;
    for (let i = 0; i < bits.length; i++) bits[i] = seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    const values = new Float32Array(bits.buffer);
    values.set([0, -0, 65504, 65519.99, 65520, -65520, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 2 ** -14, 2 ** -25, 6e-8]);
    const encoded = new Uint16Array(encodeHalves(values).buffer);
    for (let i = 0; i < values.length; i++) assert.equal(encoded[i], floatToHalf(values[i]), `${values[i]}`);
  });

  it('float16 conversion rounds to nearest even and keeps specials', () => {
    assert.equal(halfToFloat(floatToHalf(1)), 1);
    assert.equal(halfToFloat(floatToHalf(65504)), 65504);
    assert.equal(halfToFloat(floatToHalf(1e6)), Infinity);
    assert.equal(halfToFloat(floatToHalf(1 + 2 ** -11)), 1); // tie -> even
    assert.equal(halfToFloat(floatToHalf(1 + 3 * 2 ** -11)), 1 + 2 ** -9);
    assert.equal(halfToFloat(floatToHalf(2 ** -24)), 2 ** -24);
    assert.ok(Number.isNaN(halfToFloat(floatToHalf(NaN))));
  });
});
