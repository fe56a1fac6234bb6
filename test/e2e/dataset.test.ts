import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { openPanel, RESULTS, startHarness, type Harness, type PanelPage } from './harness';
import { rowsPage, rowText, summary, ROWS } from './datasetData';
import { parseDatasetWebviewMessage } from '../../src/protocol/webview';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => h?.close());

const SPLIT = { testSplit: 0.2, seed: 0 };

/** Answers every requestRows the panel posts with a page of the generated dataset, asynchronously like the host. */
async function serveRows(p: PanelPage): Promise<void> {
  await p.page.exposeFunction('__hostRows', (offset: number, limit: number, search: string) =>
    rowsPage(offset, limit, search),
  );
  await p.page.addInitScript(hostHook); // answers requests posted during a reload, before the test could react
  await p.page.evaluate(hostHook);
}
function hostHook(): void {
  const w = window as unknown as {
    __onPosted: (m: Record<string, unknown>) => void;
    __hostRows: (...a: unknown[]) => Promise<unknown>;
  };
  w.__onPosted = (m) => {
    if (m.type !== 'requestRows') return;
    void w
      .__hostRows(m.offset, m.limit, m.search)
      .then((result) =>
        window.postMessage({ type: 'rows', requestId: m.requestId, offset: m.offset, search: m.search, result }, '*'),
      );
  };
}

/** Indices (data-index) of rows whose box lies inside the scroller's visible area. */
function visibleIndices(page: Page): Promise<number[]> {
  return page.evaluate(() => {
    const sc = document.querySelector('.rows-scroller')!;
    const box = sc.getBoundingClientRect();
    return [...sc.querySelectorAll<HTMLElement>('.rows-row:not(.rows-header)')]
      .filter((el) => !el.hidden && el.dataset.index)
      .filter((el) => {
        const r = el.getBoundingClientRect();
        return r.top >= box.top + 20 && r.bottom <= box.bottom + 1;
      })
      .map((el) => Number(el.dataset.index))
      .sort((a, b) => a - b);
  });
}

async function scrollToRow(page: Page, row: number | 'end'): Promise<void> {
  await page.evaluate((r) => {
    const sc = document.querySelector('.rows-scroller')!;
    sc.scrollTop = r === 'end' ? sc.scrollHeight : r * 24;
  }, row);
}

async function waitVisible(page: Page, index: number): Promise<number[]> {
  await page.waitForFunction((i) => {
    const el = document.querySelector<HTMLElement>(`.rows-row[data-index="${i}"]`);
    return !!el && !el.hidden;
  }, index);
  return visibleIndices(page);
}

async function startLongTaskObserver(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __longTasks: number[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push(e.duration);
    }).observe({ type: 'longtask' });
  });
  // The observer must see a deliberate 120 ms stall, or a pass below would mean nothing.
  await page.evaluate(() => {
    setTimeout(() => {
      const t = performance.now();
      while (performance.now() - t < 120);
    }, 0);
  });
  await page.waitForFunction(() => (window as unknown as { __longTasks: number[] }).__longTasks.some((d) => d >= 100));
  await page.evaluate(() => ((window as unknown as { __longTasks: number[] }).__longTasks = []));
}

