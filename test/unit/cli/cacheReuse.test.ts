/**
 * Issue #8 item 8: a cache built by `probescope activations --data … --out C` is reused by `probescope train
 * --cache-dir C` (one max-length default), also when it holds more layers; `probescope cache verify` reports damage.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CliContext } from '../../../src/cli/command';
import { activationsCommand } from '../../../src/cli/commands/activations';
import { cacheVerifyCommand } from '../../../src/cli/commands/cacheVerify';
import { evalCommand } from '../../../src/cli/commands/eval';
import { trainCommand } from '../../../src/cli/commands/train';
import { repoRoot } from '../worker/buildBundle';

const MODEL = join(repoRoot, 'models/tiny-gemma2');

function context(logs: string[]): CliContext {
  return {
    progress: () => undefined,
    step: () => undefined,
    log: (m) => logs.push(m),
    signal: new AbortController().signal,
  };
}

describe('activations --out C, then train --cache-dir C', () => {
  let root: string;
  let data: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'ps-reuse-'));
    data = join(root, 'data.jsonl');
    const rows = Array.from({ length: 16 }, (_, i) =>
      JSON.stringify({ text: `${i % 2 ? 'great lovely' : 'awful bad'} review number ${i}`, label: i % 2 }),
    );
    writeFileSync(data, rows.join('\n') + '\n');
  });
  after(() => rm(root, { recursive: true, force: true }));

  for (const layers of ['2', 'all']) {
    it(`reuses the cache of --layers ${layers} without extracting again`, async () => {
      const cacheDir = join(root, `cache-${layers}`);
      await activationsCommand.run({ model: MODEL, layers, data, out: cacheDir }, context([]));
      const logs: string[] = [];
      await trainCommand.run(
        {
          model: MODEL,
          data,
          layer: '2',
          probe: 'mean',
          'cache-dir': cacheDir,
          out: join(root, `probe-${layers}`),
          'execution-provider': 'cpu',
          preset: 'fast',
        },
        context(logs),
      );
      assert.ok(!logs.some((m) => /^Extracting/.test(m)), `train extracted again:\n${logs.join('\n')}`);
      assert.equal(readdirSync(join(cacheDir, 'activations')).length, 1, 'no second cache');
      if (layers === 'all') assert.ok(logs.some((m) => /^Reusing the activation cache/.test(m)));
    });
  }

  it('reuses the cache of a dataset with rows that lack a label (semicolon CSV, nan labels)', async () => {
    // train skips rows without a label; activations must cache the same texts or train extracts again.
    const csv = join(root, 'semi.csv');
    const lines = Array.from({ length: 20 }, (_, i) => {
      const label = i % 5 === 0 ? 'nan' : i % 7 === 0 ? '' : i % 2 ? '1.0' : '0';
      return `${i % 2 ? 'great lovely' : 'awful bad'} film number ${i};${label}`;
    });
    writeFileSync(csv, ['text;label', ...lines].join('\n') + '\n');
    const cacheDir = join(root, 'cache-semi');
    const built = (await activationsCommand.run(
      { model: MODEL, layers: '1', data: csv, out: cacheDir },
      context([]),
    )) as {
      examples: number;
    };
    assert.equal(built.examples, 14, 'the 6 rows without a label are not extracted');
    const logs: string[] = [];
    await trainCommand.run(
      { data: csv, layer: '1', probe: 'mean', 'cache-dir': cacheDir, out: join(root, 'probe-semi') },
      context(logs),
    );
    assert.ok(!logs.some((m) => /^Extracting/.test(m)), `train extracted again:\n${logs.join('\n')}`);
    // A dataset without a label column is still extracted whole.
    const textOnly = join(root, 'texts.jsonl');
    writeFileSync(textOnly, ['a', 'b', 'c'].map((t) => JSON.stringify({ text: `text ${t}` })).join('\n') + '\n');
    const plain = (await activationsCommand.run(
      { model: MODEL, layers: '1', data: textOnly, out: join(root, 'cache-plain') },
      context([]),
    )) as { examples: number };
    assert.equal(plain.examples, 3);
  });

  // Token caches (attention probes) are float16 by default; the dtype is in the key, so float32 and float16 never mix.
  const trainAttention = async (cacheDir: string, out: string, extra: Record<string, string> = {}) => {
    const logs: string[] = [];
    await trainCommand.run(
      {
        model: MODEL,
        data,
        layer: '2',
        probe: 'attention',
        steps: '3',
        'cache-dir': cacheDir,
        out: join(root, out),
        'execution-provider': 'cpu',
        ...extra,
      },
      context(logs),
    );
    return logs.some((m) => /^Extracting/.test(m));
  };

  for (const dtype of [undefined, 'float16'] as const) {
    it(`activations ${dtype ? '--dtype float16' : '(default dtype)'}, then train --probe attention reuses the float16 cache`, async () => {
      const cacheDir = join(root, `cache-att-${dtype ?? 'default'}`);
      const built = (await activationsCommand.run(
        { model: MODEL, layers: '2', data, out: cacheDir, ...(dtype ? { dtype } : {}) },
        context([]),
      )) as { dtype: string };
      assert.equal(built.dtype, 'float16');
      assert.equal(await trainAttention(cacheDir, `probe-att-${dtype ?? 'default'}`), false, 'train extracted again');
      assert.equal(readdirSync(join(cacheDir, 'activations')).length, 1, 'no second cache');
    });
  }

  it('a float32 cache is not used for a float16 run (a second cache), and is reused by train --dtype float32', async () => {
    const cacheDir = join(root, 'cache-att-f32');
    await activationsCommand.run({ model: MODEL, layers: '2', data, out: cacheDir, dtype: 'float32' }, context([]));
    assert.equal(
      await trainAttention(cacheDir, 'probe-f32', { dtype: 'float32' }),
      false,
      'train --dtype float32 reuses it',
    );
    // probe.json records the dtype it was fitted on, and eval reads that precision again: with only the float32
    // cache there, eval extracts nothing.
    const evalExtracts = async (probe: string, dtype: string) => {
      assert.equal(JSON.parse(readFileSync(join(root, probe, 'probe.json'), 'utf8')).training.cacheDtype, dtype);
      const logs: string[] = [];
      await evalCommand.run(
        { probe: join(root, probe), data, 'cache-dir': cacheDir, 'execution-provider': 'cpu' },
        context(logs),
      );
      return logs.some((m) => /^Extracting/.test(m));
    };
    assert.equal(await evalExtracts('probe-f32', 'float32'), false);
    assert.equal(await trainAttention(cacheDir, 'probe-f16'), true, 'the default (float16) extracts its own');
    assert.equal(await evalExtracts('probe-f16', 'float16'), false);
    const dtypes = readdirSync(join(cacheDir, 'activations')).map(
      (k) => JSON.parse(readFileSync(join(cacheDir, 'activations', k, 'index.json'), 'utf8')).dtype as string,
    );
    assert.deepEqual(dtypes.sort(), ['float16', 'float32']);
    // train --cache picks by --dtype among caches of the same data, and says when none has it.
    assert.equal(await trainAttention('', 'probe-c32', { cache: cacheDir, dtype: 'float32' }), false);
    await assert.rejects(
      trainAttention('', 'probe-c32b', { cache: join(root, 'cache-att-default'), dtype: 'float32' }),
      /holds float16 states, not --dtype float32/,
    );
  });

  it('cache verify reports every cache and names a damaged shard', async () => {
    const cacheDir = join(root, 'cache-2');
    const ok = (await cacheVerifyCommand.run({ 'cache-dir': cacheDir }, context([]))) as {
      ok: boolean;
      caches: { dir: string; ok: boolean; problems: string[] }[];
    };
    assert.equal(ok.ok, true);
    assert.equal(ok.caches.length, 1);
    const shard = join(ok.caches[0]!.dir, 'shard-00000.bin');
    writeFileSync(shard, Buffer.alloc(64), { flag: 'r+' });
    const logs: string[] = [];
    const bad = (await cacheVerifyCommand.run({ 'cache-dir': cacheDir }, context(logs))) as typeof ok;
    assert.equal(bad.ok, false);
    assert.match(bad.caches[0]!.problems.join(), /shard-00000\.bin is damaged/);
    assert.match(logs.join('\n'), /shard-00000\.bin is damaged/);
  });
});
