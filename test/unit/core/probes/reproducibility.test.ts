import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TrainProbeParams } from '../../../../src/protocol/types';
import { trainProbeRun } from '../../../../src/core/probes';

const root = resolve(__dirname, '../../../..');
const work = mkdtempSync(join(tmpdir(), 'ps-repro-'));
// batchSize 64 < the training split, so this also exercises the random mini-batch path.
const base: Omit<TrainProbeParams, 'outDir' | 'seed'> = {
  modelDir: join(root, 'models/tiny-gemma2'),
  dataPath: join(root, 'examples/span-sentiment.jsonl'),
  layer: 2,
  probe: 'attention',
  heads: 2,
  steps: 30,
  batchSize: 64,
  cacheDir: join(work, 'cache'),
};

const weights = (dir: string) => readFileSync(join(dir, 'probe.safetensors'));

test('the same seed trains a bit-identical probe (split, init and mini-batches are seeded); another seed differs', async () => {
  const a = await trainProbeRun({ ...base, seed: 7, outDir: join(work, 'a') });
  const b = await trainProbeRun({ ...base, seed: 7, outDir: join(work, 'b') });
  const c = await trainProbeRun({ ...base, seed: 8, outDir: join(work, 'c') });
  assert.ok(weights(a.outDir).equals(weights(b.outDir)), 'same seed, different weights');
  assert.deepEqual(a.test, b.test);
  assert.ok(!weights(a.outDir).equals(weights(c.outDir)), 'another seed gave the same weights');
});
