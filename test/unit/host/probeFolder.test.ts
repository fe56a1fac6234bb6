import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ProbeManifest } from '../../../src/protocol/types';
import { listProbeFolders, newProbeFolderName } from '../../../src/host/tree/probeFolder';
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
  const probes = await listProbeFolders(root);
  assert.deepEqual(
    probes.map((p) => p.manifest.name),
    ['new', 'old'],
  );
  assert.equal(probes[0].dir, join(root, 'new'));
  assert.deepEqual(await listProbeFolders(join(root, 'missing')), []);
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
