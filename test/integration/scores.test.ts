/**
 * Token scores in the real host (docs/UX-CONTRACT.md): Score Document on a long file (many windows) paints every
 * token's unit with a diverging theme colour (a positive and a negative unit checked against package.json's
 * defaults), marks firing spans on the overview ruler, hovers give score/token/window, and Next / Previous Firing
 * Span select the spans in order (wrapping). A probe trained here is copied into the workspace's probes folder.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { GemmaTokenizer } from '../../src/core/model';
import { trainProbeRun } from '../../src/core/probes';
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
    tokens: number;
    units: number;
    windows: number;
    coveredChars: number;
    threshold: number;
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
    host = await openHost({
      files: { 'long.txt': LONG },
      copies: { '.probescope/probes/score-probe': probe.outDir },
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
      const first = spans.find((s) => s.start[0] > 0 || s.start[1] > 0) ?? spans[0]!;
      await poll('the first span selected', async () =>
        JSON.stringify(await cursor()) === JSON.stringify(first.end) ? true : undefined,
      );
      await runCommand(host.page, 'Probescope: Next Firing Span');
      const second = spans[spans.indexOf(first) + 1] ?? spans[0]!;
      await poll('the second span selected', async () =>
        JSON.stringify(await cursor()) === JSON.stringify(second.end) ? true : undefined,
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
});
