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

/** Difference from the editor background (#1f1f1f) of the grid pixel at the centre of cell (row, token). */
function gridInk(p: PanelPage, row: number, token: number, tokens: number): Promise<number> {
  return p.page.evaluate(
    ([r, t, n]) => {
      const c = document.querySelector<HTMLCanvasElement>('#grid')!;
      const cellW = c.clientWidth / n;
      const dpr = c.width / c.clientWidth;
      const px = c
        .getContext('2d')!
        .getImageData(Math.floor((t + 0.5) * cellW * dpr), Math.floor((r + 0.5) * 16 * dpr), 1, 1).data;
      return Math.abs(px[0] - 0x1f) + Math.abs(px[1] - 0x1f) + Math.abs(px[2] - 0x1f);
    },
    [row, token, tokens] as const,
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

  // Grid rows: sum, head 1…8. Head 1 peaks near token 62 and head 8 near token 937; the sum shows both.
  assert.ok((await gridInk(p, 0, 62, 1000)) > 100);
  assert.ok((await gridInk(p, 0, 937, 1000)) > 100);
  assert.ok((await gridInk(p, 1, 62, 1000)) > 100);
  assert.equal(await gridInk(p, 8, 62, 1000), 0);
  assert.ok((await gridInk(p, 8, 937, 1000)) > 100);
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

test('attention panel exports inline-styled HTML (clipboard and host)', async () => {
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
    // Unsanitized: reading sanitized HTML would parse it under the page's CSP and strip the inline styles.
    const clipboard = navigator.clipboard as unknown as {
      read(o: { unsanitized: string[] }): Promise<ClipboardItem[]>;
    };
    const items = await clipboard.read({ unsanitized: ['text/html'] });
    return (await items[0].getType('text/html')).text();
  });
  assert.equal(clip, html, 'the clipboard holds exactly the exported HTML');

  // The figure (PNG and SVG) is the one for papers: checked in its own test below.
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

test('attention panel shows markup in the text as text, and escapes it in the HTML export', async () => {
  const p = await openPanel(h, 'attention');
  const text = '<img src=x onerror="alert(1)"> & <b>bold</b>';
  const spans = [...text.matchAll(/\S+/g)].map((m, i) => ({
    id: i,
    text: m[0],
    start: m.index!,
    end: m.index! + m[0].length,
    attention: [1 / 6, 1 / 6],
  }));
  const result = {
    label: 'a',
    probabilities: { a: 0.6, b: 0.4 },
    tokens: spans,
    heads: 2,
    probe: 'attention' as const,
    layer: 1,
  };
  await p.send({ type: 'show', text, result, classes: ['a', 'b'], probeName: '<probe>' });
  assert.equal(await p.page.locator('#text').textContent(), text);
  assert.equal(await p.page.locator('#text img, #text b').count(), 0);
  assert.equal(await p.page.locator('h1').textContent(), '<probe>');
  await p.page.locator('#copy-html').click();
  const [{ html }] = await p.waitForPosted<{ html: string }>('exportHtml');
  assert.ok(!html.includes('<img') && !html.includes('<b>bold'), html);
  assert.ok(html.includes('&lt;img') && html.includes('&amp;') && html.includes('&lt;probe&gt;'), html);
  assert.deepEqual(p.problems, []);
  await p.page.close();
});

test('attention panel redraws the grid in the new colours when the VS Code theme changes', async () => {
  const p = await openPanel(h, 'attention');
  const { text, result } = reviewResult();
  await p.send({ type: 'show', text, result, classes: CLASSES, probeName: 'p' });
  // Bottom-left pixel: the 1 px gap under the last row's cells, i.e. background.
  const corner = () =>
    p.page.evaluate(() => {
      const c = document.querySelector<HTMLCanvasElement>('#grid')!;
      return [...c.getContext('2d')!.getImageData(0, c.height - 1, 1, 1).data].slice(0, 3);
    });
  assert.deepEqual(await corner(), [0x1f, 0x1f, 0x1f]);
  await p.page.evaluate(() => {
    document.documentElement.style.setProperty('--vscode-editor-background', '#ffffff');
    document.body.classList.replace('vscode-dark', 'vscode-light');
  });
  await p.page.waitForFunction(() => {
    const c = document.querySelector<HTMLCanvasElement>('#grid')!;
    return c.getContext('2d')!.getImageData(0, c.height - 1, 1, 1).data[0] === 255;
  });
  assert.deepEqual(await corner(), [255, 255, 255]);
  assert.deepEqual(p.problems, []);
  await p.page.close();
});

test('the attention figure for papers: token labels under a readable grid, head labels, a colour scale, SVG and PNG alike', async () => {
  const p = await openPanel(h, 'attention'); // dark theme: the figure still uses print colours
  const { text, result } = longResult(160, 8);
  await p.send({ type: 'show', text, result, classes: CLASSES, probeName: 'sst3-attention-l3', head: 2 });

  await p.page.locator('#save-svg').click();
  const [{ svg }] = await p.waitForPosted<{ svg: string }>('exportSvg');
  const doc = await p.page.evaluate((src) => {
    const d = new DOMParser().parseFromString(src, 'image/svg+xml');
    const byClass = Object.fromEntries(
      ['title', 'row-label', 'token-label', 'scale-tick', 'scale-label'].map((cls) => [
        cls,
        [...d.querySelectorAll(`text.${cls}`)].map((t) => t.textContent ?? ''),
      ]),
    );
    const root = d.documentElement;
    return {
      error: d.querySelector('parsererror')?.textContent ?? null,
      width: Number(root.getAttribute('width')),
      height: Number(root.getAttribute('height')),
      title: byClass['title'][0],
      rows: byClass['row-label'],
      tokens: byClass['token-label'],
      ticks: byClass['scale-tick'],
      scaleLabel: byClass['scale-label'][0],
      gradient: d.querySelectorAll('linearGradient stop').length,
      outlined: [...d.querySelectorAll('rect')].filter((r) => Number(r.getAttribute('stroke-width') ?? 1) > 1).length,
      cellWidths: [...new Set([...d.querySelectorAll('rect[fill-opacity]')].map((r) => r.getAttribute('width')))],
    };
  }, svg);
  assert.equal(doc.error, null, 'the SVG parses');
  assert.equal(doc.title, 'sst3-attention-l3 · predicted positive (p = 0.790) · 160 tokens');
  assert.deepEqual(doc.rows, ['sum', ...Array.from({ length: 8 }, (_, i) => `head ${i + 1}`)]);
  // One label per token, in order: the token's text (the empty <bos> span reads "<bos>" as its text does).
  assert.equal(doc.tokens.length, 160);
  assert.deepEqual(
    doc.tokens.slice(1, 6),
    result.tokens.slice(1, 6).map((t) => t.text.trim()),
  );
  assert.deepEqual(doc.ticks, ['0', '0.5', '1']);
  assert.equal(doc.scaleLabel, 'attention ÷ row max');
  assert.ok(doc.gradient >= 2, 'the colour scale is a gradient');
  assert.equal(doc.outlined, 0, 'no focus outline of the selected row in the figure');
  assert.deepEqual(doc.cellWidths, ['13'], 'cells are 14 px apart (13 px + 1 px gap), not 2 px');
  assert.ok(doc.width >= 160 * 14, `figure ${doc.width} px wide for 160 tokens`);

  await p.page.locator('#save-png').click();
  const [{ dataUrl }] = await p.waitForPosted<{ dataUrl: string }>('exportPng');
  const png = Buffer.from(dataUrl.slice('data:image/png;base64,'.length), 'base64');
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  assert.equal(png.readUInt32BE(16), 2 * doc.width, 'the PNG is the SVG at 2x');
  assert.equal(png.readUInt32BE(20), 2 * doc.height);
  // The PNG shows the figure: white paper, and dark text pixels where the first row label is drawn.
  const inked = await p.page.evaluate(async (url) => {
    const img = new Image();
    img.src = url;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const corner = [...ctx.getImageData(1, 1, 1, 1).data];
    const band = ctx.getImageData(0, 0, c.width, 120).data;
    let dark = 0;
    for (let k = 0; k < band.length; k += 4) if (band[k] < 80 && band[k + 1] < 80 && band[k + 2] < 80) dark++;
    return { corner, dark };
  }, dataUrl);
  assert.deepEqual(inked.corner, [255, 255, 255, 255]);
  assert.ok(inked.dark > 200, `${inked.dark} dark text pixels in the title band`);
  await p.page.setContent(svg);
  await p.page.screenshot({ path: join(RESULTS, 'attention-figure.png'), fullPage: true });
  assert.deepEqual(p.problems, []);
  await p.page.close();
});
