/**
 * Feature standardisation (featureScaling.ts): folding μ, σ back into the weights is exact, so a probe fitted on
 * standardised states applies to raw states; the same data scaled by 1e4 trains the same probe; LBFGS warns when it
 * stalls on a failed line search instead of converging.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { readDataset, sortedClasses } from '../../../../src/core/data';
import { resolveModelFolder } from '../../../../src/core/model';
import { decodeModel, encodeModel } from '../../../../src/core/onnx/proto';
import {
  classifyText,
  createRng,
  initProbeParams,
  loadProbe,
  ProbeComputer,
  trainProbeRun,
  type ProbeParams,
} from '../../../../src/core/probes';
import type { Example } from '../../../../src/core/probes/batches';
import { featureScaling, foldScaling, standardizeExamples } from '../../../../src/core/probes/featureScaling';
import { buildActivations, examplesFrom } from '../../../../src/core/probes/probeData';
import { trainLbfgs } from '../../../../src/core/probes/trainingLoop';

const root = resolve(__dirname, '../../../..');
const DATA = join(root, 'examples/span-sentiment.jsonl');
const work: string[] = [];
after(() => Promise.all(work.map((w) => rm(w, { recursive: true, force: true }))));

/** tiny-gemma2 with its embedding table × factor: layer 0 (= embeddings · √D) is the original layer 0 × factor. */
async function scaledModel(factor: number): Promise<string> {
  const dir0 = await mkdtemp(join(tmpdir(), 'ps-scaled-'));
  work.push(dir0);
  const src = join(root, 'models/tiny-gemma2');
  const m = decodeModel(await readFile(join(src, 'model.onnx')));
  const emb = m.graph!.initializer.find((t) => t.name === 'model.embed_tokens.weight')!;
  const raw = new Float32Array(new Uint8Array(emb.rawData).buffer);
  for (let i = 0; i < raw.length; i++) raw[i] *= factor;
  emb.rawData = new Uint8Array(raw.buffer);
  const dir = join(dir0, 'model');
  await mkdir(dir);
  await writeFile(join(dir, 'model.onnx'), encodeModel(m));
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json'])
    await copyFile(join(src, f), join(dir, f));
  return dir;
}

function randomExamples(n: number, D: number, scale: number, seed: number): Example[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, (_, i) => {
    const length = 2 + (i % 5);
    const x = new Float32Array(length * D);
    for (let k = 0; k < x.length; k++) x[k] = scale * (rng.normal() * (1 + (k % D)) + 3 * (k % D));
    return { x, length, label: i % 3 };
  });
}

async function forward(p: ProbeParams, examples: Example[]) {
  const { makeBatch } = await import('../../../../src/core/probes/batches');
  const computer = await ProbeComputer.create({ H: p.H, C: p.C, D: p.D }, { executionProvider: 'cpu' });
  try {
    return await computer.forward(p, makeBatch(examples, p.D));
  } finally {
    await computer.dispose();
  }
}

