/**
 * States a float16 cache cannot hold are refused naming the layer and the largest value, and NaN/±Inf states stop any
 * extraction naming the layer (a model whose numbers overflow must not train a probe on garbage). The overflowing
 * models are the tiny Gemma 2 with the <bos> embedding row (id 2) scaled up, so every text's first state is huge.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { activationsCommand } from '../../../../src/cli/commands/activations';
import type { CliContext } from '../../../../src/cli/command';
import { ActivationCache } from '../../../../src/core/activations/activationCache';
import { verifyCacheFolder } from '../../../../src/core/activations/cacheIntegrity';
import { mergeCacheSlices } from '../../../../src/core/activations/cacheMerge';
import { assertFitsFloat16, floatToHalf, halfToFloat } from '../../../../src/core/activations/float16';
import { trainCommand } from '../../../../src/cli/commands/train';
import { ProbescopeError } from '../../../../src/core/errors';
import { resolveModelFolder } from '../../../../src/core/model/modelFolder';
import { decodeModel, encodeModel } from '../../../../src/core/onnx/proto';
import { trainProbeRun } from '../../../../src/core/probes';
import { FIXTURES } from '../model/fixtureRef';

const roots: string[] = [];
after(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));
const ctx: CliContext = { progress: () => {}, step: () => {}, log: () => {}, signal: new AbortController().signal };

/** tiny-gemma2 with embedding row `row` (default 2, <bos>) set to `value` in every dimension; layer 0 = that · √64. */
async function bosScaledModel(value: number, row = 2): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'ps-overflow-'));
  roots.push(root);
  const src = join(FIXTURES, 'tiny-gemma2');
  const m = decodeModel(await readFile(join(src, 'model.onnx')));
  const emb = m.graph!.initializer.find((t) => t.name === 'model.embed_tokens.weight')!;
  const raw = new Float32Array(new Uint8Array(emb.rawData).buffer); // a copy: rawData may view a larger buffer
  raw.fill(value, row * 64, (row + 1) * 64);
  emb.rawData = new Uint8Array(raw.buffer);
  const dir = join(root, 'model');
  await mkdir(dir);
  await writeFile(join(dir, 'model.onnx'), encodeModel(m));
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json'])
    await copyFile(join(src, f), join(dir, f));
  return dir;
}

const refusal = (code: string, says: RegExp) => (e: unknown) => {
  assert.ok(e instanceof ProbescopeError, String(e));
  assert.equal(e.code, code);
  assert.match(e.message, says);
  return true;
};

