/**
 * Restricted Mode in the real host (package.json capabilities.untrustedWorkspaces: "limited"): a model folder inside
 * an untrusted workspace is never loaded silently. The user setting points into the workspace; Train Probe stops at a
 * modal that says why, starts no worker when declined, and goes on with the bundled model when the user picks it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import {
  capturingFailures,
  hostSkipReason,
  openHost,
  quickInputBoxOf,
  quickInputHeader,
  repoRoot,
  runCommand,
  screenshot,
  type Host,
} from './harness';

const workspaceModel = join('models', 'downloaded-gemma');

describe('Probescope in Restricted Mode (code-server)', { skip: hostSkipReason() }, () => {
  let host: Host;

  before(async () => {
    host = await openHost({
      restricted: true,
      copies: { [workspaceModel]: join(repoRoot, 'test', 'fixtures', 'tiny-gemma2') },
      settings: (workspace) => ({ 'probescope.modelFolder': join(workspace, workspaceModel) }),
    });
  });
  after(async () => {
    await host?.close();
  });

  const step = (t: TestContext, body: () => Promise<void>) => capturingFailures(host, t, body);
  const dialog = () => host.page.locator('.monaco-dialog-box');
  const quickInput = () => host.page.locator('.quick-input-widget');

  async function trainProbeUntilDialog(): Promise<string> {
    await runCommand(host.page, 'Probescope: Train Probe');
    await dialog().waitFor({ timeout: 30_000 });
    return dialog().innerText();
  }

  test('the window is in Restricted Mode (the premise of this suite)', async (t) => {
    await step(t, async () => {
      await host.page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ timeout: 30_000 });
    });
  });

  test('Train Probe with a model folder inside the workspace stops at a modal; declining ends the flow', async (t) => {
    await step(t, async () => {
      const text = await trainProbeUntilDialog();
      assert.match(
        text,
        /does not load the model in ".*downloaded-gemma" because this workspace is in Restricted Mode/,
      );
      await screenshot(host.page, 'restricted-model-refused');
      await dialog().getByRole('button', { name: 'Cancel' }).click();
      await dialog().waitFor({ state: 'detached' });
      // The flow ends there: no quick pick follows, nothing trains, and the selection is left as it was.
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(await quickInput().isVisible(), false);
      const s = host.state();
      assert.ok(s, 'the host wrote no test state');
      assert.equal(s.training, null);
      assert.equal(s.model?.id, 'downloaded-gemma');
    });
  });

  test('choosing "Use Bundled Model" switches the setting to the bundled model and goes on to the training flow', async (t) => {
    await step(t, async () => {
      await trainProbeUntilDialog();
      await dialog().getByRole('button', { name: 'Use Bundled Model' }).click();
      await host.waitForState((x) => x.model?.id === 'tiny-gemma2', 'the bundled model selected');
      await quickInput().waitFor({ timeout: 30_000 });
      assert.match(await quickInputHeader(host.page), /Train Probe.*Dataset/);
      await quickInputBoxOf(host.page).press('Escape');
      // The choice is saved where it takes effect (not as a workspace value Restricted Mode ignores): the next run
      // asks nothing and goes straight to the flow.
      await runCommand(host.page, 'Probescope: Train Probe');
      await quickInput().waitFor({ timeout: 30_000 });
      assert.equal(await dialog().count(), 0);
      assert.match(await quickInputHeader(host.page), /Train Probe.*Dataset/);
      await quickInputBoxOf(host.page).press('Escape');
    });
  });
});
