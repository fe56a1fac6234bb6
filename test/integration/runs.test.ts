/**
 * Training runs under real use in code-server (issue "The extension under real use"): a second run while one trains,
 * a stale overlay after the active probe changes, Restart Worker during a run, and Retry after a window reload. Runs
 * use the reference preset with a high step limit so that they are still training when the next action comes; each
 * step ends its run with Stop. Steps build on each other (one code-server for the file), in order.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { Frame } from 'playwright-core';
import {
  acceptQuickPicks,
  capturingFailures,
  clearNotifications,
  hostSkipReason,
  notificationTexts,
  openFile,
  openHost,
  poll,
  runCommand,
  screenshot,
  selectLine,
  webviewText,
  type Host,
  type TestState,
} from './harness';

// One long Markdown line: Markdown wraps lines by default, which is where the inline label hint was cut off.
const longLine =
  'Poll workers certified the ballots before the deadline, and the county clerk explained the recount to the ' +
  'observers who had questioned the provisional ballots in every precinct; separately, the gardener planted roses ' +
  'in the greenhouse and watered the seedlings before the polls closed, while campaign volunteers confirmed the ' +
  'polling station hours in the swing district and reporters published the registration deadline.';

describe('Probescope training runs under real use in code-server', { skip: hostSkipReason() }, () => {
  let host: Host;
  before(async () => {
    host = await openHost({
      files: { 'notes.md': `${longLine}\n\nSecond paragraph.\n` },
      settings: { 'probescope.preset': 'reference', 'probescope.steps': 20000 },
    });
  });
  after(async () => {
    await host?.close();
  });

  const step = (t: TestContext, body: () => Promise<void>) => capturingFailures(host, t, body);
  const probesDir = () => join(host.workspace, '.probescope', 'probes');
  const probes = (): string[] =>
    existsSync(probesDir())
      ? readdirSync(probesDir()).filter((n) => existsSync(join(probesDir(), n, 'probe.json')))
      : [];

  /** Train Probe from the palette with the default picks on span-sentiment.jsonl. */
  async function startTraining(): Promise<void> {
    await runCommand(host.page, 'Probescope: Train Probe');
    await acceptQuickPicks(host.page, (header) => (/dataset/i.test(header) ? 'span-sentiment.jsonl' : undefined));
  }

  /** The run with this id (or any other than `not`) training, past `steps` steps. */
  function waitForRun(pred: (t: NonNullable<TestState['training']>) => boolean, what: string): Promise<TestState> {
    return host.waitForState((s) => !!s.training && pred(s.training), what, 240_000, 50);
  }

  async function trainingFrame(): Promise<Frame> {
    return (await webviewText(host.page, /Stop \(keep best probe\)|Retry|Finished|Stopped/)).frame;
  }

  /** Clicks a button of the modal dialog VS Code shows for `{ modal: true }` messages; returns the dialog's text. */
  async function answerModal(button: string, beforeClick?: () => void): Promise<string> {
    const dialog = host.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 30_000 });
    const text = await dialog.innerText();
    beforeClick?.();
    await dialog.locator('.monaco-button', { hasText: button }).first().click();
    await dialog.waitFor({ state: 'hidden' });
    return text;
  }

  /** Stops the current run from the training panel and waits for it to read as stopped. */
  async function stopFromPanel(runId: string): Promise<TestState> {
    const frame = await trainingFrame();
    await frame.locator('#stop').click();
    return waitForRun((t) => t.runId === runId && t.state !== 'running', 'the run to stop');
  }

  const savedToasts = async () => (await notificationTexts(host.page)).filter((t) => /probe saved/i.test(t));

  /**
   * Each test starts from a quiet window whatever the previous one left: no dialog or quick input open, no run
   * training (stopped from the panel, else by restarting the worker).
   */
  async function settle(): Promise<void> {
    for (const sel of ['.monaco-dialog-box', '.quick-input-widget']) {
      if (await host.page.locator(sel).isVisible()) await host.page.keyboard.press('Escape');
    }
    if (host.state()?.training?.state !== 'running') return;
    const frame = await trainingFrame().catch(() => undefined);
    const stop = frame?.locator('#stop');
    if (stop && (await stop.isVisible())) await stop.click();
    else {
      await runCommand(host.page, 'Probescope: Restart Worker');
      const dialog = host.page.locator('.monaco-dialog-box');
      if (await poll('a dialog', async () => dialog.isVisible(), 3000).catch(() => false))
        await dialog.locator('.monaco-button').first().click();
    }
    await host.waitForState((x) => x.training?.state !== 'running', 'the previous run to end', 60_000);
  }

  /** At least two probes in the Probes view: a second one is a copy of the first (a real probe, renamed). */
  function ensureTwoProbes(): string[] {
    const names = probes();
    assert.ok(names.length >= 1, 'needs a probe trained by an earlier test');
    if (names.length === 1) {
      const copy = `${names[0]}-copy`;
      cpSync(join(probesDir(), names[0]), join(probesDir(), copy), { recursive: true });
      const manifest = JSON.parse(readFileSync(join(probesDir(), copy, 'probe.json'), 'utf8')) as { name: string };
      writeFileSync(join(probesDir(), copy, 'probe.json'), JSON.stringify({ ...manifest, name: copy }, null, 2));
    }
    return probes().map((p) => join(probesDir(), p));
  }

  /** Clicks a probe's row in the Probes view (its command is Set as Active Probe) and waits until it is active. */
  async function activate(dir: string): Promise<TestState> {
    const row = host.page.locator('.part.sidebar .monaco-list-row', { hasText: dir.split('/').pop()! });
    // The activity-bar icon toggles: click it only when the Probes view is not already showing.
    if (!(await host.page.locator('.part.sidebar .composite.title', { hasText: /probescope/i }).isVisible()))
      await host.page.locator('.part.activitybar [aria-label^="Probescope"]').first().click();
    await row.waitFor({ timeout: 20_000 });
    assert.match(await row.innerText(), /attention ×8 · L3/, 'one name for the probe kind');
    await row.hover();
    await row.locator('.action-label[aria-label="Set as Active Probe"]').click();
    return host.waitForState((x) => x.activeProbe === dir, `${dir} to become active`);
  }

  /** Classifies line 1 of notes.md (one long, wrapped Markdown line) with the active probe. */
  async function classifyNotes(): Promise<TestState> {
    await openFile(host.page, 'notes.md');
    await selectLine(host.page, 1);
    const before = host.state()!.lastError;
    await runCommand(host.page, 'Probescope: Classify Selection');
    const s = await host.waitForState((x) => x.overlay !== null || x.lastError !== before, 'the overlay', 60_000);
    assert.ok(s.overlay, `no overlay: ${s.lastError}`);
    return s;
  }

  test('a second Train Probe while one runs: the new run owns the panel from step 0, the old one keeps its best probe quietly', async (t) => {
    await step(t, async () => {
      await settle();
      await startTraining();
      const first = await waitForRun((x) => x.state === 'running' && x.steps >= 100, 'the first run to train');
      const firstId = first.training!.runId;

      await startTraining();
      // Where the old run is while the dialog waits (nothing has been stopped or started yet).
      let oldSteps = 0;
      const dialog = await answerModal('Stop and Start', () => (oldSteps = host.state()!.training!.steps));
      assert.match(dialog, /training run is in progress/i);
      assert.ok(oldSteps >= 100, `the old run was at step ${oldSteps}`);
      // The new run counts from step 0 again: running, past step 20 and below where the old run was.
      const second = await waitForRun(
        (x) => x.state === 'running' && x.steps >= 20 && x.steps < oldSteps,
        'the second run to train',
      );

      // The first run saved its best probe, listed but not made active, with no toast of its own.
      const kept = await poll(
        'the replaced run to save its probe',
        async () => (probes().length === 1 ? probes() : undefined),
        60_000,
      );
      const firstDir = join(probesDir(), kept[0]);
      assert.notEqual(host.state()!.activeProbe, firstDir, 'the replaced run did not take the active probe');

      const frame = await trainingFrame();
      assert.equal(await frame.locator('#status').textContent(), 'Running');
      // One name for the probe kind: the panel says what the Probes view and notifications say.
      assert.match((await frame.locator('#config').textContent()) ?? '', / · attention ×8 · /);
      assert.ok(await frame.locator('#stop').isVisible(), 'the new run has its Stop button');
      const lossSteps = await frame.evaluate(() =>
        (window as unknown as { __probescopeCharts: { lossSteps(): number[] } }).__probescopeCharts.lossSteps(),
      );
      assert.equal(lossSteps[0], 0, `the new run's curve starts at step 0, not ${lossSteps[0]}`);
      const previous = await frame.locator('#history-table tr[data-run="previous"] td').allTextContents();
      assert.equal(previous[1], 'Stopped', `history row of the replaced run: ${JSON.stringify(previous)}`);
      assert.deepEqual(await savedToasts(), [], 'no "probe saved" toast for the replaced run');
      await screenshot(host.page, 'runs-second-run');
      // Every run has its id; the host state follows the new one.
      const secondId = second.training!.runId!;
      assert.ok(firstId && secondId && firstId !== secondId, `run ids ${firstId}, ${secondId}`);
      assert.equal(host.state()!.training!.runId, secondId);

      // Its history row gets the saved probe's test accuracy, to compare with the new run.
      await poll("the replaced run's test accuracy in the history", async () =>
        /^\d+\.\d%$/.test(
          (await frame.locator('#history-table tr[data-run="previous"] td').nth(3).textContent()) ?? '',
        ),
      );
      const stopped = await stopFromPanel(secondId);
      assert.equal(stopped.training!.state, 'stopped');
      const both = probes();
      assert.equal(both.length, 2, `probes: ${JSON.stringify(both)}`);
      const secondDir = join(
        probesDir(),
        both.find((p) => p !== kept[0])!,
      );
      assert.equal(host.state()!.activeProbe, secondDir, "the new run's probe is the active one");
      await poll('one "probe saved" toast', async () => (await savedToasts()).length === 1);
      assert.equal((await savedToasts()).length, 1);
      // The README's training screenshot: this real run, stopped, with the replaced run in the history below.
      await clearNotifications(host.page);
      await (await trainingFrame()).locator('#metrics-table').waitFor();
      await screenshot(host.page, 'readme-training-real');
    });
  });

  test('the label of a classification in a wrapped Markdown line is a readable CodeLens above it, and in the status bar', async (t) => {
    await step(t, async () => {
      await settle();
      const s = await classifyNotes();
      const label = `${s.overlay!.label} ${s.overlay!.probability.toFixed(2)}`;
      const lens = host.page.locator('.editor-group-container.active .codelens-decoration', { hasText: 'Probescope' });
      await lens.first().waitFor({ timeout: 20_000 });
      const lensText = await lens.first().innerText();
      assert.ok(lensText.includes(`Probescope: ${label}`), `CodeLens "${lensText}" shows "${label}"`);
      const editorBox = (await host.page
        .locator('.editor-group-container.active .monaco-editor')
        .first()
        .boundingBox())!;
      const lensBox = (await lens.first().boundingBox())!;
      assert.ok(lensBox.width > 50, 'the CodeLens has its text');
      assert.ok(lensBox.x + lensBox.width <= editorBox.x + editorBox.width, 'the CodeLens fits in the editor');
      await host.page.locator('.statusbar-item', { hasText: label }).first().waitFor({ timeout: 10_000 });
      await host.page.keyboard.press('End');
      await screenshot(host.page, 'runs-codelens-wrapped');
    });
  });

  test('changing the active probe clears the overlay, its CodeLens label and its status-bar label', async (t) => {
    await step(t, async () => {
      await settle();
      const [a, b] = ensureTwoProbes();
      if (host.state()!.activeProbe !== a) await activate(a);
      const s = await classifyNotes();
      const label = `${s.overlay!.label} ${s.overlay!.probability.toFixed(2)}`;
      const statusItem = host.page.locator('.statusbar-item', { hasText: label });
      await statusItem.first().waitFor({ timeout: 10_000 });
      const decorations = host.page.locator(
        '.editor-group-container.active .monaco-editor .view-overlays [class*="ced-"]',
      );
      await poll('decorations in the editor', async () => (await decorations.count()) > 0);

      const cleared = await activate(b);
      assert.equal(cleared.overlay, null, 'the overlay of the previous probe is cleared');
      await poll('the decorations to go', async () => (await decorations.count()) === 0);
      await poll('the status-bar label to go', async () => (await statusItem.count()) === 0);
      const lens = host.page.locator('.editor-group-container.active .codelens-decoration', { hasText: 'Probescope' });
      await poll('the CodeLens to go', async () => (await lens.count()) === 0);
    });
  });

  test('Restart Worker during a run asks first, keeps the best probe like Stop, and names no protocol method', async (t) => {
    await step(t, async () => {
      await settle();
      const before = probes();
      const pidBefore = host.state()!.workerPid;
      await startTraining();
      const run = await waitForRun((x) => x.state === 'running' && x.steps >= 50, 'a run to train');
      await runCommand(host.page, 'Probescope: Restart Worker');
      const dialog = await answerModal('Stop Run and Restart');
      assert.match(dialog, /best probe so far is kept/);
      const s = await waitForRun((x) => x.state !== 'running', 'the run to end');
      assert.equal(s.training!.runId, run.training!.runId);
      assert.equal(s.training!.state, 'stopped', `the run ended as ${s.training!.state}: ${s.lastError}`);
      const added = await poll('the kept probe', async () => {
        const n = probes().filter((p) => !before.includes(p));
        return n.length === 1 ? n : undefined;
      });
      const dir = join(probesDir(), added[0]);
      assert.ok(existsSync(join(dir, 'probe.safetensors')));
      assert.equal(host.state()!.activeProbe, dir);
      const restarted = await host.waitForState((x) => !!x.workerPid && x.workerPid !== pidBefore, 'a new worker');
      assert.notEqual(restarted.workerPid, pidBefore);
      await poll('the restart notification', async () =>
        (await notificationTexts(host.page)).some((x) => /worker restarted/.test(x)),
      );
      const texts = [...(await notificationTexts(host.page)), host.state()!.lastError ?? ''];
      assert.deepEqual(
        texts.filter((x) => /probescope\/\w+/.test(x)),
        [],
        'no protocol method name in any message',
      );
    });
  });

  test('Retry after a window reload re-runs the interrupted configuration; the reload logs no channel error', async (t) => {
    await step(t, async () => {
      await settle();
      await startTraining();
      await waitForRun((x) => x.state === 'running' && x.steps >= 50, 'a run to train');
      await runCommand(host.page, 'Developer: Reload Window');
      await host.page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
      const { frame } = await webviewText(host.page, /interrupted when the window reloaded/, 90_000);
      await frame.locator('#retry').click();
      const s = await host.waitForState(
        (x) => x.training?.state === 'running' && x.training.steps > 0,
        'the retried run to train',
        90_000,
      );
      const panel = await webviewText(host.page, /Stop \(keep best probe\)/);
      assert.match(panel.text, /layer 3 · attention ×8/);
      assert.match(panel.text, /span-sentiment\.jsonl/);
      await stopFromPanel(s.training!.runId!);

      const logs = logFiles(join(host.tmp, 'user-data', 'logs'))
        .map((f) => readFileSync(f, 'utf8'))
        .join('\n');
      assert.ok(logs.length > 0, 'the extension host logs were found');
      // Probescope's own errors only (other extensions, e.g. VS Code's JSON language client, may log theirs).
      const ours = (logs + host.log())
        .split(/(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \[)/)
        .filter((entry) => /Channel has been closed/.test(entry) && /probescope\.probescope-/.test(entry));
      assert.deepEqual(ours, [], 'Probescope wrote to a closed channel during the reload');
    });
  });
});

function logFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.log'))
    .map((f) => join(dir, f));
}
