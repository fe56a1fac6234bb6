/**
 * Per-token probe scores are exact decompositions of the probe's output: contributions of an attention probe sum to
 * its logit, a mean probe's scores average to it, a last-token probe's last score is it (and every score is the probe
 * on the prefix ending there); windowed scores of a long text equal the scores of each window run on its own.
 * References: the probe graph in ORT (ProbeComputer) on states extracted independently, and classifyText.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { ActivationExtractor } from '../../../../src/core/model/extractor';
import { resolveModelFolder } from '../../../../src/core/model/modelFolder';
import { classifyText, loadProbe, ProbeComputer, trainProbeRun } from '../../../../src/core/probes';
import { scoreText } from '../../../../src/core/scoring/scoreText';
import { newStateReadout, readState } from '../../../../src/core/scoring/tokenScorer';
import { planWindows, rowInWindow, windowIds } from '../../../../src/core/scoring/windowPlan';

const root = resolve(__dirname, '../../../..');
const work = mkdtempSync(join(tmpdir(), 'ps-token-scores-'));
after(() => rmSync(work, { recursive: true, force: true }));
const WINDOW = 32;
const MODEL = join(root, 'models/tiny-gemma2');
const common = {
  modelDir: MODEL,
  dataPath: join(root, 'examples/span-sentiment.jsonl'),
  layer: 2 as const,
  seed: 5,
  maxLength: WINDOW,
  executionProvider: 'cpu' as const,
  cacheDir: join(work, 'cache'),
};
const probes = (async () => ({
  attention: (await trainProbeRun({ ...common, probe: 'attention', heads: 3, steps: 40, outDir: join(work, 'att') }))
    .outDir,
  mean: (await trainProbeRun({ ...common, probe: 'mean', outDir: join(work, 'mean') })).outDir,
  last: (await trainProbeRun({ ...common, probe: 'last', outDir: join(work, 'last') })).outDir,
  topic: (
    await trainProbeRun({
      ...common,
      dataPath: join(root, 'examples/topic-3class.jsonl'),
      probe: 'attention',
      heads: 2,
      steps: 40,
      outDir: join(work, 'topic'),
    })
  ).outDir,
}))();

const SHORT = 'Observers 🫖 praised the calm; critics alleged fraud.';
const TEXT =
  'The council certified the count on Tuesday. 👩‍💻 Observers 🫖 praised the calm; critics alleged fraud without ' +
  'evidence, and the court rejected every claim. Turnout rose again, and the recount matched the first tally. ';
const LONG = TEXT.repeat(4);

async function extractor(): Promise<ActivationExtractor> {
  return ActivationExtractor.create(await resolveModelFolder(MODEL), [2], {
    maxLength: WINDOW,
    executionProvider: 'cpu',
    cacheDir: common.cacheDir,
  });
}

/** The probe graph (ORT) on one sequence of states: logits [C] and attention [S*H]. */
async function graphForward(dir: string, x: Float32Array, S: number) {
  const { params } = await loadProbe(dir);
  const computer = await ProbeComputer.create({ H: params.H, C: params.C, D: params.D }, { executionProvider: 'cpu' });
  try {
    return await computer.forward(params, {
      B: 1,
      S,
      D: params.D,
      x,
      mask: new Float32Array(S).fill(1),
      labels: new Float32Array(1),
    });
  } finally {
    await computer.dispose();
  }
}

async function statesOf(text: string): Promise<{ x: Float32Array; S: number }> {
  const ex = await extractor();
  try {
    const ids = ex.tokenize(text).map((t) => t.id);
    const [s] = await ex.extractIds([ids]);
    return { x: s!.get(2)!, S: ids.length };
  } finally {
    await ex.dispose();
  }
}

const logitOf = (p: Record<string, number>) => Math.log(p['1']! / p['0']!);

