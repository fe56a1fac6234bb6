import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openPanel, RESULTS, startHarness, type Harness, type PanelPage } from './harness';
import { longResult, reviewResult } from './attentionData';
import { parseAttentionWebviewMessage } from '../../src/protocol/webview';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => h?.close());

const CLASSES = ['negative', 'neutral', 'positive'];

const backgrounds = (p: PanelPage) =>
  p.page.evaluate(() => [...document.querySelectorAll<HTMLElement>('#text .tok')].map((s) => s.style.backgroundColor));

/** Alpha of the grid canvas pixel at the centre of (row, token) in CSS pixels. */
function gridAlpha(p: PanelPage, row: number, token: number): Promise<number> {
  return p.page.evaluate(
    ([r, t]) => {
      const c = document.querySelector<HTMLCanvasElement>('#grid')!;
      const cellW = c.clientWidth / Number(c.dataset.tokens ?? 1);
      const dpr = c.width / c.clientWidth;
      const px = c.getContext('2d')!.getImageData(Math.floor((t + 0.5) * cellW * dpr), Math.floor((r + 0.5) * 16 * dpr), 1, 1).data;
      return px[0] + px[1] + px[2];
    },
    [row, token] as const,
  );
}

test('attention panel renders a 1,000-token text and its heads × tokens grid, and a head switch recolours it', async () => {
  const p = await openPanel(h, 'attention');
  await p.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: h.origin });
  const { text, result } = longResult(1000, 8);
  const ms = await p.send({ type: 'show', text, result, classes: CLASSES, probeName: 'sst3-attention-l3' });
  console.log(`attention: 1,000-token text, 8 heads: show message handled in ${ms.toFixed(0)} ms in the page`);

  assert.equal(await p.page.locator('#text .tok').count(), 999); // <bos> has no text span
  assert.equal(await p.page.locator('#text').textContent(), text);
  assert.equal(await p.page.locator('.row-label').count(), 9); // sum + 8 heads
  const gridWidth = await p.page.locator('#grid').evaluate((c: HTMLCanvasElement) => c.clientWidth);
  assert.equal(gridWidth % 1000, 0, `grid ${gridWidth}px is not 1,000 whole cells`);
  assert.match((await p.page.locator('#probabilities').textContent()) ?? '', /positive \(predicted\).*79\.0%/);

  const sum = await backgrounds(p);
  const coloured = (bgs: string[]) => bgs.filter((c) => c !== 'transparent' && c !== '').length;
  assert.ok(coloured(sum) > 500, `${coloured(sum)} tokens coloured by the sum over 8 spread-out heads`);
  await p.page.locator('#head').click();
  await p.page.locator('#head').getByRole('option', { name: 'Head 2' }).click();
  assert.deepEqual((await p.waitForPosted('selectHead'))[0], { type: 'selectHead', head: 1 });
  const head2 = await backgrounds(p);
  const changed = head2.filter((c, i) => c !== sum[i]).length;
  assert.ok(changed > coloured(sum) / 2, `only ${changed} tokens changed colour`);
  assert.ok(coloured(head2) < coloured(sum) / 4, 'one head colours far fewer tokens than the sum');
  // Head 2 peaks around token 187 (1.5/8 of the way): strongly coloured there, transparent at the far end.
  assert.notEqual(head2[186], 'transparent');
  assert.equal(head2[900], 'transparent');
  assert.match((await p.page.locator('#top-tokens li').first().textContent()) ?? '', /#18\d|#19\d/);

  // Host-driven selection does not echo back.
  await p.send({ type: 'setHead', head: 'max' });
  assert.equal(await p.page.locator('#text').getAttribute('data-head'), 'max');
  assert.equal((await p.posted()).filter((m) => m.type === 'selectHead').length, 1);

  await p.page.locator('#grid').focus();
  await p.page.keyboard.press('Home');
  await p.page.keyboard.press('ArrowRight');
  assert.match((await p.page.locator('#cursor').textContent()) ?? '', /^token #1 "the" · max over heads weight/);
  await p.page.screenshot({ path: join(RESULTS, 'attention-1000.png') });
  for (const m of await p.posted()) assert.ok(parseAttentionWebviewMessage(m), JSON.stringify(m).slice(0, 200));
  assert.deepEqual(p.problems, []);
  await p.page.close();
});

test('attention panel exports inline-styled HTML (clipboard and host) and a PNG of the grid', async () => {
  const p = await openPanel(h, 'attention', { theme: 'light' });
  await p.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: h.origin });
  const { text, result } = reviewResult();
  await p.send({ type: 'show', text, result, classes: CLASSES, probeName: 'sst3-attention-l3', head: 0 });

  await p.page.locator('#copy-html').click();
  const [{ html }] = await p.waitForPosted<{ html: string }>('exportHtml');
  assert.ok(!/class=|<link|<style|src=/.test(html), 'export must be self-contained inline styles');
  assert.equal((html.match(/<span style="background-color:/g) ?? []).length, result.tokens.length - 1);
  assert.match(html, /predicted <b>positive<\/b> \(p = 0\.870\) · head 1/);
  await p.waitForPosted('copied');
  const clip = await p.page.evaluate(async () => {
    const items = await navigator.clipboard.read();
    return (await items[0].getType('text/html')).text();
  });
  assert.ok(clip.includes('surprisingly'), 'clipboard holds the exported HTML');

  await p.page.locator('#save-png').click();
  const [{ dataUrl }] = await p.waitForPosted<{ dataUrl: string }>('exportPng');
  const png = Buffer.from(dataUrl.slice('data:image/png;base64,'.length), 'base64');
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  assert.equal(width, 64 + result.tokens.length * 24); // row labels + one 24 px cell per token (short text)
  assert.equal(height, 28 + 5 * 16); // title line + sum row + 4 head rows
  for (const m of await p.posted()) assert.ok(parseAttentionWebviewMessage(m), JSON.stringify(m).slice(0, 200));
  assert.deepEqual(p.problems, []);
  await p.page.close();
});

test('attention panel restores text and head selection from setState after a reload', async () => {
  const p = await openPanel(h, 'attention', { width: 1000, height: 720 });
  const { text, result } = reviewResult();
  await p.send({ type: 'show', text, result, classes: CLASSES, probeName: 'sst3-attention-l3' });
  await p.page.locator('.row-label[data-head="2"]').click();
  await p.waitForPosted('selectHead');
  const before = await backgrounds(p);
  await p.page.reload();
  await p.waitForPosted('ready');
  assert.equal(await p.page.locator('#text').getAttribute('data-head'), '2');
  assert.equal(await p.page.locator('#text .tok').count(), result.tokens.length - 1);
  assert.deepEqual(await backgrounds(p), before);
  assert.equal(await p.page.locator('.row-label[aria-checked="true"]').textContent(), 'head 3');
  await p.page.locator('.tok', { hasText: 'honest' }).hover();
  await p.page.screenshot({ path: join(RESULTS, 'readme-attention.png') });
  assert.deepEqual(p.problems, []);
  await p.page.close();
});
