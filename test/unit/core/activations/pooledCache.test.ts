/**
 * Pooled activation caches (issue #16 item 2): one vector per example and layer for mean / last probes, pooled during
 * extraction, recorded in the index; the disk planner; probes trained from a pooled cache equal those trained from
 * the token cache.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ActivationCache } from '../../../../src/core/activations/activationCache';
import { cacheKindFor, planCache, rowFor } from '../../../../src/core/activations/pooledCache';
import { readIndex } from '../../../../src/core/activations/cacheIntegrity';
import { resolveModelFolder, type ModelFolder } from '../../../../src/core/model/modelFolder';
import { loadProbe } from '../../../../src/core/probes/probeFile';
import { poolStates } from '../../../../src/core/probes/pooling';
import { trainProbeRun } from '../../../../src/core/probes/trainProbe';
import { ProbescopeError } from '../../../../src/core/errors';
import { repoRoot } from '../../worker/buildBundle';
import { TEXTS } from './helpers/cacheTexts';

const GB = 1e9;
const maxAbsDiff = (a: Float32Array, b: Float32Array) => {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('cache planner', () => {
  it('a 27-layer mean or last sweep of 1.5 M tokens at d 2304 plans < 2 GB; every token would be ~373 GB', () => {
    // 1.5 M tokens as 7,500 examples of 200 tokens; pooled size depends on examples, not tokens.
    const shape = { examples: 7_500, tokens: 1_500_000, layers: 27, hiddenSize: 2304, dtype: 'float32' as const };
    for (const kind of ['mean', 'last'] as const) {
      const p = planCache({ ...shape, kind });
      assert.equal(p.bytes, 7_500 * 27 * 2304 * 4);
      assert.ok(p.bytes < 2 * GB, `${kind}: ${p.bytes}`);
      assert.equal(p.tokenBytes, 1_500_000 * 27 * 2304 * 4);
    }
    assert.equal(planCache({ ...shape, kind: 'mean+last' }).bytes, 2 * 7_500 * 27 * 2304 * 4);
    assert.equal(planCache({ ...shape, kind: 'tokens' }).bytes, 1_500_000 * 27 * 2304 * 4);
    assert.equal(planCache({ ...shape, kind: 'mean', dtype: 'float16' }).bytes, 7_500 * 27 * 2304 * 2);
  });

  it('picks the smallest kind that serves the probes, and refuses what a kind cannot serve', () => {
    assert.equal(cacheKindFor(['mean']), 'mean');
    assert.equal(cacheKindFor(['last', 'last']), 'last');
    assert.equal(cacheKindFor(['mean', 'last']), 'mean+last');
    assert.equal(cacheKindFor(['mean', 'attention']), 'tokens');
    assert.deepEqual(rowFor('mean+last', 'last'), { row: 1, pooled: true });
    assert.deepEqual(rowFor('tokens', 'attention'), { row: 0, pooled: false });
    assert.throws(() => rowFor('mean', 'attention'), /mean-pooled vectors.*attention probes read \(every token\)/);
    assert.throws(() => rowFor('mean', 'last'), ProbescopeError);
  });
});

describe('pooled caches on the tiny model', () => {
  let root: string;
  let folder: ModelFolder;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'ps-pooled-'));
    folder = await resolveModelFolder(join(repoRoot, 'models/tiny-gemma2'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  const build = (kind: 'tokens' | 'mean' | 'last' | 'mean+last', logs: string[] = []) =>
    ActivationCache.build({
      folder,
      layers: [1, 3],
      texts: TEXTS,
      cacheDir: join(root, kind),
      executionProvider: 'cpu',
      batchSize: 4,
      shardBytes: 4_000,
      kind,
      // The pooled vectors (float32, the pooled default) are compared with the token cache's float32 states.
      ...(kind === 'tokens' ? { dtype: 'float32' as const } : {}),
      onLog: (m) => logs.push(m),
    });

  it('stores the vectors the token cache pools to (5e-6: batch rounding), and records kind and source tokens', async () => {
    const tokens = await build('tokens');
    const logs: string[] = [];
    const both = await build('mean+last', logs);
    const mean = await build('mean');
    const D = tokens.hiddenSize;
    assert.equal(both.kind, 'mean+last');
    assert.equal(mean.kind, 'mean');
    assert.equal(mean.totalTokens, TEXTS.length);
    assert.equal(both.totalTokens, 2 * TEXTS.length);
    assert.equal(mean.bytes, TEXTS.length * 2 * D * 4);
    assert.ok(mean.bytes * 5 < tokens.bytes, 'a pooled cache is much smaller');
    const { index } = await readIndex(both.dir);
    assert.equal(index!.kind, 'mean+last');
    assert.equal(index!.sourceTokens, tokens.totalTokens);
    assert.equal((await readIndex(tokens.dir)).index!.kind, 'tokens');
    // The plan, with what every token would take, is logged before extraction.
    assert.ok(logs.some((m) => /about .* on disk .*mean\+last-pooled: 2 vector\(s\).*every token would take/.test(m)));
    assert.ok((await readdir(both.dir)).filter((n) => n.endsWith('.bin')).length > 1, 'several shards');
    for (let i = 0; i < TEXTS.length; i++)
      for (const layer of [1, 3]) {
        const x = tokens.get(i, layer);
        const n = tokens.length(i);
        const m = poolStates(x, n, D, 'mean');
        const l = poolStates(x, n, D, 'last');
        // Shards of a pooled cache hold more examples, so the model runs other batches: float rounding (~1e-7)
        // differs from the token cache's, nothing else (5e-5 is the hidden-state tolerance).
        assert.ok(maxAbsDiff(mean.get(i, layer), m) <= 5e-6);
        assert.ok(maxAbsDiff(both.get(i, layer), Float32Array.from([...m, ...l])) <= 5e-6);
        assert.equal(mean.get(i, layer).length, D);
        assert.equal(both.truncated(i), tokens.truncated(i));
      }
    for (const c of [tokens, both, mean]) c.close();
  });

  it('a mean probe trained from a pooled cache equals one trained from the token cache (1e-6)', async () => {
    const base = {
      modelDir: folder.dir,
      dataPath: join(repoRoot, 'examples/span-sentiment.jsonl'),
      layer: 2 as const,
      probe: 'mean' as const,
      executionProvider: 'cpu' as const,
      seed: 3,
    };
    // A token cache of the dataset first: mean training reuses it (pooling when read).
    const tokenDir = join(root, 'train-tokens');
    await trainProbeRun({
      ...base,
      probe: 'attention',
      heads: 1,
      steps: 1,
      // float32 token states: pooled when read, they equal the pooled cache's vectors to float rounding.
      cacheDtype: 'float32',
      cacheDir: tokenDir,
      outDir: join(root, 'att'),
    });
    const logsA: string[] = [];
    const a = await trainProbeRun(
      { ...base, cacheDir: tokenDir, outDir: join(root, 'pa') },
      { onLog: (m) => logsA.push(m) },
    );
    assert.ok(!logsA.some((m) => /^Extracting/.test(m)), 'the token cache was not reused');
    const logsB: string[] = [];
    const pooledDir = join(root, 'train-pooled');
    const b = await trainProbeRun(
      { ...base, cacheDir: pooledDir, outDir: join(root, 'pb') },
      { onLog: (m) => logsB.push(m) },
    );
    assert.ok(
      logsB.some((m) => /mean-pooled/.test(m)),
      'no pooled cache was built',
    );
    const [sub] = await readdir(join(pooledDir, 'activations'));
    assert.equal((await readIndex(join(pooledDir, 'activations', sub))).index!.kind, 'mean');
    const pa = (await loadProbe(a.outDir)).params;
    const pb = (await loadProbe(b.outDir)).params;
    for (const k of ['V', 'b'] as const) {
      assert.equal(pa[k].length, pb[k].length);
      for (let i = 0; i < pa[k].length; i++) assert.ok(Math.abs(pa[k][i] - pb[k][i]) <= 1e-6, `${k}[${i}]`);
    }
    assert.equal(a.test.accuracy, b.test.accuracy);
    // The pooled cache cannot train an attention probe: refused with what to do, through train --cache.
    await assert.rejects(
      trainProbeRun({ ...base, modelDir: '', probe: 'attention', cachePath: pooledDir, outDir: join(root, 'pc') }),
      /mean-pooled vectors, not what attention probes read/,
    );
  });
});
