/**
 * What a new user notices first, in code-server: Select Model → Bundled leaves the workspace alone, Show Worker
 * Version lists what can run here (and why the rest cannot), and Train Probe checks the chosen dataset before the
 * next picker (Browse… on a Markdown file, a JSONL file without a label column).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import {
  acceptQuickPicks,
  capturingFailures,
  hostSkipReason,
  openHost,
  poll,
  quickInputBoxOf,
  quickInputHeader,
  runCommand,
  screenshot,
  waitForNotification,
  type Host,
} from './harness';

describe('Probescope for a new user in code-server', { skip: hostSkipReason() }, () => {
  let host: Host;
  before(async () => {
    host = await openHost({
      files: {
        'notes.md': '# Notes\n\nNot a dataset.\n',
        'unlabelled.jsonl': '{"body":"no label here"}\n{"body":"nor here"}\n',
      },
    });
  });
  after(async () => {
    await host?.close();
  });
  const step = (t: TestContext, body: () => Promise<void>) => capturingFailures(host, t, body);
  const workspaceSettings = () => join(host.workspace, '.vscode', 'settings.json');

  test('Select Model → Bundled writes no settings into the workspace; a non-default layer writes only itself', async (t) => {
    await step(t, async () => {
      await runCommand(host.page, 'Probescope: Select Model');
      const picks = await acceptQuickPicks(host.page, () => 'Bundled tiny model');
      assert.equal(picks.length, 1, JSON.stringify(picks));
      // Select Layer runs after Select Model has written whatever it writes: its file is the sync point.
      await runCommand(host.page, 'Probescope: Select Layer');
      await acceptQuickPicks(host.page, () => 'Layer 2');
      const text = await poll('workspace settings with the layer', async () =>
        existsSync(workspaceSettings()) && /"probescope\.layer"/.test(readFileSync(workspaceSettings(), 'utf8'))
          ? readFileSync(workspaceSettings(), 'utf8')
          : undefined,
      );
      assert.deepEqual(JSON.parse(text), { 'probescope.layer': 2 });
      await host.waitForState((s) => s.model?.layer === 2, 'the status bar layer');
    });
  });

  test('Show Worker Version lists the providers that can run here and why the others cannot', async (t) => {
    await step(t, async () => {
      await runCommand(host.page, 'Probescope: Show Worker Version');
      const text = await waitForNotification(host.page, /Probescope worker \S+ · onnxruntime/, 60_000);
      const runs = /runs on ([^·]+)/.exec(text)?.[1]?.trim();
      assert.ok(runs, `no "runs on" in ${text}`);
      assert.ok(runs.split(', ').includes('cpu'), text);
      assert.ok(!/cuda|tensorrt/.test(runs), `cuda/tensorrt listed as runnable: ${text}`);
      assert.match(text, /not available: .*cuda \(not in this onnxruntime-node build/);
      assert.match(text, /tensorrt \(/);
      if (!runs.includes('webgpu')) assert.match(text, /webgpu \([^)]+\)/, 'webgpu unavailable says why');
    });
  });

  test('Train Probe checks the dataset right after it is chosen: Browse… on a .md file and a JSONL without labels', async (t) => {
    await step(t, async () => {
      await runCommand(host.page, 'Probescope: Train Probe');
      await poll('the dataset picker', async () => /Dataset/.test(await quickInputHeader(host.page)));
      await quickInputBoxOf(host.page).fill('Browse');
      await quickInputBoxOf(host.page).press('Enter');
      // The simple file dialog: a quick input holding a path.
      await poll('the file dialog', async () => (await quickInputBoxOf(host.page).inputValue()).startsWith('/'));
      // It opens in the workspace folder (the value ends in "/"); the listing hides notes.md (the dialog's filter), so
      // type its name the way a user who knows it is there would.
      const box = quickInputBoxOf(host.page);
      await box.press('End');
      await box.pressSequentially('notes.md');
      await poll('the typed path', async () => (await box.inputValue()).endsWith('/notes.md'));
      await box.press('Enter');
      const error = await waitForNotification(host.page, /notes\.md is not a dataset/, 30_000);
      assert.match(error, /JSONL, JSON, CSV, TSV or Parquet/);
      const header = await poll('the next quick input', async () => quickInputHeader(host.page).catch(() => ''));
      assert.match(header, /Dataset/, `after the error the dataset list is back, not the next picker: ${header}`);
      await screenshot(host.page, 'new-user-browse-md');

      await quickInputBoxOf(host.page).fill('unlabelled.jsonl');
      await poll('the unlabelled row', async () =>
        (await host.page.locator('.quick-input-widget .monaco-list-row').first().innerText()).includes(
          'unlabelled.jsonl',
        ),
      );
      await quickInputBoxOf(host.page).press('Enter');
      const bad = await waitForNotification(host.page, /unlabelled\.jsonl cannot be used/, 60_000);
      assert.ok(bad.length > 40, bad);
      assert.match(await quickInputHeader(host.page), /Dataset/);
      await host.page.keyboard.press('Escape');
    });
  });
});
