/**
 * classify on texts longer than the probe's window: every token is scored, each from the window where it has the most
 * left context, and the label is the probe graph (ORT) applied to the stitched states of the whole text.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { resolveModelFolder } from '../../../../src/core/model/modelFolder';
import { ActivationExtractor } from '../../../../src/core/model/extractor';
import { classifyText, loadProbe, ProbeComputer, probabilities, trainProbeRun } from '../../../../src/core/probes';
import { scoreText } from '../../../../src/core/scoring/scoreText';
import { planWindows, rowInWindow, windowIds } from '../../../../src/core/scoring/windowPlan';

const root = resolve(__dirname, '../../../..');
const work = mkdtempSync(join(tmpdir(), 'ps-long-classify-'));
after(() => rmSync(work, { recursive: true, force: true }));
const WINDOW = 32;
const common = {
  modelDir: join(root, 'models/tiny-gemma2'),
  dataPath: join(root, 'examples/span-sentiment.jsonl'),
  layer: 2 as const,
  seed: 3,
  maxLength: WINDOW,
  executionProvider: 'cpu' as const,
  cacheDir: join(work, 'cache'),
};
const probes = (async () => ({
  attention: (await trainProbeRun({ ...common, probe: 'attention', heads: 3, steps: 30, outDir: join(work, 'att') }))
    .outDir,
  mean: (await trainProbeRun({ ...common, probe: 'mean', outDir: join(work, 'mean') })).outDir,
  last: (await trainProbeRun({ ...common, probe: 'last', outDir: join(work, 'last') })).outDir,
}))();

const TEXT =
  'The council certified the count on Tuesday. 👩‍💻 Observers 🫖 praised the calm; critics alleged fraud without ' +
  'evidence, and the court rejected every claim. Turnout rose again, and the recount matched the first tally. ';
const LONG = TEXT.repeat(4);

/** Stitched states computed independently: each window run alone, each token from the earliest window holding it. */
async function stitched(probeDir: string, text: string) {
  const { params, manifest } = await loadProbe(probeDir);
  const folder = await resolveModelFolder(common.modelDir);
  const ex = await ActivationExtractor.create(folder, [manifest.layer], {
    maxLength: WINDOW,
    executionProvider: 'cpu',
    cacheDir: common.cacheDir,
  });
  try {
    const tokens = ex.tokenize(text);
    const D = params.D;
    const x = new Float32Array(tokens.length * D);
    const windows = planWindows(tokens.length, { windowTokens: WINDOW, bos: true });
    for (const w of windows) {
      const [s] = await ex.extractIds([
        windowIds(
          tokens.map((t) => t.id),
          w,
        ),
      ]);
      const st = s!.get(manifest.layer)!;
      for (let t = w.keepFrom; t < w.end; t++)
        x.set(st.subarray(rowInWindow(w, t) * D, (rowInWindow(w, t) + 1) * D), t * D);
    }
    return { params, manifest, tokens, x, windows: windows.length };
  } finally {
    await ex.dispose();
  }
}

test('an attention probe on a 4-window text equals the probe graph on the stitched states (attention and probabilities)', async () => {
  const dir = (await probes).attention;
  const { params, tokens, x, windows } = await stitched(dir, LONG);
  assert.ok(windows >= 4, `${tokens.length} tokens in ${windows} windows`);
  const computer = await ProbeComputer.create({ H: params.H, C: params.C, D: params.D }, { executionProvider: 'cpu' });
  const S = tokens.length;
  const ref = await computer.forward(params, {
    B: 1,
    S,
    D: params.D,
    x,
    mask: new Float32Array(S).fill(1),
    labels: new Float32Array(1),
  });
  await computer.dispose();

  const r = await classifyText({ probeDir: dir, text: LONG, executionProvider: 'cpu' });
  assert.deepEqual(r.coverage, {
    tokens: S,
    coveredChars: LONG.length,
    windows,
    windowTokens: WINDOW,
    overlapTokens: 8,
  });
  assert.equal(r.tokens.length, S);
  assert.deepEqual(
    r.tokens.map((t) => [t.id, t.start, t.end]),
    tokens.map((t) => [t.id, t.start, t.end]),
  );
  for (let t = 0; t < S; t++)
    for (let h = 0; h < params.H; h++)
      assert.ok(
        Math.abs(r.tokens[t]!.attention[h]! - ref.attention[t * params.H + h]!) < 1e-5,
        `token ${t} head ${h}: ${r.tokens[t]!.attention[h]} vs ${ref.attention[t * params.H + h]}`,
      );
  const p = probabilities(ref.logits, params.C)[0]!;
  assert.ok(Math.abs(r.probabilities['1']! - p[1]!) < 1e-5, `${r.probabilities['1']} vs ${p[1]}`);
});