test('dataset panel pages a 100k-row dataset: top, middle, end and search show the right rows without a long stall', async () => {
  const p = await openPanel(h, 'dataset');
  await serveRows(p);
  await startLongTaskObserver(p.page);
  await p.send({ type: 'summary', summary: summary(), split: SPLIT });

  let seen = await waitVisible(p.page, 0);
  assert.equal(seen[0], 0);
  await p.page.screenshot({ path: join(RESULTS, 'readme-dataset.png') });
  assert.ok(seen.length >= 10, `only ${seen.length} rows visible`);
  assert.equal(await p.page.locator('.rows-row[data-index="3"] .c-text').textContent(), rowText(3));
  assert.match((await p.page.locator('#subtitle').textContent()) ?? '', /100,000 rows/);
  assert.equal(await p.page.locator('.warning-list li').count(), 2);
  assert.equal(await p.page.locator('.balance-row').count(), 3);
  assert.equal(await p.page.locator('.hist-bar').count(), 20);
  // Only the visible window is in the DOM, not 100k rows.
  assert.ok((await p.page.locator('.rows-row').count()) < 80);

  await scrollToRow(p.page, 50_000);
  seen = await waitVisible(p.page, 50_000);
  assert.equal(seen[0], 50_000);
  assert.deepEqual(
    seen,
    seen.map((_, k) => 50_000 + k),
    'visible rows are contiguous',
  );
  await p.page.screenshot({ path: join(RESULTS, 'dataset-middle.png') });

  await scrollToRow(p.page, 'end');
  seen = await waitVisible(p.page, ROWS - 1);
  assert.equal(seen.at(-1), ROWS - 1);

  await p.page.locator('#search input').fill('needle');
  await p.page.waitForFunction(() => document.querySelector('.rows-status')?.textContent === '100 matching rows');
  seen = await waitVisible(p.page, 0);
  assert.deepEqual(seen.slice(0, 3), [0, 1000, 2000]);
  await scrollToRow(p.page, 'end');
  seen = await waitVisible(p.page, 99_000);
  assert.equal(seen.at(-1), 99_000);

  const longTasks = await p.page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks);
  const worst = Math.max(0, ...longTasks);
  console.log(`dataset: longest main-thread task ${worst.toFixed(0)} ms over ${longTasks.length} long tasks`);
  assert.ok(worst < 250, `main thread blocked for ${worst} ms`);

  const posted = await p.posted<Record<string, unknown>>();
  const requests = posted.filter((m) => m.type === 'requestRows');
  assert.ok(requests.length < 40, `${requests.length} page requests`);
  for (const m of posted) assert.ok(parseDatasetWebviewMessage(m), `host validator rejects ${JSON.stringify(m)}`);
  assert.deepEqual(p.problems, []);
  await p.page.close();
});

test('dataset panel posts setSplit, setColumns, train and openFile from its controls', async () => {
  const p = await openPanel(h, 'dataset', { theme: 'light' });
  await serveRows(p);
  await p.send({ type: 'summary', summary: summary(), split: SPLIT });
  await waitVisible(p.page, 0);

  await p.page.locator('#test-split input').fill('0.3');
  await p.page.locator('#test-split input').press('Enter');
  await p.page.locator('#seed input').fill('42');
  await p.page.locator('#seed input').press('Tab');
  const splits = await p.waitForPosted<{ testSplit: number; seed: number }>('setSplit', 2);
  assert.deepEqual(splits.at(-1), { type: 'setSplit', testSplit: 0.3, seed: 42 });

  await p.page.locator('#label-field').click();
  await p.page.locator('#label-field').getByRole('option', { name: 'title' }).click();
  const cols = await p.waitForPosted('setColumns');
  assert.deepEqual(cols[0], { type: 'setColumns', textField: 'text', labelField: 'title' });

  await p.page.locator('#train').focus();
  await p.page.keyboard.press('Enter');
  await p.waitForPosted('train');
  await p.page.locator('#open-file').click();
  await p.waitForPosted('openFile');
  for (const m of await p.posted()) assert.ok(parseDatasetWebviewMessage(m), JSON.stringify(m));
  await p.page.screenshot({ path: join(RESULTS, 'dataset-light.png') });
  assert.deepEqual(p.problems, []);
  await p.page.close();
});

test('dataset panel restores summary, search and scroll position from setState after a reload', async () => {
  const p = await openPanel(h, 'dataset');
  await serveRows(p);
  await p.send({ type: 'summary', summary: summary(), split: SPLIT });
  await waitVisible(p.page, 0);
  await p.page.locator('#search input').fill('Example 7');
  await p.page.waitForFunction(() => /matching rows/.test(document.querySelector('.rows-status')?.textContent ?? ''));
  await scrollToRow(p.page, 3000);
  await p.page.waitForTimeout(400); // state is saved 200 ms after the last scroll

  await p.page.reload();
  await p.waitForPosted('ready');
  // No summary sent after the reload: everything below comes from the saved state.
  assert.match((await p.page.locator('h1').textContent()) ?? '', /reviews-100k\.jsonl/);
  assert.equal(await p.page.locator('#search input').inputValue(), 'Example 7');
  const seen = await waitVisible(p.page, rowsPage(3000, 1, 'Example 7').rows[0].index);
  assert.equal(seen[0], rowsPage(3000, 1, 'Example 7').rows[0].index);
  assert.deepEqual(p.problems, []);
  await p.page.close();
});

