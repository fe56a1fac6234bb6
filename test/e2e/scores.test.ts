/**
 * The score panel in Chromium with 100,000 points: the plot holds every point, the threshold line, the 1 % FPR
 * threshold line (at its value, labelled) and the cursor line are drawn in the theme's colours, a click on the plot asks the host to reveal the offset of the point under it, and
 * the top firing spans are listed with their text and reveal their range.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseScorePanelToHost, type ScorePanelPayload } from '../../src/protocol/scorePanel';
import { openPanel, RESULTS, startHarness, type Harness, type PanelPage } from './harness';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => h?.close());

const N = 100_000;

function payload(): ScorePanelPayload {
  const scores: number[] = [];
  const offsets: number[] = [];
  for (let i = 0; i < N; i++) {
    // A slow wave with a burst near 70 % of the document: above the threshold 0.5 in places, below elsewhere.
    scores.push(Math.sin(i / 3000) + (Math.abs(i - 0.7 * N) < 500 ? 2 : 0));
    offsets.push(i * 5);
  }
  const spans = Array.from({ length: 20 }, (_, k) => ({
    start: (69_500 + k * 10) * 5,
    end: (69_500 + k * 10 + 4) * 5,
    peak: 3 - k * 0.01,
    text: `firing span ${k + 1}`,
  }));
  return {
    documentName: 'transcript.txt',
    probeName: 'deception-l12',
    className: '1',
    threshold: 0.5,
    fprThreshold: { value: 1.6, fpr: 0.008, tpr: 0.55, negatives: 250 },
    fprNote: 'Scores are on the probe’s logit scale. Dotted line: 1.600, the 1 % FPR threshold of the test split.',
    firingThreshold: 0.5,
    logit: 1.234,
    scores,
    offsets,
    spans,
  };
}

/** Pixels of the plot canvas close to an RGB colour: how many, and the rows and columns they fall in. */
function pixelsNear(p: PanelPage, rgb: [number, number, number]) {
  return p.page.evaluate((c) => {
    const canvas = document.querySelector<HTMLCanvasElement>('#plot canvas')!;
    const px = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    const rows = new Map<number, number>();
    const cols = new Map<number, number>();
    let n = 0;
    for (let i = 0; i < px.length; i += 4) {
      if (Math.abs(px[i]! - c[0]) + Math.abs(px[i + 1]! - c[1]) + Math.abs(px[i + 2]! - c[2]) > 40) continue;
      n++;
      const y = Math.floor(i / 4 / canvas.width);
      const x = (i / 4) % canvas.width;
      rows.set(y, (rows.get(y) ?? 0) + 1);
      cols.set(x, (cols.get(x) ?? 0) + 1);
    }
    const maxRow = Math.max(0, ...rows.values());
    return {
      n,
      width: canvas.width,
      height: canvas.height,
      maxRow,
      maxCol: Math.max(0, ...cols.values()),
      /** Highest row holding a quarter of the longest row's pixels (a line's row, not a stray label pixel). */
      topRow: Math.min(...[...rows].filter(([, k]) => k >= maxRow / 4).map(([y]) => y)),
      topRowOfLongest: [...rows].find(([, k]) => k === maxRow)?.[0] ?? -1,
    };
  }, rgb);
}

