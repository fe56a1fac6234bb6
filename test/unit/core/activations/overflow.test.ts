/**
 * States a float16 cache cannot hold are refused naming the layer and the largest value, and NaN/±Inf states stop any
 * extraction naming the layer (a model whose numbers overflow must not train a probe on garbage). The overflowing
 * models are the tiny Gemma 2 with the <bos> embedding row (id 2) scaled up, so every text's first state is huge.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { activationsCommand } from '../../../../src/cli/commands/activations';
import type { CliContext } from '../../../../src/cli/command';
import { ActivationCache } from '../../../../src/core/activations/activationCache';
import { assertFitsFloat16 } from '../../../../src/core/activations/float16';
import { ProbescopeError } from '../../../../src/core/errors';
import { resolveModelFolder } from '../../../../src/core/model/modelFolder';
import { decodeModel, encodeModel } from '../../../../src/core/onnx/proto';
import { trainProbeRun } from '../../../../src/core/probes';
import { FIXTURES } from '../model/fixtureRef';

const roots: string[] = [];
after(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));
const ctx: CliContext = { progress: () => {}, step: () => {}, log: () => {}, signal: new AbortController().signal };

/** tiny-gemma2 with embedding row 2 (<bos>) set to `value` in every dimension; layer 0 = that · √64. */
async function bosScaledModel(value: number): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'ps-overflow-'));
  roots.push(root);
  const src = join(FIXTURES, 'tiny-gemma2');
  const m = decodeModel(await readFile(join(src, 'model.onnx')));
  const emb = m.graph!.initializer.find((t) => t.name === 'model.embed_tokens.weight')!;
  const raw = new Float32Array(new Uint8Array(emb.rawData).buffer); // a copy: rawData may view a larger buffer
  raw.fill(value, 2 * 64, 3 * 64);
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
    const cache = await ActivationCache.build({ folder, layers: [0], texts, cacheDir, executionProvider: 'cpu' });
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
});
