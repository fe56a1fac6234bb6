import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TrainProbeParams } from '../../../../src/protocol/types';
import { ProbescopeError } from '../../../../src/core/errors';
import { loadProbe, trainProbeRun } from '../../../../src/core/probes';

const root = resolve(__dirname, '../../../..');
const work = mkdtempSync(join(tmpdir(), 'ps-pipeline-'));
const base: Omit<TrainProbeParams, 'probe' | 'outDir'> = {
  modelDir: join(root, 'models/tiny-gemma2'),
  dataPath: join(root, 'examples/span-sentiment.jsonl'),
  layer: 3,
  seed: 0,
  cacheDir: join(work, 'cache'),
};

test('on span-sentiment at layer 3 an 8-head attention probe clearly beats the mean probe, and LBFGS ≥ AdamW for the mean probe', async () => {
  const steps: { step: number; trainLoss: number; valLoss?: number; valAccuracy?: number }[] = [];
  const phases = new Set<string>();
  const attention = await trainProbeRun(
    { ...base, probe: 'attention', heads: 8, outDir: join(work, 'probes', 'attention') },
    { onStep: (e) => steps.push(e), onProgress: (e) => phases.add(e.phase) },
  );
  const meanLbfgs = await trainProbeRun({
    ...base,
    probe: 'mean',
    optimizer: 'lbfgs',
    outDir: join(work, 'probes', 'mean-lbfgs'),
  });
  const meanAdamw = await trainProbeRun({
    ...base,
    probe: 'mean',
    optimizer: 'adamw',
    outDir: join(work, 'probes', 'mean-adamw'),
  });
  console.log(
    `test accuracy: attention ${attention.test.accuracy}, mean/lbfgs ${meanLbfgs.test.accuracy}, mean/adamw ${meanAdamw.test.accuracy}`,
  );

  assert.ok(
    attention.test.accuracy >= meanLbfgs.test.accuracy + 0.08,
    `attention ${attention.test.accuracy} vs mean ${meanLbfgs.test.accuracy}`,
  );
  assert.ok(attention.test.accuracy >= 0.9);
  assert.ok(
    meanLbfgs.test.accuracy >= meanAdamw.test.accuracy,
    `lbfgs ${meanLbfgs.test.accuracy} < adamw ${meanAdamw.test.accuracy}`,
  );

  // Split: 25% test, stratified; validation carved from train; all 400 rows used once.
  assert.equal(attention.test.n, 100);
  assert.equal(attention.train.n, 300);
  assert.deepEqual(attention.classes, ['0', '1']);
  assert.ok(attention.test.roc_auc! > 0.9 && attention.test.f1! > 0.85);
  assert.ok(attention.test.entropy_ratio! > 0 && attention.test.entropy_ratio! < 1);
  assert.equal(meanLbfgs.test.entropy_ratio, undefined);

  // Events: extraction progress, per-step train loss, periodic validation.
  assert.ok(phases.has('extract') && phases.has('train'));
  assert.equal(steps.length, attention.steps);
  assert.deepEqual(
    steps.slice(0, 3).map((s) => s.step),
    [0, 1, 2],
  );
  assert.ok(steps[0].valLoss !== undefined && steps[1].valLoss === undefined);
  assert.ok(steps.at(-1)!.trainLoss < steps[0].trainLoss / 10);

  // Saved probe round-trips and records what it was trained on.
  const { params, manifest } = await loadProbe(attention.outDir);
  assert.equal(params.H, 8);
  assert.equal(params.C, 1);
  assert.equal(params.D, 64);
  assert.equal(manifest.layer, 3);
  assert.equal(
    manifest.layerMeaning,
    'residual stream after decoder block 3 of 4 · TransformerLens blocks.2.hook_resid_post · HF hidden_states[3] · ' +
      'EleutherAI layer 3',
  );
  assert.equal(manifest.metrics.test!.accuracy, attention.test.accuracy);
  assert.equal(manifest.training.preset, 'fast');
  assert.equal(manifest.model.id, 'tiny-gemma2');
});

