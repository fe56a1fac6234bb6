/**
 * The 1 % FPR threshold a trained probe records, checked against an independent computation: every test row run
 * through scoreText (fresh extraction, float64 per-token readouts whose mean is the logit — not the ORT probe graph
 * on cached states that training evaluates with), the negatives sorted by hand. Then: scoreText returns it (the CLI: test/unit/cli/score.test.ts); a probe
 * saved before thresholds were recorded gets the same value from its rebuilt test split; one whose data is gone gets
 * "unavailable" with the reason, never a number.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { groupedStratifiedSplit, readDataset, textGroups } from '../../../../src/core/data';
import { trainProbeRun } from '../../../../src/core/probes';
import { readProbeManifest } from '../../../../src/core/probes/probeFile';
import { scoreText } from '../../../../src/core/scoring/scoreText';

const root = resolve(__dirname, '../../../..');
const work = mkdtempSync(join(tmpdir(), 'ps-fpr-threshold-'));
after(() => rmSync(work, { recursive: true, force: true }));
const MODEL = join(root, 'models/tiny-gemma2');
const DATA = join(root, 'examples/span-sentiment.jsonl');
// 60 % test rows: about 120 negatives, so one false positive is allowed (⌊0.01·N⌋ = 1) — the non-trivial case.
const TEST_SPLIT = 0.6;
const SEED = 4;

const trained = trainProbeRun({
  modelDir: MODEL,
  dataPath: DATA,
  layer: 2,
  probe: 'mean',
  seed: SEED,
  testSplit: TEST_SPLIT,
  maxLength: 256,
  executionProvider: 'cpu',
  cacheDir: join(work, 'cache'),
  outDir: join(work, 'mean'),
});

test('training records the 1 % FPR threshold of the test split, equal to an independent computation', async () => {
  const { outDir } = await trained;
  const manifest = await readProbeManifest(outDir);
  const list = manifest.fprThresholds!;
  assert.ok(Array.isArray(list) && list.length === 2, 'binary: both classes');
  const pos = list.find((t) => t.class === manifest.classes[1])!;
  // The test rows, rebuilt with the same split function and seed, classified one by one.
  const ds = await readDataset(DATA, {});
  const { test: rows } = groupedStratifiedSplit(ds.labels, textGroups(ds.texts), TEST_SPLIT, SEED);
  assert.equal(rows.length, manifest.metrics.test!.n);
  const scored: { z: number; pos: boolean }[] = [];
  for (const i of rows) {
    const r = await scoreText({ probeDir: outDir, text: ds.texts[i]!, executionProvider: 'cpu' });
    assert.equal(r.windows.length, 1, 'each test text fits one window, as in training');
    scored.push({ z: r.logit, pos: ds.labels[i] === manifest.classes[1] });
  }
  const negatives = scored
    .filter((s) => !s.pos)
    .map((s) => s.z)
    .sort((a, b) => b - a);
  const positives = scored.filter((s) => s.pos).map((s) => s.z);
  assert.ok(negatives.length >= 100, `${negatives.length} negatives`);
  const k = Math.floor(0.01 * negatives.length);
  assert.equal(k, 1);
  assert.ok(Math.abs(pos.value - negatives[k]!) < 1e-4, `value ${pos.value} vs ${negatives[k]}`);
  assert.ok(negatives[k - 1]! - negatives[k]! > 1e-3, 'the two highest negatives are distinct (a well-posed check)');
  const fp = negatives.filter((z) => z > pos.value + 1e-4).length;
  assert.ok(fp / negatives.length <= 0.01, `FPR ${fp / negatives.length}`);
  assert.equal(pos.fpr, fp / negatives.length);
  assert.equal(pos.tpr, positives.filter((z) => z > pos.value).length / positives.length);
  assert.deepEqual(
    [pos.negatives, pos.positives, pos.split, pos.targetFpr],
    [negatives.length, positives.length, 'test', 0.01],
  );
  // (Not compared with metrics.test.recall_at_fpr: that is computed on probabilities, which saturate to 1 for this
  // well-separated probe's logits, so its ties differ; the pure test compares them on unsaturated scores.)
});

test('scoreText returns the threshold of the scored class', async () => {
  const { outDir } = await trained;
  const manifest = await readProbeManifest(outDir);
  const text = 'Observers praised the calm; critics alleged fraud without evidence.';
  const r = await scoreText({ probeDir: outDir, text, executionProvider: 'cpu' });
  const pos = manifest.fprThresholds!.find((t) => t.class === manifest.classes[1])!;
  assert.deepEqual(r.fprThreshold, { available: true, source: 'probe.json', ...pos });
  const neg = await scoreText({ probeDir: outDir, text, className: manifest.classes[0], executionProvider: 'cpu' });
  assert.equal(neg.fprThreshold.available && neg.fprThreshold.class, manifest.classes[0]);
});

test('a probe saved before thresholds were recorded: rebuilt from its test split, or unavailable with the reason', async () => {
  const { outDir } = await trained;
  const manifest = await readProbeManifest(outDir);
  const pos = manifest.fprThresholds!.find((t) => t.class === manifest.classes[1])!;
  const old = join(work, 'old');
  cpSync(outDir, old, { recursive: true });
  const json = JSON.parse(readFileSync(join(old, 'probe.json'), 'utf8'));
  delete json.fprThresholds;
  writeFileSync(join(old, 'probe.json'), JSON.stringify(json));
  const text = 'The council certified the count on Tuesday.';
  const r = await scoreText({ probeDir: old, text, executionProvider: 'cpu' });
  assert.ok(r.fprThreshold.available, JSON.stringify(r.fprThreshold));
  assert.equal(r.fprThreshold.source, 'rebuilt test split');
  assert.ok(Math.abs(r.fprThreshold.value - pos.value) < 1e-5, `${r.fprThreshold.value} vs ${pos.value}`);
  assert.deepEqual(
    [r.fprThreshold.fpr, r.fprThreshold.tpr, r.fprThreshold.negatives, r.fprThreshold.positives],
    [pos.fpr, pos.tpr, pos.negatives, pos.positives],
  );
  // Its data gone: unavailable, with the reason.
  const gone = join(work, 'gone');
  cpSync(old, gone, { recursive: true });
  writeFileSync(
    join(gone, 'probe.json'),
    JSON.stringify({ ...json, training: { ...json.training, dataPath: join(work, 'missing.jsonl') } }),
  );
  const g = await scoreText({ probeDir: gone, text, executionProvider: 'cpu' });
  assert.equal(g.fprThreshold.available, false);
  assert.match(!g.fprThreshold.available ? g.fprThreshold.reason : '', /could not be rebuilt.*missing\.jsonl/s);
  // The data changed (fewer rows): unavailable, never a number from other rows.
  const fewer = join(work, 'fewer.jsonl');
  writeFileSync(fewer, readFileSync(DATA, 'utf8').split('\n').slice(0, 300).join('\n'));
  const changed = join(work, 'changed');
  cpSync(old, changed, { recursive: true });
  writeFileSync(
    join(changed, 'probe.json'),
    JSON.stringify({ ...json, training: { ...json.training, dataPath: fewer } }),
  );
  const c = await scoreText({ probeDir: changed, text, executionProvider: 'cpu' });
  assert.equal(c.fprThreshold.available, false);
  assert.match(!c.fprThreshold.available ? c.fprThreshold.reason : '', /data changed/);
});

test('a probe saved before thresholds were recorded whose test texts changed but keep their predictions: unavailable', async () => {
  const { outDir } = await trained;
  const json = JSON.parse(readFileSync(join(outDir, 'probe.json'), 'utf8'));
  delete json.fprThresholds;
  // One confidently classified test row gets a word more: same rows, same split, same accuracy — other logits.
  const ds = await readDataset(DATA, {});
  const { test: rows } = groupedStratifiedSplit(ds.labels, textGroups(ds.texts), TEST_SPLIT, SEED);
  const lines = readFileSync(DATA, 'utf8').split('\n');
  // The row whose loss term moves most (a saturated row moves no recorded metric, nor the threshold).
  const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
  let edited = -1;
  let moved = 0;
  for (const i of rows.slice(0, 80)) {
    const y = ds.labels[i] === json.classes[1] ? 1 : -1;
    const before = await scoreText({ probeDir: outDir, text: ds.texts[i]!, executionProvider: 'cpu' });
    const after = await scoreText({ probeDir: outDir, text: `${ds.texts[i]!} Indeed.`, executionProvider: 'cpu' });
    const delta = Math.abs(softplus(-y * after.logit) - softplus(-y * before.logit));
    if (Math.sign(after.logit) === Math.sign(before.logit) && delta > moved) [edited, moved] = [i, delta];
  }
  assert.ok(
    edited >= 0 && moved > 1e-2,
    `a test row whose prediction survives the edit and whose loss moves (${moved})`,
  );
  const row = JSON.parse(lines[edited]!);
  assert.equal(row.text, ds.texts[edited], 'dataset row i is line i');
  lines[edited] = JSON.stringify({ ...row, text: `${row.text} Indeed.` });
  assert.ok(edited >= 0, 'a test row whose prediction survives the edit');
  const editedData = join(work, 'edited.jsonl');
  writeFileSync(editedData, lines.join('\n'));
  const dir = join(work, 'edited');
  cpSync(outDir, dir, { recursive: true });
  writeFileSync(
    join(dir, 'probe.json'),
    JSON.stringify({ ...json, training: { ...json.training, dataPath: editedData } }),
  );
  const r = await scoreText({ probeDir: dir, text: 'The count was certified.', executionProvider: 'cpu' });
  assert.equal(r.fprThreshold.available, false, JSON.stringify(r.fprThreshold));
  assert.match(
    !r.fprThreshold.available ? r.fprThreshold.reason : '',
    /log_loss .* not the recorded .*data or the model changed/,
  );
});