test('attention probe, one window: contributions sum to the classify logit; attention is classify attention', async () => {
  const dir = (await probes).attention;
  const r = await scoreText({ probeDir: dir, text: SHORT, executionProvider: 'cpu' });
  assert.equal(r.windows.length, 1);
  const { x, S } = await statesOf(SHORT);
  assert.equal(r.tokens.length, S);
  const ref = await graphForward(dir, x, S);
  const sum = r.tokens.reduce((a, t) => a + t.contribution!, 0);
  assert.ok(Math.abs(sum - ref.logits[0]!) < 1e-5, `Σ contributions ${sum} vs probe graph ${ref.logits[0]}`);
  assert.ok(Math.abs(r.logit - ref.logits[0]!) < 1e-5);
  const c = await classifyText({ probeDir: dir, text: SHORT, executionProvider: 'cpu' });
  assert.ok(Math.abs(sum - logitOf(c.probabilities)) < 1e-5, `${sum} vs classify ${logitOf(c.probabilities)}`);
  assert.equal(r.label, c.label);
  r.tokens.forEach((t, i) => {
    assert.deepEqual([t.start, t.end], [c.tokens[i]!.start, c.tokens[i]!.end]);
    t.attention!.forEach((p, h) => assert.ok(Math.abs(p - c.tokens[i]!.attention[h]!) < 1e-6));
    // u_t = Σ_h (V_h x_t + b_h), contribution_t = Σ_h p_{t,h}(V_h x_t + b_h): with one head both differ.
    assert.equal(typeof t.score, 'number');
  });
  // The scores carry a sign: a probe this strong has tokens on both sides of 0.
  assert.ok(r.tokens.some((t) => t.score > 0) && r.tokens.some((t) => t.score < 0));
});

test('attention probe: u_t and contribution_t match V_h x_t + b_h computed here from the saved weights', async () => {
  const dir = (await probes).attention;
  const { params } = await loadProbe(dir);
  const r = await scoreText({ probeDir: dir, text: SHORT, executionProvider: 'cpu' });
  const { x } = await statesOf(SHORT);
  const { H, D, V, b } = params;
  r.tokens.forEach((tok, t) => {
    let u = 0;
    let share = 0;
    for (let h = 0; h < H; h++) {
      let v = b[h]!;
      for (let d = 0; d < D; d++) v += V[h * D + d]! * x[t * D + d]!;
      u += v;
      share += tok.attention![h]! * v;
    }
    assert.ok(Math.abs(tok.score - u) < 1e-4 * Math.max(1, Math.abs(u)), `u_${t}: ${tok.score} vs ${u}`);
    assert.ok(Math.abs(tok.contribution! - share) < 1e-5, `contribution_${t}: ${tok.contribution} vs ${share}`);
  });
});

test('a mean probe: the mean of the token scores is the classify logit', async () => {
  const dir = (await probes).mean;
  const r = await scoreText({ probeDir: dir, text: SHORT, executionProvider: 'cpu' });
  const mean = r.tokens.reduce((a, t) => a + t.score, 0) / r.tokens.length;
  const c = await classifyText({ probeDir: dir, text: SHORT, executionProvider: 'cpu' });
  assert.ok(Math.abs(mean - logitOf(c.probabilities)) < 1e-5, `${mean} vs ${logitOf(c.probabilities)}`);
  assert.ok(Math.abs(mean - r.logit) < 1e-9);
  assert.equal(r.tokens[0]!.contribution, undefined);
});

test('a last-token probe: the last score is the classify logit, and each score is the probe on that prefix', async () => {
  const dir = (await probes).last;
  const r = await scoreText({ probeDir: dir, text: SHORT, executionProvider: 'cpu' });
  const c = await classifyText({ probeDir: dir, text: SHORT, executionProvider: 'cpu' });
  const last = r.tokens[r.tokens.length - 1]!.score;
  assert.ok(Math.abs(last - logitOf(c.probabilities)) < 1e-5, `${last} vs ${logitOf(c.probabilities)}`);
  assert.ok(Math.abs(last - r.logit) < 1e-12);
  // Prefixes that end on a word boundary tokenize as the first t+1 tokens: the causal model gives the same state.
  let checked = 0;
  for (let t = 2; t < r.tokens.length - 1; t++) {
    if (!r.tokens[t + 1]!.text.startsWith('▁')) continue;
    const prefix = SHORT.slice(0, r.tokens[t]!.end);
    const p = await classifyText({ probeDir: dir, text: prefix, executionProvider: 'cpu' });
    if (p.tokens.length !== t + 1) continue;
    assert.ok(Math.abs(r.tokens[t]!.score - logitOf(p.probabilities)) < 1e-4, `prefix "${prefix}"`);
    checked++;
  }
  assert.ok(checked >= 3, `${checked} prefixes checked`);
});