test('the token-length histogram labels both axes: rows with round ticks from 0, length with ticks at bin edges', async () => {
  const p = await openPanel(h, 'dataset');
  await serveRows(p);
  await p.send({ type: 'summary', summary: summary(), split: SPLIT });
  // The fixture's 20 bins span 0–160 tokens; the tallest holds 9,000 rows.
  assert.equal(await p.page.locator('.hist-y-label').textContent(), 'rows');
  assert.deepEqual(await p.page.locator('.hist-y .hist-tick').allTextContents(), [
    '0',
    '2,000',
    '4,000',
    '6,000',
    '8,000',
  ]);
  assert.equal(await p.page.locator('.hist-x-label').textContent(), 'length (tokens)');
  assert.deepEqual(await p.page.locator('.hist-x .hist-tick').allTextContents(), ['0', '40', '80', '120', '160']);
  // Ticks sit where their values are: 4,000 of 9,000 rows up the y axis, 80 tokens halfway along x.
  const plot = (await p.page.locator('.hist-bars').boundingBox())!;
  const y4000 = (await p.page.locator('.hist-y .hist-tick').nth(2).boundingBox())!;
  const yMid = y4000.y + y4000.height / 2;
  assert.ok(Math.abs(plot.y + plot.height - yMid - (plot.height * 4000) / 9000) < 3, `4,000 tick at y ${yMid}`);
  const x80 = (await p.page.locator('.hist-x .hist-tick').nth(2).boundingBox())!;
  assert.ok(Math.abs(x80.x + x80.width / 2 - (plot.x + plot.width / 2)) < 3, `80 tick at x ${x80.x}`);
  await p.page.locator('#histogram').screenshot({ path: join(RESULTS, 'dataset-histogram.png') });
  assert.deepEqual(p.problems, []);
  await p.page.close();
});

test('a dataset that cannot be read shows the error, and the panel no longer says it is reading it', async () => {
  const p = await openPanel(h, 'dataset');
  assert.equal(await p.page.locator('#subtitle').textContent(), 'Reading the dataset…');
  await p.send({ type: 'busy', busy: true, message: 'Reading notes.md…' });
  await p.send({ type: 'error', message: 'notes.md: unsupported dataset format ".md"; use .jsonl, .csv or .parquet.' });
  assert.ok(await p.page.locator('[role="alert"]').isVisible());
  assert.match((await p.page.locator('[role="alert"]').textContent()) ?? '', /unsupported dataset format/);
  assert.equal(await p.page.locator('#subtitle').textContent(), 'The dataset could not be read.');
  assert.ok(await p.page.locator('vscode-progress-bar').isHidden());
  assert.deepEqual(p.problems, []);
  await p.page.close();
});

test('dataset panel shows a Hub dataset: its id and licence, and posts setHubSplit from the config/split pickers', async () => {
  const p = await openPanel(h, 'dataset');
  await serveRows(p);
  assert.ok(await p.page.locator('#hub').evaluate((el) => el.classList.contains('hidden')), 'no Hub bar for a file');
  const hub = {
    repoId: 'probescope-test/reviews',
    config: 'default',
    split: 'train',
    configs: [
      { name: 'default', splits: ['train', 'test'] },
      { name: 'hard', splits: ['validation', 'train'] },
    ],
    license: 'cc-by-4.0',
  };
  await p.send({ type: 'hub', hub });
  await p.send({ type: 'summary', summary: summary(), split: SPLIT });
  await waitVisible(p.page, 0);
  assert.equal(await p.page.locator('#hub-source').innerText(), 'Hugging Face: probescope-test/reviews');
  assert.equal(await p.page.locator('#hub-license').innerText(), 'Licence: cc-by-4.0');
  assert.equal(await p.page.locator('h1').innerText(), 'probescope-test/reviews (default/train)');

  await p.page.locator('#hub-split').click();
  await p.page.locator('#hub-split').getByRole('option', { name: 'test' }).click();
  const bySplit = await p.waitForPosted('setHubSplit');
  assert.deepEqual(bySplit[0], { type: 'setHubSplit', config: 'default', split: 'test' });

  // Another config starts at its train split.
  await p.page.locator('#hub-config').click();
  await p.page.locator('#hub-config').getByRole('option', { name: 'hard' }).click();
  const byConfig = await p.waitForPosted('setHubSplit', 2);
  assert.deepEqual(byConfig[1], { type: 'setHubSplit', config: 'hard', split: 'train' });

  // A card without a licence says so; a local file hides the bar again.
  await p.send({ type: 'hub', hub: { ...hub, license: undefined } });
  assert.equal(await p.page.locator('#hub-license').innerText(), 'Licence: not stated in the dataset card');
  await p.send({ type: 'hub', hub: null });
  assert.ok(await p.page.locator('#hub').evaluate((el) => el.classList.contains('hidden')));
  for (const m of await p.posted()) assert.ok(parseDatasetWebviewMessage(m), JSON.stringify(m));
  assert.deepEqual(p.problems, []);
  await p.page.close();
});
