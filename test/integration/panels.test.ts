/**
 * The panels and views in the real host (docs/UX-CONTRACT.md): the attention panel with its heads grid, the dataset
 * panel with search, panels restored after a window reload, the Probes view's context menu, and Select Model with a
 * Hugging Face id served by a local fake Hub (HF_ENDPOINT). One code-server for the file; steps build on each other.
 * Probes are trained with the installed extension's CLI (seconds) instead of through the palette.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { Frame } from 'playwright-core';
import { startFakeHub, type FakeHub } from '../unit/core/model/helpers/fakeHub';
import {
  acceptQuickPicks,
  capturingFailures,
  hostSkipReason,
  openFile,
  openHost,
  poll,
  quickInputBoxOf,
  repoRoot,
  runCommand,
  screenshot,
  selectLine,
  waitForNotification,
  webviewText,
  type Host,
} from './harness';

const notes = [
  'Probescope notes for the panels test.',
  'Poll workers certified the ballots before the deadline.',
  '',
].join('\n');
const hubRepo = 'probescope-test/tiny-gemma2-onnx';
const searchWord = 'roses';

describe('Probescope panels and views in code-server', { skip: hostSkipReason() }, () => {
  let host: Host;
  let hub: FakeHub;
  let probesDir: string;
  // A fresh Hugging Face cache: the download must really happen (a cached model makes no request).
  const hubCacheRoot = mkdtempSync(join(tmpdir(), 'probescope-hf-cache-'));

  before(async () => {
    // Throttled so the download lasts long enough (a few seconds) for its progress notification to be seen.
    hub = await startFakeHub({
      repoId: hubRepo,
      dir: join(repoRoot, 'test', 'fixtures', 'tiny-gemma2'),
      throttleBytes: 16_384,
    });
    host = await openHost({
      files: { 'notes.txt': notes },
      env: { HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: join(hubCacheRoot, 'hub') },
    });
    probesDir = join(host.workspace, '.probescope', 'probes');
    trainWithCli('alpha-probe');
  });
  after(async () => {
    await host?.close();
    await hub?.close();
    rmSync(hubCacheRoot, { recursive: true, force: true });
  });

  /** Trains a 4-head attention probe into the workspace's probes folder with the CLI shipped in the VSIX. */
  function trainWithCli(name: string): void {
    const ext = readdirSync(host.extensionsDir).find((d) => d.startsWith('probescope.probescope-'));
    assert.ok(ext, `the VSIX is not installed under ${host.extensionsDir}`);
    execFileSync(
      process.execPath,
      [
        join(host.extensionsDir, ext, 'dist', 'cli.js'),
        'train',
        '--data',
        join(host.workspace, 'examples', 'span-sentiment.jsonl'),
        '--layer',
        '3',
        '--probe',
        'attention',
        '--heads',
        '4',
        '--cache-dir',
        join(host.tmp, 'cli-cache'),
        '--out',
        join(probesDir, name),
      ],
      { stdio: 'pipe', timeout: 120_000 },
    );
  }

  function probes(): string[] {
    return existsSync(probesDir)
      ? readdirSync(probesDir).filter((n) => existsSync(join(probesDir, n, 'probe.json')))
      : [];
  }

  const step = (t: TestContext, body: () => Promise<void>) => capturingFailures(host, t, body);

  /** The webview frame whose body holds `selector` (webviewText finds frames by text; this by structure). */
  async function attentionFrame(): Promise<Frame> {
    return (await webviewText(host.page, /Heads × tokens/)).frame;
  }

  test('Show Attention Overlay opens the attention panel with the probability, one grid row per head plus sum, and the tokens', async (t) => {
    await step(t, async () => {
      await openFile(host.page, 'notes.txt');
      await selectLine(host.page, 2);
      // No active probe yet: Classify Selection offers to choose one of the saved probes.
      await runCommand(host.page, 'Probescope: Classify Selection');
      await waitForNotification(host.page, /no active probe/i);
      await host.page.locator('.notification-toast .monaco-button', { hasText: 'Choose Probe…' }).first().click();
      const picks = await acceptQuickPicks(host.page, () => 'alpha-probe');
      assert.equal(picks.length, 1);
      const s = await host.waitForState((x) => x.overlay !== null, 'the overlay', 60_000);
      assert.equal(s.activeProbe, join(probesDir, 'alpha-probe'));

      await runCommand(host.page, 'Probescope: Show Attention Overlay');
      const frame = await attentionFrame();
      const panel = await poll('the attention panel filled in', async () => {
        const text = await frame.locator('body').innerText();
        return text.includes('alpha-probe') && (await frame.locator('#text .tok').count()) > 0 ? text : undefined;
      });
      const overlay = host.state()!.overlay!;
      const pct = `${(overlay.probability * 100).toFixed(1)}%`;
      assert.ok(panel.includes(`${overlay.label} (predicted)`), `no predicted label ${overlay.label} in:\n${panel}`);
      assert.ok(panel.includes(pct), `the panel does not show p = ${pct}:\n${panel}`);
      assert.match(panel, /attention ×4 probe · layer 3 · 10 tokens/); // the one probe-kind name

      const rows = await frame.locator('button.row-label').allInnerTexts();
      assert.deepEqual(rows, ['sum', 'head 1', 'head 2', 'head 3', 'head 4']);
      // The panel's token spans are exactly the overlay's tokens, in order.
      const tokens = await frame.locator('#text .tok').allInnerTexts();
      assert.deepEqual(
        tokens,
        overlay.ranges.map((r) => r.text),
      );
      assert.equal(await frame.locator('#text').getAttribute('data-head'), 'sum');
      await screenshot(host.page, 'panels-attention');
    });
  });

  test('choosing a head in the attention panel recolours the panel and moves the editor overlay to that head', async (t) => {
    await step(t, async () => {
      const frame = await attentionFrame();
      const before = host.state()!.overlay!;
      assert.equal(before.heads, 'sum');
      await frame.locator('button.row-label[data-head="1"]').click();
      const s = await host.waitForState((x) => x.overlay?.heads === '1', 'the overlay on head 2');
      assert.equal(await frame.locator('#text').getAttribute('data-head'), '1');
      assert.equal(await frame.locator('button.row-label[data-head="1"]').getAttribute('aria-checked'), 'true');
      assert.equal(await frame.locator('button.row-label[data-head="sum"]').getAttribute('aria-checked'), 'false');
      // Same tokens, other weights: the overlay now shows head 2 alone.
      assert.deepEqual(
        s.overlay!.ranges.map((r) => r.text),
        before.ranges.map((r) => r.text),
      );
      assert.notDeepEqual(
        s.overlay!.ranges.map((r) => r.weight),
        before.ranges.map((r) => r.weight),
      );
      // And back to the sum through the "Colour by" drop-down.
      await frame.locator('#head').click();
      await frame.getByRole('option', { name: 'Sum over heads' }).click();
      await host.waitForState((x) => x.overlay?.heads === 'sum', 'the overlay back on the sum');
      assert.equal(await frame.locator('#text').getAttribute('data-head'), 'sum');
      await screenshot(host.page, 'panels-attention-head');
    });
  });

  test('Open Dataset Panel on span-sentiment.jsonl shows 400 rows, both classes and the rows; search filters them', async (t) => {
    await step(t, async () => {
      const lines = readFileSync(join(host.workspace, 'examples', 'span-sentiment.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { text: string; label: unknown });
      const matching = lines.filter(
        (r) => r.text.toLowerCase().includes(searchWord) || String(r.label).toLowerCase().includes(searchWord),
      );
      assert.ok(matching.length > 0 && matching.length < lines.length, 'the search word must select some rows');

      await runCommand(host.page, 'Probescope: Open Dataset Panel');
      const picks = await acceptQuickPicks(host.page, () => 'span-sentiment.jsonl');
      assert.equal(picks.length, 1);
      const { frame, text } = await webviewText(host.page, /JSONL · 400 rows · 2 classes/);
      assert.match(text, /Class balance/);
      assert.match(await frame.locator('.rows-status').innerText(), /^400 rows$/);
      const first = await poll('the first row', async () => {
        const row = frame.locator('.rows-row:not(.rows-header)').first();
        return (await row.count()) && (await row.locator('.c-text').innerText()) ? row : undefined;
      });
      assert.equal(await first.locator('.c-text').innerText(), lines[0].text);
      assert.equal(await first.locator('.c-label').innerText(), String(lines[0].label));

      await frame.locator('#search input').fill(searchWord);
      await poll('the filtered row count', async () =>
        (await frame.locator('.rows-status').innerText()) === `${matching.length} matching rows` ? true : undefined,
      );
      const shown = await poll('filtered rows', async () => {
        const texts = await frame.locator('.rows-row:not(.rows-header) .c-text').allInnerTexts();
        return texts.length > 0 && texts[0] === matching[0].text ? texts : undefined;
      });
      for (const row of shown.filter(Boolean)) assert.ok(row.toLowerCase().includes(searchWord), row);
      await screenshot(host.page, 'panels-dataset-search');
    });
  });

  test('after Developer: Reload Window the dataset and attention panels come back with their content', async (t) => {
    await step(t, async () => {
      const overlay = host.state()!.overlay!;
      await runCommand(host.page, 'Developer: Reload Window');
      await host.page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
      await host.page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 60_000 });
      const dataset = await webviewText(host.page, /JSONL · 400 rows · 2 classes/);
      // The search typed before the reload is part of the panel's saved state.
      assert.equal(await dataset.frame.locator('#search input').inputValue(), searchWord);
      await poll('the restored search results', async () =>
        /^\d+ matching rows$/.test(await dataset.frame.locator('.rows-status').innerText()),
      );
      // Both panels share the editor group to the side; a hidden webview is revived when its tab is shown.
      await host.page.locator('.tabs-container .tab[aria-label^="Probescope Attention"]').click();
      const attention = await webviewText(host.page, /Heads × tokens/);
      const text = await poll('the restored attention panel', async () => {
        const t = await attention.frame.locator('body').innerText();
        return t.includes('alpha-probe') ? t : undefined;
      });
      assert.ok(text.includes(`${(overlay.probability * 100).toFixed(1)}%`));
      assert.deepEqual(
        await attention.frame.locator('#text .tok').allInnerTexts(),
        overlay.ranges.map((r) => r.text),
      );
      await screenshot(host.page, 'panels-after-reload');
    });
  });

  test('after a reload the dataset panel still shows the chosen text and label columns', async (t) => {
    await step(t, async () => {
      // The revived panel fills the selects from its saved state, then again from the host's fresh summary.
      await host.page.locator('.tabs-container .tab[aria-label^="Dataset: span-sentiment.jsonl"]').click();
      const { frame } = await webviewText(host.page, /JSONL · 400 rows · 2 classes/);
      await frame.locator('body[data-host-summaries]').waitFor({ state: 'attached', timeout: 30_000 });
      const value = (id: string) =>
        frame.locator(`#${id}`).evaluate((el) => (el as HTMLElement & { value: string }).value);
      assert.deepEqual([await value('text-field'), await value('label-field')], ['text', 'label']);
    });
  });

  /** The Probes view's row for a probe (the view is in the Probescope activity-bar container). */
  function probeRow(name: string) {
    return host.page.locator('.part.sidebar .monaco-list-row', { hasText: name });
  }

  /**
   * Waits until the Probes view has not changed for a second. A refresh (file watcher, rename, active probe) re-creates
   * the items, and a context-menu command that lands mid-refresh gets no item (the host then does nothing).
   */
  async function treeSettled(): Promise<void> {
    // A string, not a function: tsx's keepNames would wrap named inner functions in a helper the page lacks.
    await host.page.evaluate(`new Promise((resolve) => {
      const list = document.querySelector('.part.sidebar .monaco-list') ?? document.body;
      const observer = new MutationObserver(() => { clearTimeout(quiet); quiet = setTimeout(done, 1000); });
      const done = () => { observer.disconnect(); clearTimeout(quiet); clearTimeout(cap); resolve(); };
      let quiet = setTimeout(done, 1000);
      const cap = setTimeout(done, 10000);
      observer.observe(list, { subtree: true, childList: true, attributes: true, characterData: true });
    })`);
  }

  /** Runs a context-menu item of a probe's row, choosing it with the keyboard as a user may. */
  async function contextMenu(name: string, item: string): Promise<void> {
    await treeSettled();
    await probeRow(name).click({ button: 'right' });
    await host.page.getByRole('menuitem', { name: item }).waitFor();
    // Keys reach the menu only once it holds the focus; before that they move the tree's selection instead.
    await poll('keyboard focus in the context menu', () =>
      host.page.evaluate(() => !!document.activeElement?.closest('.context-view')),
    );
    const focused = host.page.locator('.monaco-menu .action-item.focused');
    for (let i = 0; i < 10; i++) {
      await host.page.keyboard.press('ArrowDown');
      if ((await focused.innerText().catch(() => '')).trim() === item) {
        await host.page.keyboard.press('Enter');
        return;
      }
    }
    throw new Error(`no context-menu item "${item}" on ${name}`);
  }

  /**
   * Runs a context-menu item until `started` sees its effect begin. Seen in about one run in four: the command reaches
   * the host with no tree item (argument undefined, so it silently does nothing) and keeps doing so in that session;
   * a view refresh before the second try makes the host register its items again.
   */
  async function menuAction(name: string, item: string, started: () => Promise<boolean>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await contextMenu(name, item);
      const ok = await poll(`"${item}" on ${name}`, async () => ((await started()) ? true : undefined), 5000).catch(
        () => false,
      );
      if (ok) return;
      if (attempt === 2) throw new Error(`"${item}" on ${name} had no effect twice`);
      console.warn(`# "${item}" on ${name} had no effect; refreshing the view and trying once more`);
      await host.page.locator('.part.sidebar .action-label[aria-label="Refresh Probes"]').first().click();
    }
  }

  test('the Probes view sets the active probe, renames it through an input box and deletes it after confirming', async (t) => {
    await step(t, async () => {
      trainWithCli('beta-probe');
      await host.page.locator('.part.activitybar [aria-label^="Probescope"]').first().click();
      await probeRow('alpha-probe').waitFor();
      await probeRow('beta-probe').waitFor({ timeout: 20_000 }); // the file watcher refreshes the view
      assert.match(await probeRow('alpha-probe').innerText(), /attention ×4 · L3 · \d+\.\d%/);

      const beta = join(probesDir, 'beta-probe');
      await menuAction('beta-probe', 'Set as Active Probe', async () => host.state()?.activeProbe === beta);
      await host.waitForState((x) => x.activeProbe === beta, 'beta-probe active');
      await poll('the active icon on beta-probe', async () =>
        (await probeRow('beta-probe').locator('.codicon-pass-filled').count()) === 1 ? true : undefined,
      );
      assert.equal(await probeRow('alpha-probe').locator('.codicon-pass-filled').count(), 0);

      const input = host.page.locator('.quick-input-widget input').first();
      await menuAction(
        'beta-probe',
        'Rename Probe…',
        async () => (await input.isVisible()) && (await input.inputValue()) === 'beta-probe',
      );
      await input.fill('gamma-probe');
      await input.press('Enter');
      const gamma = join(probesDir, 'gamma-probe');
      await host.waitForState((x) => x.activeProbe === gamma, 'the active probe to follow the rename');
      assert.deepEqual(probes().sort(), ['alpha-probe', 'gamma-probe']);
      assert.equal(JSON.parse(readFileSync(join(gamma, 'probe.json'), 'utf8')).name, 'gamma-probe');
      await probeRow('gamma-probe').waitFor();
      await screenshot(host.page, 'panels-probes-view');

      const dialog = host.page.locator('.monaco-dialog-box');
      await menuAction('gamma-probe', 'Delete Probe', () => dialog.isVisible());
      assert.match(await dialog.innerText(), /Delete the probe "gamma-probe"\?/);
      await dialog.getByRole('button', { name: 'Delete' }).click();
      await host.waitForState((x) => x.activeProbe === null, 'no active probe after deleting it');
      assert.deepEqual(probes(), ['alpha-probe']);
      assert.ok(!existsSync(gamma));
      await probeRow('gamma-probe').waitFor({ state: 'detached' });
      assert.equal(await probeRow('alpha-probe').count(), 1);
    });
  });

  test('Select Model with a Hugging Face id downloads it from HF_ENDPOINT with a progress notification and selects it', async (t) => {
    await step(t, async () => {
      const errorBefore = host.state()?.lastError ?? null;
      await runCommand(host.page, 'Probescope: Select Model');
      await host.page.locator('.quick-input-widget').waitFor({ state: 'visible' });
      const box = quickInputBoxOf(host.page);
      await box.fill('Hugging Face');
      await poll('the Hugging Face row', async () =>
        (await host.page.locator('.quick-input-widget .monaco-list-row').first().innerText()).includes('Hugging Face'),
      );
      await box.press('Enter');
      await poll('the repo id input box', async () =>
        (await host.page.locator('.quick-input-widget .quick-input-title').innerText()).includes('Hugging Face model'),
      );
      await box.fill(hubRepo);
      await box.press('Enter');

      await waitForNotification(host.page, new RegExp(`Downloading ${hubRepo}`));
      await screenshot(host.page, 'panels-hub-download');
      const s = await host.waitForState((x) => x.model?.id === hubRepo, `model ${hubRepo}`, 60_000);
      assert.equal(s.model!.layer, 3);
      await poll('the status bar model item', async () =>
        (await host.page.locator('.part.statusbar').innerText()).includes(`${hubRepo} · L3`),
      );
      const downloaded = hub.seen.map((r) => r.path);
      for (const f of ['model.onnx', 'tokenizer.json', 'config.json'])
        assert.ok(
          downloaded.some((p) => p.startsWith(`/${hubRepo}/`) && p.endsWith(`/${f}`)),
          `${f} was not fetched from the fake Hub: ${JSON.stringify(downloaded)}`,
        );
      // The download is then loaded in the worker; a failure would show as an error.
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(host.state()?.lastError ?? null, errorBefore);
    });
  });
});