test('score panel: 100,000 points, threshold and cursor lines, click reveals, top spans reveal their range', async () => {
  const p = await openPanel(h, 'scores');
  const data = payload();
  const ms = await p.send({ type: 'show', ...data });
  console.log(`scores: 100,000-point show message handled in ${ms.toFixed(0)} ms in the page`);
  assert.equal(await p.page.locator('#plot').getAttribute('data-points'), String(N));
  assert.match(
    (await p.page.locator('#head').textContent()) ?? '',
    /transcript\.txt.*deception-l12 · class 1.*document logit 1\.234/,
  );

  // The threshold: a dashed horizontal line in charts-red (#f14c4c) across the plot.
  const red = await pixelsNear(p, [0xf1, 0x4c, 0x4c]);
  assert.ok(red.maxRow > red.width / 4, `threshold line: longest red row ${red.maxRow} of ${red.width} px`);
  // The 1 % FPR threshold: a dotted line in charts-orange (#d18616) across the plot, above the red one (1.6 > 0.5),
  // labelled on the plot and in the header; the note under the plot says what it is.
  const orange = await pixelsNear(p, [0xd1, 0x86, 0x16]);
  assert.ok(orange.maxRow > orange.width / 6, `1 % FPR line: longest orange row ${orange.maxRow} of ${orange.width}`);
  assert.ok(orange.topRow < red.topRow, `1 % FPR line (row ${orange.topRow}) above the decision line (${red.topRow})`);
  const yOf = (v: number) =>
    p.page.evaluate((val) => {
      const u = (window as unknown as { __scorePlot?: { valToPos(v: number, s: string, c: boolean): number } })
        .__scorePlot;
      return u ? Math.round(u.valToPos(val, 'y', true)) : -1;
    }, v);
  const fprRow = await yOf(1.6);
  assert.ok(
    Math.abs(orange.topRowOfLongest - fprRow) <= 2,
    `orange line at row ${orange.topRowOfLongest}, 1.6 maps to ${fprRow}`,
  );
  assert.match((await p.page.locator('#head #fpr').textContent()) ?? '', /1 % FPR threshold 1\.600/);
  assert.match((await p.page.locator('#fpr-note').textContent()) ?? '', /logit scale.*1 % FPR threshold/);
  // The score series itself (charts-blue #3794ff) covers the plot's width.
  const blue = await pixelsNear(p, [0x37, 0x94, 0xff]);
  assert.ok(blue.n > 1000, `${blue.n} series pixels`);

  // The editor's cursor: a vertical line in focusBorder (#0078d4).
  await p.send({ type: 'cursor', point: 50_000 });
  assert.equal(await p.page.locator('#plot').getAttribute('data-cursor'), '50000');
  const cursor = await pixelsNear(p, [0x00, 0x78, 0xd4]);
  assert.ok(cursor.maxCol > cursor.height / 3, `cursor line: tallest column ${cursor.maxCol} of ${cursor.height} px`);

  // A click at 25 % of the plot's width reveals the offset of the point there (within the points one pixel spans).
  const over = p.page.locator('#plot .u-over');
  const box = (await over.boundingBox())!;
  await p.page.mouse.move(box.x + box.width * 0.25, box.y + box.height / 2);
  await p.page.mouse.click(box.x + box.width * 0.25, box.y + box.height / 2);
  const [reveal] = await p.waitForPosted<{ type: 'reveal'; offset: number }>('reveal');
  assert.ok(parseScorePanelToHost(reveal), 'the message passes the host’s validator');
  const idx = reveal!.offset / 5;
  const perPixel = N / box.width;
  assert.ok(Math.abs(idx - 0.25 * (N - 1)) <= 2 * perPixel + 1, `clicked point ${idx}, expected ≈ ${0.25 * (N - 1)}`);

  // Top spans: listed highest first with their text; a click reveals the span's range.
  const items = await p.page.locator('#spans button').allInnerTexts();
  assert.equal(items.length, 20);
  assert.match(items[0]!, /3\.000\s*firing span 1/);
  await p.page.locator('#spans button').nth(2).click();
  const reveals = await p.waitForPosted<{ type: 'reveal'; offset: number; end?: number }>('reveal', 2);
  assert.deepEqual(reveals[1], { type: 'reveal', offset: data.spans[2]!.start, end: data.spans[2]!.end });

  await p.page.screenshot({ path: join(RESULTS, 'scores-panel-100k.png') });
  assert.deepEqual(p.problems, []);
});

test('score panel without a 1 % FPR threshold: no orange line, the note says why', async () => {
  const p = await openPanel(h, 'scores');
  const { fprThreshold: _f, ...rest } = payload();
  await p.send({ type: 'show', ...rest, fprNote: 'No 1 % FPR line: its test split could not be rebuilt.' });
  assert.equal(await p.page.locator('#plot').getAttribute('data-points'), String(N));
  const orange = await pixelsNear(p, [0xd1, 0x86, 0x16]);
  assert.equal(orange.n, 0, 'no 1 % FPR line');
  assert.equal(await p.page.locator('#head #fpr').count(), 0);
  assert.match((await p.page.locator('#fpr-note').textContent()) ?? '', /could not be rebuilt/);
  assert.deepEqual(p.problems, []);
});

test('score panel ignores a malformed show message (mismatched arrays) and keeps its plot', async () => {
  const p = await openPanel(h, 'scores');
  await p.send({ type: 'show', ...payload() });
  await p.send({ type: 'show', ...payload(), offsets: [1, 2, 3] });
  assert.equal(await p.page.locator('#plot').getAttribute('data-points'), String(N));
  assert.equal(parseScorePanelToHost({ type: 'reveal', offset: -1 }), undefined);
  assert.equal(parseScorePanelToHost({ type: 'reveal', offset: 'x' }), undefined);
});