test('mean and last-token probes on a long text read the mean / the last token of the stitched states', async () => {
  for (const kind of ['mean', 'last'] as const) {
    const dir = (await probes)[kind];
    const { params, tokens, x } = await stitched(dir, LONG);
    const D = params.D;
    const S = tokens.length;
    const pooled = new Float32Array(D);
    if (kind === 'last') pooled.set(x.subarray((S - 1) * D));
    else for (let t = 0; t < S; t++) for (let d = 0; d < D; d++) pooled[d] += x[t * D + d]! / S;
    const computer = await ProbeComputer.create({ H: params.H, C: params.C, D }, { executionProvider: 'cpu' });
    const ref = await computer.forward(params, {
      B: 1,
      S: 1,
      D,
      x: pooled,
      mask: new Float32Array([1]),
      labels: new Float32Array(1),
    });
    await computer.dispose();
    const r = await classifyText({ probeDir: dir, text: LONG, executionProvider: 'cpu' });
    const p = probabilities(ref.logits, params.C)[0]!;
    assert.ok(Math.abs(r.probabilities['1']! - p[1]!) < 1e-5, `${kind}: ${r.probabilities['1']} vs ${p[1]}`);
    assert.equal(r.coverage.coveredChars, LONG.length);
  }
});

test('a text that fits one window is one model run, scored exactly as before (no copied <bos>)', async () => {
  const dir = (await probes).attention;
  const short = 'The court rejected every claim.';
  const { params, tokens, x, windows } = await stitched(dir, short);
  assert.equal(windows, 1);
  const computer = await ProbeComputer.create({ H: params.H, C: params.C, D: params.D }, { executionProvider: 'cpu' });
  const S = tokens.length;
  const ref = await computer.forward(params, {
    B: 1,
    S,
    D: params.D,
    x,
    mask: new Float32Array(S).fill(1),
    labels: new Float32Array(1),
  });
  await computer.dispose();
  const r = await classifyText({ probeDir: dir, text: short, executionProvider: 'cpu' });
  assert.equal(r.coverage.windows, 1);
  assert.ok(Math.abs(r.probabilities['1']! - probabilities(ref.logits, params.C)[0]![1]!) < 1e-5);
});

test('a text that starts with the literal <bos> (its own token 0) is windowed like the same text without it', async () => {
  // Same ids ([<bos>, …]: no second <bos> is added), so the same windows — each later one with its <bos> copy — and
  // the same states; only the offsets move by "<bos>".length. Classify and score alike.
  const { attention: dir } = await probes;
  const plain = await classifyText({ probeDir: dir, text: LONG, executionProvider: 'cpu' });
  const own = await classifyText({ probeDir: dir, text: `<bos>${LONG}`, executionProvider: 'cpu' });
  assert.ok(plain.coverage!.windows > 1, 'a windowed text');
  assert.deepEqual(
    own.tokens.map((t) => t.id),
    plain.tokens.map((t) => t.id),
  );
  assert.deepEqual(own.coverage, { ...plain.coverage!, coveredChars: plain.coverage!.coveredChars + 5 });
  assert.deepEqual(own.probabilities, plain.probabilities);
  assert.deepEqual(
    own.tokens.map((t) => t.attention),
    plain.tokens.map((t) => t.attention),
  );
  const a = await scoreText({ probeDir: dir, text: LONG, executionProvider: 'cpu' });
  const b = await scoreText({ probeDir: dir, text: `<bos>${LONG}`, executionProvider: 'cpu' });
  assert.deepEqual(
    b.windows.map((w) => [w.tokenStart, w.tokenEnd, w.keepFrom, w.logit]),
    a.windows.map((w) => [w.tokenStart, w.tokenEnd, w.keepFrom, w.logit]),
  );
  assert.deepEqual(
    b.tokens.map((t) => [t.score, t.contribution, t.window]),
    a.tokens.map((t) => [t.score, t.contribution, t.window]),
  );
  assert.equal(b.logit, a.logit);
  assert.deepEqual([b.tokens[0]!.start, b.tokens[0]!.end, b.tokens[1]!.start], [0, 5, 5]);
});