describe('float16 caches and non-finite states', () => {
  it('assertFitsFloat16 passes 65504 and refuses 65505 naming the layer and the value', () => {
    const ok = new Map<string | number, Float32Array>([[3, Float32Array.of(1, -65504)]]);
    assertFitsFloat16([ok], [3]);
    const bad = new Map<string | number, Float32Array>([['final', Float32Array.of(0, -70000.5)]]);
    assert.throws(() => assertFitsFloat16([ok, bad], [3, 'final']), refusal('BAD_ARGUMENT', /Layer final .*70000\.5/));
  });

  it('a float16 cache of states up to 80,000 is refused naming layer 0; float32 stores them exactly', async () => {
    const dir = await bosScaledModel(10_000); // layer 0 = 10,000 · √64 = 80,000 > 65,504
    const folder = await resolveModelFolder(dir);
    const cacheDir = join(dir, '..', 'cache');
    const texts = ['a vote', 'two votes'];
    await assert.rejects(
      ActivationCache.build({ folder, layers: [0], texts, cacheDir, dtype: 'float16', executionProvider: 'cpu' }),
      refusal(
        'BAD_ARGUMENT',
        /Layer 0 holds values up to 80000\.0, beyond float16's largest value 65504.*--dtype float32/,
      ),
    );
    const cache = await ActivationCache.build({
      folder,
      layers: [0],
      texts,
      cacheDir,
      dtype: 'float32',
      executionProvider: 'cpu',
    });
    assert.equal(cache.get(0, 0)[0], 80_000);
    cache.close();
  });

  it('the CLI refuses `activations --dtype float16` on that model the same way', async () => {
    const dir = await bosScaledModel(10_000);
    const data = join(dir, '..', 'texts.jsonl');
    await writeFile(data, '{"text":"a vote"}\n{"text":"two"}\n');
    await assert.rejects(
      activationsCommand.run({ model: dir, layers: '0', data, dtype: 'float16', out: join(dir, '..', 'c') }, ctx),
      refusal('BAD_ARGUMENT', /Layer 0 holds values up to 80000/),
    );
  });

  it('states that overflow to Infinity stop extraction, classification and training, naming the layer', async () => {
    const dir = await bosScaledModel(3e38); // · √64 overflows float32 at layer 0
    const inf = refusal(
      'MODEL_INVALID',
      /Layer 0 produced Infinity \(token 0 of text 1, dimension 0\).*float32 export/,
    );
    await assert.rejects(activationsCommand.run({ model: dir, layers: '0', text: 'a vote' }, ctx), inf);
    await assert.rejects(
      trainProbeRun({
        modelDir: dir,
        dataPath: join(FIXTURES, '../../examples/span-sentiment.jsonl'),
        layer: 0,
        probe: 'mean',
        executionProvider: 'cpu',
        cacheDir: join(dir, '..', 'cache-train'),
        outDir: join(dir, '..', 'probe'),
      }),
      refusal('MODEL_INVALID', /Layer 0 produced Infinity/),
    );
  });

  // Token 909 ("z") scaled: only texts with a "z" reach 80,000 at layer 0; one example per shard (shardBytes 1).
  const MIXED = ['a vote', 'zebra crossing', 'calm text', 'loud zebra'];
  const hasZ = (t: string) => t.includes('z');

  it('the default (float16) token cache stores the shards that exceed 65,504 as float32, the rest float16, never ±Infinity', async () => {
    const dir = await bosScaledModel(10_000, 909);
    const folder = await resolveModelFolder(dir);
    const base = { folder, layers: [0, 1], texts: MIXED, executionProvider: 'cpu' as const, shardBytes: 1 };
    const ref = await ActivationCache.build({ ...base, cacheDir: join(dir, '..', 'f32'), dtype: 'float32' });
    const logs: string[] = [];
    const cacheDir = join(dir, '..', 'f16');
    const cache = await ActivationCache.build({ ...base, cacheDir, onLog: (m) => logs.push(m) });
    assert.equal(cache.dtype, 'float16');
    assert.equal(cache.float32Shards.length, 2, 'the two texts with a "z"');
    assert.equal(
      logs.filter((m) => /^Shard \d of 4: layer 0 holds values up to 80000\.0, beyond float16.*float32/.test(m)).length,
      2,
    );
    for (let i = 0; i < MIXED.length; i++)
      for (const layer of [0, 1]) {
        const a = ref.get(i, layer);
        const b = cache.get(i, layer);
        assert.ok(b.every(Number.isFinite));
        // Same batches (one text each): float32 shards hold the float32 states, float16 shards their rounding.
        for (let k = 0; k < a.length; k++) assert.equal(b[k], hasZ(MIXED[i]) ? a[k] : halfToFloat(floatToHalf(a[k])));
      }
    assert.equal(cache.get(1, 0)[64], 80_000);
    const index = JSON.parse(await readFile(join(cache.dir, 'index.json'), 'utf8')) as {
      shardSums: { bytes: number; dtype?: string }[];
    };
    assert.deepEqual(index.shardSums.map((x) => x.dtype ?? 'float16').sort(), [
      'float16',
      'float16',
      'float32',
      'float32',
    ]);
    assert.equal(
      cache.bytes,
      index.shardSums.reduce((a, x) => a + x.bytes, 0),
    );
    assert.ok((await verifyCacheFolder(cache.dir)).ok);
    cache.close();
    ref.close();

    // Reused as it is; after losing index.json and one float16 shard, only that shard is extracted again.
    const again = await ActivationCache.build({ ...base, cacheDir });
    assert.equal(again.extractedExamples, 0);
    again.close();
    const f16Shard = index.shardSums.findIndex((x) => x.dtype === undefined);
    await unlink(join(cache.dir, 'index.json'));
    await unlink(join(cache.dir, `shard-0000${f16Shard}.bin`));
    const resumed = await ActivationCache.build({ ...base, cacheDir });
    assert.equal(resumed.extractedExamples, 1);
    assert.equal(await readFile(join(resumed.dir, 'index.json'), 'utf8'), JSON.stringify(index));
    resumed.close();

    // Two slices + merge = the single run, byte for byte (the fallback depends only on each shard's states).
    const sliced = join(dir, '..', 'sliced');
    for (const index of [0, 1])
      await ActivationCache.buildSlice({ ...base, cacheDir: sliced, slice: { index, count: 2 } });
    const [merged] = await mergeCacheSlices([sliced], sliced);
    for (const name of (await readdir(cache.dir)).filter((n) => n.endsWith('.bin') || n === 'index.json'))
      assert.ok((await readFile(join(merged.dir, name))).equals(await readFile(join(cache.dir, name))), name);
  });

  it('the CLI: `activations` keeps those shards in float32 and says so; `train` reuses that cache', async () => {
    const dir = await bosScaledModel(10_000, 909);
    const data = join(dir, '..', 'mixed.jsonl');
    const rows = Array.from({ length: 12 }, (_, i) => ({
      text: `${MIXED[i % 4]} ${i}`,
      label: hasZ(MIXED[i % 4]) ? 1 : 0,
    }));
    await writeFile(data, rows.map((r) => JSON.stringify(r)).join('\n'));
    const out = join(dir, '..', 'cli-cache');
    const logs: string[] = [];
    const log = { ...ctx, log: (m: string) => logs.push(m) };
    const r = (await activationsCommand.run({ model: dir, layers: '0', data, out, 'shard-size': '1KB' }, log)) as {
      dtype: string;
      float32Shards: number[];
    };
    assert.equal(r.dtype, 'float16');
    assert.ok(r.float32Shards.length >= 1);
    assert.ok(logs.some((m) => /layer 0 holds values up to 80000\.0.*stored as float32/.test(m)));
    logs.length = 0;
    await trainCommand.run(
      {
        model: dir,
        data,
        layer: '0',
        probe: 'attention',
        steps: '2',
        'cache-dir': out,
        out: join(dir, '..', 'p'),
        'execution-provider': 'cpu',
      },
      log,
    );
    assert.ok(!logs.some((m) => /^Extracting/.test(m)), logs.join('\n'));
  });
});
