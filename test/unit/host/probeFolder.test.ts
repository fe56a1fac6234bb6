import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ProbeManifest } from '../../../src/protocol/types';
import { listProbes } from '../../../src/core/probes/listProbes';
import { keepProbeCopy, newProbeFolderName } from '../../../src/host/tree/probeFolder';
import { renderProbeMetrics } from '../../../src/host/tree/probeMetricsMarkdown';
import { parseTrainArgs } from '../../../src/host/commands/trainArgs';

const manifest = (name: string, createdAt: string): ProbeManifest => ({
  format: 'probescope-probe/1',
  name,
  model: { id: 'tiny-gemma2', hash: 'abc', hiddenSize: 64, numLayers: 4 },
  layer: 3,
  probe: 'attention',
  heads: 8,
  classes: ['neg', 'pos'],
  metrics: {
    test: {
      n: 10,
      accuracy: 0.9,
      roc_auc: 0.95,
      confusion: [
        [4, 1],
        [0, 5],
      ],
    },
  },
  training: { optimizer: 'adamw', lr: 0.001 },
  createdAt,
});

test('the probes folder lists folders with a probe.json, newest first, and skips the rest', async () => {
  const root = mkdtempSync(join(tmpdir(), 'probescope-probes-'));
  for (const [name, at] of [
    ['old', '2026-01-01T00:00:00Z'],
    ['new', '2026-06-01T00:00:00Z'],
  ] as const) {
    mkdirSync(join(root, name));
    writeFileSync(join(root, name, 'probe.json'), JSON.stringify(manifest(name, at)));
  }
  mkdirSync(join(root, 'not-a-probe'));
  mkdirSync(join(root, 'broken'));
  writeFileSync(join(root, 'broken', 'probe.json'), '{ nope');
  const probes = await listProbes(root);
  assert.deepEqual(
    probes.map((p) => p.manifest.name),
    ['new', 'old'],
  );
  assert.equal(probes[0].dir, join(root, 'new'));
  assert.deepEqual(await listProbes(join(root, 'missing')), []);
});

test('keepProbeCopy copies a probe under a new name, renames it in probe.json, and never overwrites', async () => {
  const root = mkdtempSync(join(tmpdir(), 'probescope-keep-'));
  const source = join(root, 'cache', 'sweep', 'layer-2-mean');
  mkdirSync(source, { recursive: true });
  writeFileSync(join(source, 'probe.json'), JSON.stringify(manifest('layer-2-mean', '2026-01-01T00:00:00Z')));
  writeFileSync(join(source, 'probe.safetensors'), Buffer.from([1, 2, 3, 4]));
  const probesDir = join(root, 'probes');

  const kept = await keepProbeCopy(source, probesDir, 'mean-L2-best');
  assert.equal(kept, join(probesDir, 'mean-L2-best'));
  assert.equal(JSON.parse(readFileSync(join(kept, 'probe.json'), 'utf8')).name, 'mean-L2-best');
  assert.deepEqual([...readFileSync(join(kept, 'probe.safetensors'))], [1, 2, 3, 4]);
  assert.equal(JSON.parse(readFileSync(join(source, 'probe.json'), 'utf8')).name, 'layer-2-mean', 'source untouched');
  assert.deepEqual(
    (await listProbes(probesDir)).map((p) => p.dir),
    [kept],
  );

  // A second copy under the same name fails and leaves the first one and no temp folder behind.
  writeFileSync(join(source, 'probe.safetensors'), Buffer.from([9]));
  await assert.rejects(keepProbeCopy(source, probesDir, 'mean-L2-best'));
  assert.deepEqual([...readFileSync(join(kept, 'probe.safetensors'))], [1, 2, 3, 4]);
  assert.deepEqual(readdirSync(probesDir), ['mean-L2-best']);
  await assert.rejects(keepProbeCopy(join(root, 'nothing'), probesDir, 'x'), /no readable probe\.json/);
  assert.ok(!existsSync(join(probesDir, 'x')));
});

test('new probe folder names are filesystem-safe and say kind, layer, dataset and time', () => {
  const name = newProbeFolderName('attention', 3, '/data/my reviews.v2.jsonl', new Date('2026-11-25T17:04:05Z'));
  assert.equal(name, 'attention-L3-my_reviews.v2-20261125-170405');
});

test('probe metrics markdown shows accuracy, the confusion matrix and escapes table pipes', () => {
  const md = renderProbeMetrics({ ...manifest('a|b', '2026-01-01'), classes: ['neg', 'pos'] }, '/p/a');
  assert.match(md, /^# a\\\|b/);
  assert.match(md, /\| test \| 10 \| 0\.9000 \| – \| 0\.9500 \|/);
  assert.match(md, /\| \*\*neg\*\* \| 4 \| 1 \|/);
  assert.match(md, /\| optimizer \| adamw \|/);
});

test('training command arguments keep only well-formed fields', () => {
  assert.deepEqual(parseTrainArgs({ path: '/d.jsonl', split: { testSplit: 0.2, seed: 7 }, layer: 2, probe: 'mean' }), {
    dataPath: '/d.jsonl',
    testSplit: 0.2,
    seed: 7,
    layer: 2,
    probe: 'mean',
  });
  assert.deepEqual(parseTrainArgs({ layer: -1, probe: 'svm', heads: 0.5, testSplit: 1, optimizer: 'sgd' }), {});
  assert.deepEqual(parseTrainArgs(undefined), {});
});
