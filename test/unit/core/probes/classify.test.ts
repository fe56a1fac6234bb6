import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ProbescopeError } from '../../../../src/core/errors';
import { classifyText, evaluateProbe, listProbes, trainProbeRun } from '../../../../src/core/probes';

const root = resolve(__dirname, '../../../..');
const work = mkdtempSync(join(tmpdir(), 'ps-classify-'));
const probesDir = join(work, 'probes');
const data = join(root, 'examples/span-sentiment.jsonl');
const common = {
  modelDir: join(root, 'models/tiny-gemma2'),
  dataPath: data,
  layer: 3 as const,
  seed: 1,
  cacheDir: join(work, 'cache'),
};
const texts = readFileSync(data, 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { text: string; label: number });

const trained = (async () => {
  const attention = await trainProbeRun({
    ...common,
    probe: 'attention',
    heads: 4,
    steps: 80,
    outDir: join(probesDir, 'att'),
  });
  const mean = await trainProbeRun({ ...common, probe: 'mean', outDir: join(probesDir, 'mean') });
  return { attention, mean };
})();

test('classifyText returns UTF-16 token spans, per-head attention that sums to 1, and softmaxed probabilities', async () => {
  const { attention } = await trained;
  const text = `Voters reported the turnout — ünïcode ok. ${texts[0].text}`;
  const r = await classifyText({ probeDir: attention.outDir, text });
  assert.equal(r.probe, 'attention');
  assert.equal(r.heads, 4);
  assert.deepEqual(Object.keys(r.probabilities), ['0', '1']);
  assert.ok(Math.abs(r.probabilities['0'] + r.probabilities['1'] - 1) < 1e-9);
  assert.equal(r.label, r.probabilities['1'] > r.probabilities['0'] ? '1' : '0');
  assert.equal(r.tokens[0].text, '<bos>');
  assert.equal(r.tokens[0].start, 0);
  for (const t of r.tokens.slice(1)) assert.ok(t.end >= t.start && t.end <= text.length);
  assert.equal(r.tokens.at(-1)!.end, text.length);
  for (let h = 0; h < 4; h++) {
    const sum = r.tokens.reduce((s, t) => s + t.attention[h], 0);
    assert.ok(Math.abs(sum - 1) < 1e-5, `head ${h} sums to ${sum}`);
  }
});

test('classify agrees with evaluation: predicted labels on training texts match the stored train accuracy', async () => {
  const { mean } = await trained;
  const sample = texts.slice(0, 40);
  let agree = 0;
  for (const row of sample) {
    const r = await classifyText({ probeDir: mean.outDir, text: row.text });
    assert.deepEqual(r.tokens[1].attention, []);
    agree += r.label === String(row.label) ? 1 : 0;
  }
  const evalPath = join(work, 'sample.jsonl');
  writeFileSync(evalPath, sample.map((r) => JSON.stringify(r)).join('\n'));
  const m = await evaluateProbe({ probeDir: mean.outDir, dataPath: evalPath, cacheDir: join(work, 'cache') });
  assert.equal(m.n, 40);
  assert.equal(m.accuracy, agree / 40);
});

test('evaluating on a dataset with unknown labels is refused', async () => {
  const { mean } = await trained;
  const p = join(work, 'other.jsonl');
  writeFileSync(p, '{"text":"a","label":"maybe"}\n');
  await assert.rejects(
    evaluateProbe({ probeDir: mean.outDir, dataPath: p }),
    (e: unknown) => e instanceof ProbescopeError && e.code === 'DATASET_INVALID' && /maybe/.test(e.message),
  );
});

test('a probe refuses to run on another model with PROBE_MISMATCH', async () => {
  const { mean } = await trained;
  await assert.rejects(
    classifyText({ probeDir: mean.outDir, text: 'hello', modelDir: join(root, 'test/fixtures/tiny-gemma3') }),
    (e: unknown) => e instanceof ProbescopeError && e.code === 'PROBE_MISMATCH',
  );
});

test('listProbes lists both trained probes with their manifests', async () => {
  await trained;
  const list = await listProbes(probesDir);
  assert.deepEqual(list.map((p) => p.manifest.probe).sort(), ['attention', 'mean']);
  assert.ok(list.every((p) => p.dir.startsWith(probesDir)));
});