test('a Stop during training saves the best probe so far with stoppedEarly set', async () => {
  const ctrl = new AbortController();
  const r = await trainProbeRun(
    { ...base, probe: 'attention', heads: 2, steps: 1000, outDir: join(work, 'probes', 'stopped') },
    { signal: ctrl.signal, onStep: (e) => e.step === 25 && ctrl.abort() },
  );
  assert.equal(r.stoppedEarly, true);
  assert.ok(r.steps <= 27, `ran ${r.steps} steps after the stop`);
  assert.ok(r.test.accuracy > 0.6);
  const manifest = JSON.parse(readFileSync(join(r.outDir, 'probe.json'), 'utf8'));
  assert.equal(manifest.training.stoppedByUser, true);
  assert.ok(existsSync(join(r.outDir, 'probe.safetensors')));
});

test('a Stop of an LBFGS run also keeps its best parameters', async () => {
  const ctrl = new AbortController();
  const r = await trainProbeRun(
    { ...base, probe: 'last', outDir: join(work, 'probes', 'last-stopped') },
    { signal: ctrl.signal, onStep: (e) => e.step === 5 && ctrl.abort() },
  );
  assert.equal(r.stoppedEarly, true);
  assert.ok(r.train.loss! < 0.7, `train loss ${r.train.loss} is no better than chance`);
  assert.ok(existsSync(join(r.outDir, 'probe.json')));
});

test('a multiclass probe reports per-class accuracy and a confusion matrix over sorted classes', async () => {
  const r = await trainProbeRun({
    ...base,
    dataPath: join(root, 'examples/topic-3class.jsonl'),
    probe: 'attention',
    heads: 4,
    steps: 60,
    outDir: join(work, 'probes', 'topic'),
  });
  assert.deepEqual(r.classes, ['astronomy', 'garden', 'kitchen']);
  assert.equal(r.test.n, 60);
  assert.deepEqual(Object.keys(r.test.per_class_accuracy!), r.classes);
  assert.equal(
    r.test.confusion!.flat().reduce((a, b) => a + b, 0),
    60,
  );
  assert.equal(r.test.roc_auc, undefined);
  assert.ok(r.test.accuracy > 0.8, `topic accuracy ${r.test.accuracy}`);
  const { params } = await loadProbe(r.outDir);
  assert.equal(params.C, 3);
});

test('weight decay "cv" picks a value from the grid by 5-fold CV', async () => {
  const r = await trainProbeRun({ ...base, probe: 'mean', weightDecay: 'cv', outDir: join(work, 'probes', 'cv') });
  assert.ok([0, 1e-3, 1e-2, 0.1].includes(r.weightDecay));
});

test('bad inputs fail with actionable errors before any extraction', async () => {
  await assert.rejects(
    trainProbeRun({ ...base, layer: 9, probe: 'mean', outDir: join(work, 'x') }),
    (e: unknown) => e instanceof ProbescopeError && e.code === 'BAD_ARGUMENT' && /layers 0\.\.4/.test(e.message),
  );
  await assert.rejects(
    trainProbeRun({ ...base, probe: 'mean', lr: -1, outDir: join(work, 'x') }),
    /--lr must be positive/,
  );
});

test('layerSweep trains every (layer, kind) pair from one extraction and reports test accuracy for each', async () => {
  const { layerSweep } = await import('../../../../src/core/probes');
  const r = await layerSweep({
    ...base,
    layers: [0, 3],
    kinds: [{ probe: 'mean' }, { probe: 'attention', heads: 2 }],
    steps: 40,
    outDir: join(work, 'sweep'),
  });
  assert.deepEqual(
    r.points.map((p) => [p.layer, p.probe, p.heads]),
    [
      [0, 'mean', 1],
      [0, 'attention', 2],
      [3, 'mean', 1],
      [3, 'attention', 2],
    ],
  );
  for (const p of r.points) assert.ok(p.accuracy >= 0 && p.accuracy <= 1 && p.rocAuc !== undefined);
  // Each point is a saved probe of its own layer and kind.
  const { listProbes } = await import('../../../../src/core/probes');
  const saved = await listProbes(join(work, 'sweep'));
  assert.deepEqual(saved.map((p) => `${p.manifest.layer}/${p.manifest.probe}/${p.manifest.heads}`).sort(), [
    '0/attention/2',
    '0/mean/1',
    '3/attention/2',
    '3/mean/1',
  ]);
  for (const p of r.points) {
    const m = saved.find((s) => s.manifest.layer === p.layer && s.manifest.probe === p.probe)!;
    assert.equal(m.manifest.metrics.test!.accuracy, p.accuracy);
    assert.equal(p.outDir, m.dir, 'the point names the folder of its own probe');
  }
});