test('windowed scores of a long text equal each window run on its own (same left context), for every probe kind', async () => {
  const ex = await extractor();
  try {
    for (const kind of ['attention', 'mean', 'last'] as const) {
      const dir = (await probes)[kind];
      const { params, manifest } = await loadProbe(dir);
      const r = await scoreText({ probeDir: dir, text: LONG, executionProvider: 'cpu' });
      const spans = ex.tokenize(LONG);
      const windows = planWindows(spans.length, { windowTokens: WINDOW, bos: true });
      assert.ok(windows.length >= 4);
      assert.equal(r.windows.length, windows.length);
      assert.equal(r.tokens.length, spans.length);
      assert.deepEqual(r.coverage, { start: 0, end: LONG.length });
      const out = newStateReadout(params);
      for (const [k, w] of windows.entries()) {
        const [s] = await ex.extractIds([
          windowIds(
            spans.map((t) => t.id),
            w,
          ),
        ]);
        const x = s!.get(2)!;
        assert.deepEqual([r.windows[k]!.tokenStart, r.windows[k]!.tokenEnd], [w.start, w.end]);
        assert.equal(r.windows[k]!.start, spans[w.start]!.start);
        for (let t = w.keepFrom; t < w.end; t++) {
          readState(params, manifest.probe, x, rowInWindow(w, t) * params.D, out);
          const u = out.v.reduce((a, v) => a + v, 0);
          assert.equal(r.tokens[t]!.window, k);
          assert.ok(
            Math.abs(r.tokens[t]!.score - u) < 1e-4 * Math.max(1, Math.abs(u)),
            `${kind} token ${t}: ${r.tokens[t]!.score} vs ${u}`,
          );
        }
        // The window's own logit: the probe graph on that window's states alone.
        const rows = w.end - w.start + (w.withBos ? 1 : 0);
        const ref = await graphForward(
          dir,
          kind === 'attention' ? x : pooled(x, rows, params.D, kind),
          kind === 'attention' ? rows : 1,
        );
        assert.ok(
          Math.abs(r.windows[k]!.logit - ref.logits[0]!) < 1e-4,
          `${kind} window ${k}: ${r.windows[k]!.logit} vs ${ref.logits[0]}`,
        );
      }
      // The first window's tokens are scored as the text cut to one window would be.
      const first = await scoreText({
        probeDir: dir,
        text: LONG.slice(0, spans[windows[0]!.end - 1]!.end),
        executionProvider: 'cpu',
      });
      for (let t = 0; t < windows[0]!.end; t++) assert.ok(Math.abs(first.tokens[t]!.score - r.tokens[t]!.score) < 1e-5);
      const c = await classifyText({ probeDir: dir, text: LONG, executionProvider: 'cpu' });
      assert.ok(Math.abs(r.logit - logitOf(c.probabilities)) < 1e-5, `${kind}: ${r.logit} vs classify`);
      if (kind === 'attention') {
        const sum = r.tokens.reduce((a, t) => a + t.contribution!, 0);
        assert.ok(Math.abs(sum - r.logit) < 1e-9, `Σ contributions ${sum} vs ${r.logit}`);
      }
    }
  } finally {
    await ex.dispose();
  }
});

function pooled(x: Float32Array, rows: number, D: number, kind: 'mean' | 'last'): Float32Array {
  const out = new Float32Array(D);
  if (kind === 'last') out.set(x.subarray((rows - 1) * D, rows * D));
  else for (let t = 0; t < rows; t++) for (let d = 0; d < D; d++) out[d] += x[t * D + d]! / rows;
  return out;
}

