/**
 * Token scores in the real host (docs/UX-CONTRACT.md): Score Document on a long file (many windows) paints every
 * token's unit with a diverging theme colour (a positive and a negative unit checked against package.json's
 * defaults), marks firing spans on the overview ruler, hovers give score/token/window, and Next / Previous Firing
 * Span select the spans in order (wrapping), the 1 % FPR threshold recorded at training can mark the spans instead
 * (setting), a click on the score panel's plot selects and reveals that place in the editor (and the plot's cursor
 * follows), and Score Document works in an untitled editor and in a notebook cell. A probe trained here is copied into
 * the workspace's probes folder.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { GemmaTokenizer } from '../../src/core/model';
import { paintUnits } from '../../src/protocol/paintUnits';
import { trainProbeRun } from '../../src/core/probes';
import { scoreText } from '../../src/core/scoring/scoreText';
import { firingSpans, scoreUnits } from '../../src/host/scores/scorePaint';
import {
  acceptQuickPicks,
  capturingFailures,
  hostSkipReason,
  openFile,
  openHost,
  poll,
  repoRoot,
  runCommand,
  screenshot,
  waitForNotification,
  webviewText,
  type Host,
  type TestState,
} from './harness';

interface UnitState {
  start: [number, number];
  end: [number, number];
  text: string;
  score: number;
  level: number;
  color: string | null;
}
type ScoreState = TestState & {
  scores?: {
    uri: string;
    version: number;
    probe: string;
    tokens: number;
    units: number;
    windows: number;
    coveredChars: number;
    threshold: number;
    fprThreshold: number | null;
    firingThreshold: number;
    paintMs?: number;
    highest: UnitState | null;
    lowest: UnitState | null;
    firingSpans: { start: [number, number]; end: [number, number] }[];
  } | null;
};

const MODEL = join(repoRoot, 'models/tiny-gemma2');
/** A long file of mixed sentences (the example dataset's texts, one per line): about 10,000 tokens. */
const LONG = readFileSync(join(repoRoot, 'examples/span-sentiment.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .slice(0, 134)
  .map((l) => (JSON.parse(l) as { text: string }).text)
  .join('\n');

const decorations = '.editor-group-container.active .monaco-editor .view-overlays [class*="ced-"]';

/** A file scored, then edited (about 300 tokens: several windows of the probe's 64), and the words typed at its end. */
const EDIT = LONG.split('\n').slice(0, 12).join(' ');
const TYPED = ' and the voters agreed';

/** Text typed into an untitled editor, and a notebook whose second cell is scored (a vscode-notebook-cell document). */
const UNTITLED = 'Observers praised the calm count. Critics alleged fraud without any evidence at all.';
const CELL = 'Voters certified the ballots without irregularities. Campaign volunteers questioned the ballots.';
const NOTEBOOK = JSON.stringify({
  cells: [
    { cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source: ['# Transcript'] },
    { cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source: [CELL] },
  ],
  metadata: {},
  nbformat: 4,
  nbformat_minor: 5,
});

function declaredScoreColours(kind: string, side: 'Positive' | 'Negative'): number[][] {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    contributes: { colors: { id: string; defaults: Record<string, string> }[] };
  };
  return pkg.contributes.colors
    .filter((c) => c.id.startsWith(`probescope.score${side}`))
    .map((c) => [1, 3, 5, 7].map((i, k) => parseInt(c.defaults[kind]!.slice(i, i + 2), 16) / (k === 3 ? 255 : 1)));
}

describe('Token scores in code-server', { skip: hostSkipReason() }, () => {
  let host: Host;
  let work: string;
  let probeDir: string;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'ps-scores-host-'));
    const probe = await trainProbeRun({
      modelDir: MODEL,
      dataPath: join(repoRoot, 'examples/span-sentiment.jsonl'),
      layer: 2,
      probe: 'attention',
      heads: 2,
      steps: 60,
      seed: 4,
      maxLength: 64,
      executionProvider: 'cpu',
      cacheDir: join(work, 'cache'),
      outDir: join(work, 'score-probe'),
    });
    probeDir = probe.outDir;
    // The same weights under another name: which probe painted the scores shows in the state's `probe`.
    const other = join(work, 'other-probe');
    cpSync(probe.outDir, other, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(other, 'probe.json'), 'utf8')) as { name?: string };
    writeFileSync(join(other, 'probe.json'), JSON.stringify({ ...manifest, name: 'other-probe' }));
    host = await openHost({
      files: { 'long.txt': LONG, 'long2.txt': LONG, 'edit.txt': EDIT, 'cells.ipynb': NOTEBOOK },
      copies: { '.probescope/probes/score-probe': probe.outDir, '.probescope/probes/other-probe': other },
    });
  });
  after(async () => {
    await host?.close();
    rmSync(work, { recursive: true, force: true });
  });
  const step = (t: TestContext, body: () => Promise<void>) => capturingFailures(host, t, body);
  const scores = () => (host.state() as ScoreState | undefined)?.scores ?? null;
  const offsetOf = ([line, ch]: [number, number]) =>
    LONG.split('\n')
      .slice(0, line)
      .reduce((a, l) => a + l.length + 1, 0) + ch;

  test('Score Document scores every token of a long file, in windows, with exact ranges', async (t) => {
    await step(t, async () => {
      await openFile(host.page, 'long.txt');
      await runCommand(host.page, 'Probescope: Score Document');
      await waitForNotification(host.page, /no active probe/i);
      await host.page.locator('.notification-toast .monaco-button', { hasText: 'Choose Probe…' }).first().click();
      await acceptQuickPicks(host.page, () => 'score-probe');
      const s = (await host.waitForState((x) => !!(x as ScoreState).scores, 'the scores', 120_000)) as ScoreState;
      const sc = s.scores!;
      const tokens = (await GemmaTokenizer.load(MODEL)).encode(LONG);
      assert.equal(sc.tokens, tokens.length);
      assert.ok(sc.windows > 10, `${sc.windows} windows for ${sc.tokens} tokens`);
      assert.equal(sc.coveredChars, LONG.length);
      assert.ok(sc.uri.endsWith('long.txt'));
      const starts = new Set(tokens.map((x) => x.start));
      const ends = new Set(tokens.map((x) => x.end));
      for (const u of [sc.highest!, sc.lowest!]) {
        const a = offsetOf(u.start);
        const b = offsetOf(u.end);
        assert.ok(starts.has(a) && ends.has(b), `unit ${JSON.stringify(u)} is not on token boundaries`);
        assert.equal(LONG.slice(a, b), u.text);
      }
      assert.ok(sc.highest!.score > 0 && sc.lowest!.score < 0, 'a probe this strong scores tokens on both sides');
      assert.deepEqual([sc.highest!.level, sc.highest!.color], [4, 'probescope.scorePositive4']);
      assert.deepEqual([sc.lowest!.level, sc.lowest!.color], [-4, 'probescope.scoreNegative4']);
      assert.ok(sc.firingSpans.length > 0);
      console.log(
        `scores: ${sc.tokens} tokens, ${sc.units} units painted in ${sc.paintMs?.toFixed(0)} ms after arrival`,
      );
    });
  });

  test('painted colours are the theme’s positive and negative score colours; the ruler shows firing spans', async (t) => {
    await step(t, async () => {
      const cls = (await host.page.locator('.monaco-workbench').getAttribute('class')) ?? '';
      const kind = /\bhc-light\b/.test(cls)
        ? 'highContrastLight'
        : /\bhc-black\b/.test(cls)
          ? 'highContrast'
          : /\bvs-dark\b/.test(cls)
            ? 'dark'
            : 'light';
      const pos = declaredScoreColours(kind, 'Positive');
      const neg = declaredScoreColours(kind, 'Negative');
      const is = (set: number[][]) => (c: number[]) =>
        set.some((d) => d.slice(0, 3).every((v, i) => v === c[i]) && Math.abs(d[3]! - c[3]!) < 0.01);
      const seen = await poll('score colours painted', async () => {
        const css = await host.page
          .locator(decorations)
          .evaluateAll((els) => els.map((e) => getComputedStyle(e).backgroundColor));
        const colours = [...new Set(css)]
          .map((c) => /rgba?\(([^)]+)\)/.exec(c)![1]!.split(',').map(Number))
          .map((c) => (c.length === 3 ? [...c, 1] : c))
          .filter((c) => c[3]! > 0);
        return colours.some(is(pos)) && colours.some(is(neg)) ? colours : undefined;
      });
      assert.ok(
        seen.every((c) => is(pos)(c) || is(neg)(c)),
        `colours other than the score colours: ${JSON.stringify(seen)}`,
      );
      // The overview ruler (a canvas) holds the firing-span colour (#FF5A46 / #D72814 at 0xCC alpha over the theme's background).
      const reddish = await poll('ruler marks', async () => {
        const n = await host.page.evaluate(() => {
          const c = document.querySelector(
            '.editor-group-container.active canvas.decorationsOverviewRuler',
          ) as HTMLCanvasElement | null;
          if (!c) return 0;
          const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
          let red = 0;
          for (let i = 0; i < px.length; i += 4) if (px[i]! > 180 && px[i + 1]! < 120 && px[i + 2]! < 110) red++;
          return red;
        });
        return n > 0 ? n : undefined;
      });
      assert.ok(reddish > 0);
      await screenshot(host.page, 'scores-long-file');
    });
  });

  test('Next / Previous Firing Span select the spans in order and wrap; a hover gives score, token and window', async (t) => {
    await step(t, async () => {
      const spans = scores()!.firingSpans;
      const cursor = async () => {
        const text = await poll('cursor position', async () => {
          const all = await host.page.locator('.statusbar-item').allInnerTexts();
          return all.find((x) => /Ln \d+, Col \d+/.test(x));
        });
        const m = /Ln (\d+), Col (\d+)/.exec(text)!;
        return [Number(m[1]) - 1, Number(m[2]) - 1];
      };
      await host.page.keyboard.press('Control+Home');
      await runCommand(host.page, 'Probescope: Next Firing Span');
      // From the document's start, Next reaches the first span (even one that starts at 0).
      const first = spans[0]!;
      await poll('the first span selected', async () =>
        JSON.stringify(await cursor()) === JSON.stringify(first.end) ? true : undefined,
      );
      await runCommand(host.page, 'Probescope: Next Firing Span');
      const second = spans[spans.indexOf(first) + 1] ?? spans[0]!;
      await poll('the second span selected', async () =>
        JSON.stringify(await cursor()) === JSON.stringify(second.end) ? true : undefined,
      );
      // Previous from a selected span goes back to the one before it (not the same span again).
      await runCommand(host.page, 'Probescope: Previous Firing Span');
      await poll('back to the first span', async () =>
        JSON.stringify(await cursor()) === JSON.stringify(first.end) ? true : undefined,
      );
      await host.page.keyboard.press('Control+Home');
      await runCommand(host.page, 'Probescope: Previous Firing Span');
      const last = spans[spans.length - 1]!;
      await poll('wrapped to the last span', async () =>
        JSON.stringify(await cursor()) === JSON.stringify(last.end) ? true : undefined,
      );
      // Cursor to the span's start, then the hover at the cursor.
      await host.page.keyboard.press('ArrowLeft');
      await runCommand(host.page, 'Show or Focus Hover');
      const hover = await poll('the score hover', async () => {
        const texts = await host.page.locator('.monaco-hover:visible').allInnerTexts();
        return texts.find((x) => x.includes('Probescope') && x.includes('score'));
      });
      assert.match(hover, /score-probe/);
      assert.match(hover, /window \d+ of \d+/);
      assert.match(hover, /token "/);
      await host.page.keyboard.press('Escape');
    });
  });

  test('the probe’s 1 % FPR threshold comes with the scores; the firing-threshold setting re-marks the spans', async (t) => {
    await step(t, async () => {
      const sc = scores()!;
      assert.equal(typeof sc.fprThreshold, 'number', 'the probe records its 1 % FPR threshold');
      assert.equal(sc.firingThreshold, sc.threshold, 'firing spans use the decision threshold by default');
      const before = sc.firingSpans;
      // The workspace setting, written where the settings editor writes it (VS Code watches the file).
      const file = join(host.workspace, '.vscode', 'settings.json');
      mkdirSync(join(host.workspace, '.vscode'), { recursive: true });
      const setFiring = (v: string) =>
        writeFileSync(file, JSON.stringify({ 'probescope.scores.firingThreshold': v }, null, 2));
      setFiring('fpr1');
      const moved = (await host.waitForState(
        (x) => (x as ScoreState).scores?.firingThreshold === sc.fprThreshold,
        'spans re-marked at the 1 % FPR threshold',
      )) as ScoreState;
      const after = moved.scores!;
      const tau = sc.fprThreshold!;
      assert.notDeepEqual(after.firingSpans, before, 'the ruler marks moved');
      if (tau > sc.threshold) assert.ok(after.firingSpans.length <= before.length);
      // The highest unit fires at τ and lies in a marked span; the lowest does not.
      const inSpan = (u: UnitState) =>
        after.firingSpans.some((f) => offsetOf(f.start) <= offsetOf(u.start) && offsetOf(u.end) <= offsetOf(f.end));
      assert.ok(after.highest!.score > tau && inSpan(after.highest!), 'the highest unit is marked');
      assert.ok(after.lowest!.score < tau && !inSpan(after.lowest!), 'the lowest unit is not');
      setFiring('decision');
      await host.waitForState((x) => (x as ScoreState).scores?.firingThreshold === sc.threshold, 'back to 0');
      assert.deepEqual(scores()!.firingSpans, before);
    });
  });

  test('Show Score Panel plots every painted unit of the document and lists its firing spans', async (t) => {
    await step(t, async () => {
      const sc = scores()!;
      await runCommand(host.page, 'Probescope: Show Score Panel');
      const { frame, text } = await webviewText(host.page, /long\.txt[\s\S]*points[\s\S]*Top firing spans/);
      assert.match(text, /long\.txt/);
      assert.match(text, /score-probe · class 1/);
      assert.ok(text.includes(`${sc.units.toLocaleString('en-US')} points`), `no "${sc.units} points" in:\n${text}`);
      assert.equal(await frame.locator('#plot').getAttribute('data-points'), String(sc.units));
      assert.equal(await frame.locator('#spans button').count(), Math.min(20, sc.firingSpans.length));
      await screenshot(host.page, 'scores-panel');
    });
  });

  test('a click on the plot selects that place in the editor and reveals it; the plot’s cursor follows', async (t) => {
    await step(t, async () => {
      const sc = scores()!;
      const { frame } = await webviewText(host.page, /long\.txt[\s\S]*points/);
      const units = paintUnits(LONG, (await GemmaTokenizer.load(MODEL)).encode(LONG));
      assert.equal(units.length, sc.units);
      const over = frame.locator('#plot .u-over');
      const box = (await over.boundingBox())!;
      const x = box.x + box.width * 0.25;
      const y = box.y + box.height / 2;
      const statusPosition = async () => {
        const all = await host.page.locator('.statusbar-item').allInnerTexts();
        const m = all.map((t) => /Ln (\d+), Col (\d+)/.exec(t)).find(Boolean);
        return m ? ([Number(m[1]) - 1, Number(m[2]) - 1] as [number, number]) : undefined;
      };
      const before = JSON.stringify(await statusPosition());
      await host.page.mouse.move(x, y);
      await host.page.mouse.click(x, y);
      // The editor's cursor moved to the start of the unit under the click (the status bar's Ln/Col).
      const pos = await poll('the editor cursor moved to the clicked place', async () => {
        const at = await statusPosition();
        return at && JSON.stringify(at) !== before ? at : undefined;
      });
      const offset = offsetOf(pos);
      const k = units.findIndex((u) => u.start === offset);
      assert.ok(k >= 0, `the cursor (offset ${offset}) is at a unit start`);
      const perPixel = units.length / box.width;
      assert.ok(
        Math.abs(k - 0.25 * (units.length - 1)) <= 2 * perPixel + 1,
        `clicked unit ${k} of ${units.length}, expected ≈ ${0.25 * (units.length - 1)}`,
      );
      // Revealed: that line is rendered in the editor (only lines in view are in the DOM).
      await poll('the clicked line in view', async () =>
        (await host.page.locator('.monaco-editor .line-numbers', { hasText: new RegExp(`^${pos[0] + 1}$`) }).count()) >
        0
          ? true
          : undefined,
      );
      // The host sends the editor's cursor back: the plot's cursor line is at that unit.
      await poll('the plot cursor at the clicked unit', async () =>
        (await frame.locator('#plot').getAttribute('data-cursor')) === String(k) ? true : undefined,
      );
      await screenshot(host.page, 'scores-click-reveal');
    });
  });

  test('Score Document works in an untitled editor', async (t) => {
    await step(t, async () => {
      await runCommand(host.page, 'File: New Untitled Text File');
      await host.page.locator('.editor-group-container.active .monaco-editor textarea').first().waitFor();
      await host.page.keyboard.type(UNTITLED);
      await runCommand(host.page, 'Probescope: Score Document');
      const s = (await host.waitForState(
        (x) => !!(x as ScoreState).scores?.uri.startsWith('untitled:'),
        'scores of the untitled editor',
        60_000,
      )) as ScoreState;
      const tokens = (await GemmaTokenizer.load(MODEL)).encode(UNTITLED);
      assert.equal(s.scores!.tokens, tokens.length);
      assert.equal(s.scores!.coveredChars, UNTITLED.length);
      const h = s.scores!.highest!;
      assert.equal(UNTITLED.slice(h.start[1], h.end[1]), h.text);
      await poll('painted in the untitled editor', async () =>
        (await host.page.locator(decorations).count()) > 0 ? true : undefined,
      );
    });
  });

  test('Score Document works in a notebook cell (a vscode-notebook-cell document)', async (t) => {
    await step(t, async () => {
      // From the Explorer (openFile waits for a text editor's view lines, which a notebook editor lays out otherwise).
      await host.page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'cells.ipynb' }).dblclick();
      await host.page.locator('.tabs-container .tab.active[aria-label^="cells.ipynb"]').waitFor({ timeout: 20_000 });
      const cellEditor = host.page.locator('.notebookOverlay .cell-editor-container .monaco-editor');
      // Edit the second cell: its editor becomes the active text editor.
      await poll('the notebook cells', async () => ((await cellEditor.count()) >= 2 ? true : undefined));
      await cellEditor.nth(1).click();
      await runCommand(host.page, 'Probescope: Score Document');
      const s = (await host.waitForState(
        (x) => !!(x as ScoreState).scores?.uri.startsWith('vscode-notebook-cell:'),
        'scores of the notebook cell',
        60_000,
      )) as ScoreState;
      const tokens = (await GemmaTokenizer.load(MODEL)).encode(CELL);
      assert.equal(s.scores!.tokens, tokens.length);
      assert.equal(s.scores!.coveredChars, CELL.length);
      const h = s.scores!.highest!;
      assert.equal(CELL.slice(h.start[1], h.end[1]), h.text);
      const painted = host.page.locator('.notebookOverlay .monaco-editor .view-overlays [class*="ced-"]');
      await poll('decorations in the cell', async () => ((await painted.count()) > 0 ? true : undefined));
      await screenshot(host.page, 'scores-notebook-cell');
    });
  });

  /** Set as Active Probe from the Probes view's context menu (keyboard, as panels.test.ts); then back to `file`. */
  async function setActiveProbe(name: string, file: string): Promise<void> {
    await host.page.locator('.part.activitybar [aria-label^="Probescope"]').first().click();
    const row = host.page.locator('.part.sidebar .monaco-list-row', { hasText: name });
    await row.waitFor({ timeout: 20_000 });
    const item = 'Set as Active Probe';
    for (let attempt = 0; attempt < 3 && !host.state()?.activeProbe?.endsWith(name); attempt++) {
      await host.page.keyboard.press('Escape');
      await row.click({ button: 'right' });
      await host.page.getByRole('menuitem', { name: item }).waitFor();
      await poll('keyboard focus in the context menu', () =>
        host.page.evaluate(() => !!document.activeElement?.closest('.context-view')),
      );
      const focused = host.page.locator('.monaco-menu .action-item.focused');
      for (let i = 0; i < 10; i++) {
        await host.page.keyboard.press('ArrowDown');
        if ((await focused.innerText().catch(() => '')).trim() === item) {
          await host.page.keyboard.press('Enter');
          break;
        }
      }
      await poll(
        `${name} active`,
        async () => (host.state()?.activeProbe?.endsWith(name) ? true : undefined),
        5000,
      ).catch(() => undefined);
    }
    await host.waitForState((x) => !!x.activeProbe?.endsWith(name), `${name} active`);
    await openFile(host.page, file);
  }

  test('an edit re-scores with the probe the document was scored with, equal to a fresh score of the new text', async (t) => {
    await step(t, async () => {
      await openFile(host.page, 'edit.txt');
      await runCommand(host.page, 'Probescope: Score Document');
      const first = (await host.waitForState(
        (x) => !!(x as ScoreState).scores?.uri.endsWith('edit.txt'),
        'scores of edit.txt',
        60_000,
      )) as ScoreState;
      assert.equal(first.scores!.probe, 'score-probe');
      assert.ok(first.scores!.windows > 2, `${first.scores!.windows} windows: the edit leaves windows to reuse`);
      // Another probe becomes active: the document's scores stay those of the probe that painted them.
      await setActiveProbe('other-probe', 'edit.txt');
      await host.page.keyboard.press('Control+End');
      await host.page.keyboard.type(TYPED);
      const text = EDIT + TYPED;
      const fresh = await scoreText({ probeDir, text, executionProvider: 'cpu' });
      const s = (await host.waitForState(
        (x) => {
          const sc = (x as ScoreState).scores;
          return (
            !!sc?.uri.endsWith('edit.txt') && sc.version > first.scores!.version && sc.coveredChars === text.length
          );
        },
        'edit.txt re-scored after the edit',
        60_000,
      )) as ScoreState;
      const sc = s.scores!;
      assert.equal(sc.probe, 'score-probe', 're-scored with the probe that scored the document, not the active one');
      // The re-score (windows before the edit reused in the worker) equals a fresh score here (float32 model runs in
      // two processes: 1e-6).
      const units = scoreUnits(text, fresh.tokens, fresh.threshold);
      const scoresOf = units.map((u) => u.score);
      assert.equal(sc.tokens, fresh.tokens.length);
      assert.equal(sc.windows, fresh.windows.length);
      assert.equal(sc.units, units.length);
      assert.ok(Math.abs(sc.highest!.score - Math.max(...scoresOf)) < 1e-6, `${sc.highest!.score}`);
      assert.ok(Math.abs(sc.lowest!.score - Math.min(...scoresOf)) < 1e-6, `${sc.lowest!.score}`);
      const spans = firingSpans(text, units, fresh.threshold);
      assert.deepEqual(
        sc.firingSpans.map((x) => [x.start[1], x.end[1]]),
        spans.map((x) => [x.start, x.end]),
        'the same firing spans (one line: columns are offsets)',
      );
    });
  });

  test('a document edited while Score Document runs is scored again at its new version', async (t) => {
    await step(t, async () => {
      await openFile(host.page, 'long2.txt');
      await runCommand(host.page, 'Probescope: Score Document');
      // At once, while the worker runs its windows (about 10,000 tokens): an edit at the start.
      await host.page.keyboard.press('Control+Home');
      await host.page.keyboard.type('Edited ');
      const text = `Edited ${LONG}`;
      const tokens = (await GemmaTokenizer.load(MODEL)).encode(text);
      const s = (await host.waitForState(
        (x) => {
          const sc = (x as ScoreState).scores;
          return !!sc?.uri.endsWith('long2.txt') && sc.coveredChars === text.length;
        },
        'long2.txt scored at its edited version',
        120_000,
      )) as ScoreState;
      assert.equal(s.scores!.tokens, tokens.length);
    });
  });
});