describe('feature standardisation', () => {
  it('folded weights on raw states give the logits and attention of the fitted weights on standardised states', async () => {
    const D = 6;
    const raw = randomExamples(12, D, 1e4, 1);
    const s = featureScaling(raw, D);
    const std = standardizeExamples(raw, s);
    // Standardised: mean 0, variance 1 per dimension over all valid tokens.
    let n = 0;
    const sum = new Float64Array(D);
    const sq = new Float64Array(D);
    for (const e of std)
      for (let t = 0; t < e.length; t++, n++)
        for (let d = 0; d < D; d++) {
          sum[d] += e.x[t * D + d];
          sq[d] += e.x[t * D + d] ** 2;
        }
    for (let d = 0; d < D; d++) {
      assert.ok(Math.abs(sum[d] / n) < 1e-5, `mean ${sum[d] / n}`);
      assert.ok(Math.abs(sq[d] / n - 1) < 1e-4, `variance ${sq[d] / n}`);
    }
    const p = initProbeParams(3, 3, D, createRng(2));
    const rng = createRng(3);
    p.q.forEach((_, i) => (p.q[i] = rng.normal()));
    p.w.forEach((_, i) => (p.w[i] = 0.1 * rng.normal()));
    const onStd = await forward(p, std);
    const onRaw = await forward(foldScaling(p, s), raw);
    for (let i = 0; i < onStd.logits.length; i++)
      assert.ok(
        Math.abs(onStd.logits[i]! - onRaw.logits[i]!) < 2e-3,
        `logit ${i}: ${onStd.logits[i]} vs ${onRaw.logits[i]}`,
      );
    for (let i = 0; i < onStd.attention.length; i++)
      assert.ok(Math.abs(onStd.attention[i]! - onRaw.attention[i]!) < 1e-4, `attention ${i}`);
  });

  it('the same states scaled by 1e4 give the same train/test accuracy and predictions (mean/LBFGS and attention/AdamW)', async () => {
    const models = { 1: await scaledModel(1), 1e4: await scaledModel(1e4) };
    const texts = (await readDataset(DATA)).texts.slice(0, 40);
    for (const probe of ['mean', 'attention'] as const) {
      const runs = await Promise.all(
        Object.entries(models).map(async ([f, modelDir]) => {
          const outDir = join(modelDir, '..', `probe-${probe}`);
          const r = await trainProbeRun({
            modelDir,
            dataPath: DATA,
            layer: 0,
            probe,
            heads: 2,
            steps: 60,
            seed: 5,
            executionProvider: 'cpu',
            cacheDir: join(modelDir, '..', 'cache'),
            outDir,
          });
          const labels = [];
          for (const text of texts)
            labels.push((await classifyText({ probeDir: outDir, text, executionProvider: 'cpu' })).label);
          return { f, r, labels, manifest: (await loadProbe(outDir)).manifest };
        }),
      );
      const [a, b] = runs as [(typeof runs)[0], (typeof runs)[0]];
      assert.equal(a.manifest.training.featureStandardization, 'train-split');
      assert.equal(b.r.train.accuracy, a.r.train.accuracy, `${probe}: train accuracy`);
      assert.equal(b.r.test.accuracy, a.r.test.accuracy, `${probe}: test accuracy`);
      assert.deepEqual(b.r.test.confusion, a.r.test.confusion, `${probe}: test predictions`);
      assert.deepEqual(b.labels, a.labels, `${probe}: classify labels`);
      assert.ok(a.r.test.accuracy > 0.8, `${probe}: ${a.r.test.accuracy}`);
    }
  });

  it('LBFGS on states 2e5× larger warns that it stalled on a failed line search; on the raw states it does not', async () => {
    const folder = await resolveModelFolder(join(root, 'models/tiny-gemma2'));
    const ds = await readDataset(DATA);
    const classes = sortedClasses(ds.labels);
    const dir = await mkdtemp(join(tmpdir(), 'ps-lbfgs-warn-'));
    work.push(dir);
    const cache = await buildActivations(folder, [3], ds.texts, { cacheDir: dir, executionProvider: 'cpu' }, {});
    const rows = ds.texts.map((_, i) => i);
    const examples = examplesFrom(
      cache,
      3,
      'mean',
      rows,
      ds.labels.map((l) => classes.indexOf(l)),
    );
    cache.close();
    const computer = await ProbeComputer.create({ H: 1, C: 1, D: 64 }, { executionProvider: 'cpu' });
    try {
      for (const [factor, warns] of [
        [1, false],
        [2e5, true],
      ] as const) {
        const logs: string[] = [];
        const train = examples.map((e) => ({ ...e, x: e.x.map((v) => v * factor) }));
        await trainLbfgs(
          computer,
          initProbeParams(1, 1, 64, createRng(0)),
          { train, val: [] },
          { maxIter: 2000, weightDecay: 0 },
          {
            onLog: (m) => logs.push(m),
          },
        );
        const warning = logs.find((m) => /LBFGS stopped after \d+ iterations on a failed line search/.test(m));
        assert.equal(warning !== undefined, warns, `×${factor}: ${logs.join(' | ')}`);
      }
    } finally {
      await computer.dispose();
    }
  });
});