test('multiclass: the predicted class by default, a chosen class, class-vs-rest; contributions sum to each target', async () => {
  const dir = (await probes).topic;
  const { manifest } = await loadProbe(dir);
  assert.equal(manifest.classes.length, 3);
  const { x, S } = await statesOf(SHORT);
  const ref = await graphForward(dir, x, S);
  const z = Array.from(ref.logits);
  const predicted = z.indexOf(Math.max(...z));
  const def = await scoreText({ probeDir: dir, text: SHORT, executionProvider: 'cpu' });
  assert.equal(def.class, manifest.classes[predicted]);
  assert.equal(def.label, manifest.classes[predicted]);
  for (const [c, name] of manifest.classes.entries()) {
    const one = await scoreText({ probeDir: dir, text: SHORT, className: name, executionProvider: 'cpu' });
    const sum = one.tokens.reduce((a, t) => a + t.contribution!, 0);
    assert.ok(Math.abs(sum - z[c]!) < 1e-5, `class ${name}: ${sum} vs ${z[c]}`);
    const rest = await scoreText({
      probeDir: dir,
      text: SHORT,
      className: name,
      versusRest: true,
      executionProvider: 'cpu',
    });
    const want = z[c]! - (z.reduce((a, v) => a + v, 0) - z[c]!) / 2;
    const sumRest = rest.tokens.reduce((a, t) => a + t.contribution!, 0);
    assert.equal(rest.versus, 'rest');
    assert.ok(Math.abs(sumRest - want) < 1e-5, `${name} vs rest: ${sumRest} vs ${want}`);
  }
  await assert.rejects(
    scoreText({ probeDir: dir, text: SHORT, className: 'nope', executionProvider: 'cpu' }),
    (e: Error) => /no class "nope".*classes are/.test(e.message),
  );
});

test('bad input is refused with a message that says what to fix', async () => {
  const dir = (await probes).mean;
  await assert.rejects(scoreText({ probeDir: dir, text: '', executionProvider: 'cpu' }), /empty/);
  await assert.rejects(scoreText({ probeDir: dir, text: SHORT, versusRest: true }), /multiclass/);
  await assert.rejects(scoreText({ probeDir: dir, text: LONG, strideTokens: 40, executionProvider: 'cpu' }), /stride/);
  await assert.rejects(scoreText({ probeDir: dir, text: LONG, windowTokens: 1, executionProvider: 'cpu' }), /window/);
  // Binary: the negative class is scored as its own log-odds, the mirror of the positive class.
  const pos = await scoreText({ probeDir: dir, text: SHORT, executionProvider: 'cpu' });
  const neg = await scoreText({ probeDir: dir, text: SHORT, className: '0', executionProvider: 'cpu' });
  assert.equal(pos.class, '1');
  pos.tokens.forEach((t, i) => assert.equal(neg.tokens[i]!.score, -t.score));
});

test('re-scoring an edited text reuses the windows before the edit and equals a fresh run', async () => {
  const dir = (await probes).attention;
  const base = { probeDir: dir, executionProvider: 'cpu' as const };
  const first = await scoreText({ ...base, text: LONG, reuseKey: 'doc-a' });
  assert.equal(first.reusedWindows, 0);
  // An edit in the last sentence: every window that ends before it is reused.
  const at = LONG.lastIndexOf('recount');
  const edited = `${LONG.slice(0, at)}audit${LONG.slice(at + 'recount'.length)}`;
  const again = await scoreText({ ...base, text: edited, reuseKey: 'doc-a' });
  const fresh = await scoreText({ ...base, text: edited });
  const changed = fresh.tokens.findIndex(
    (t, i) => t.start !== first.tokens[i]?.start || t.text !== first.tokens[i]?.text,
  );
  const before = fresh.windows.filter((w) => w.tokenEnd <= changed).length;
  assert.ok(before >= 3, `${before} windows end before the edit at token ${changed}`);
  assert.equal(again.reusedWindows, before);
  assert.equal(again.tokens.length, fresh.tokens.length);
  again.tokens.forEach((t, i) => {
    assert.ok(Math.abs(t.score - fresh.tokens[i]!.score) < 1e-5, `token ${i}`);
    assert.ok(Math.abs(t.contribution! - fresh.tokens[i]!.contribution!) < 1e-6);
  });
  assert.ok(Math.abs(again.logit - fresh.logit) < 1e-5);
  again.windows.forEach((w, k) => assert.ok(Math.abs(w.logit - fresh.windows[k]!.logit) < 1e-5));
  // An edit at the very start changes every window; another key or another probe reuses nothing.
  const head = await scoreText({ ...base, text: `Today ${edited}`, reuseKey: 'doc-a' });
  assert.equal(head.reusedWindows, 0);
  const other = await scoreText({ ...base, text: edited, reuseKey: 'doc-b' });
  assert.equal(other.reusedWindows, 0);
  const mean = await scoreText({
    probeDir: (await probes).mean,
    executionProvider: 'cpu',
    text: edited,
    reuseKey: 'doc-a',
  });
  assert.equal(mean.reusedWindows, 0);
});
