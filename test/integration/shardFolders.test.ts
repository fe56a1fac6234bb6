/**
 * A folder of Parquet shards in the workspace, in code-server: Train Probe's dataset picker offers the folder as one
 * dataset (first, with its shard count); choosing it passes the dataset check (the worker reads every shard) and the
 * flow moves on to the layer; a folder holding two splits' shards is refused with the reason, and the list comes back.
 * Fixtures: test/fixtures/datasets-shards (make_shards.py).
 */
import assert from 'node:assert/strict';
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

const FIXTURES = join(import.meta.dirname, '../fixtures/datasets-shards');

describe('folders of Parquet shards in the dataset picker', { skip: hostSkipReason() }, () => {
  let host: Host;
  before(async () => {
    host = await openHost({
      copies: { 'hub/train': join(FIXTURES, 'hub-train'), 'old-layout': join(FIXTURES, 'mixed-splits') },
    });
  });
  after(async () => {
    await host?.close();
  });
  const step = (t: TestContext, body: () => Promise<void>) => capturingFailures(host, t, body);
  const rows = () => host.page.locator('.quick-input-widget .monaco-list-row').allInnerTexts();

  test('Train Probe lists the shard folder as one dataset and moves on to the layer once it is chosen', async (t) => {
    await step(t, async () => {
      await runCommand(host.page, 'Probescope: Select Model');
      await acceptQuickPicks(host.page, () => 'Bundled tiny model');
      await runCommand(host.page, 'Probescope: Train Probe');
      await poll('the dataset picker', async () => /Dataset/.test(await quickInputHeader(host.page)));
      const listed = await poll('the shard folders', async () => {
        const r = await rows();
        return r.some((x) => x.includes('3 Parquet shards')) ? r : undefined;
      });
      assert.match(listed[0], /train\/[\s\S]*hub · 3 Parquet shards, read as one dataset/, listed.join(' | '));
      assert.ok(
        listed.some((x) => /old-layout\/\s*2 Parquet shards/.test(x)),
        listed.join(' | '),
      );
      await screenshot(host.page, 'shard-folder-picker');

      await quickInputBoxOf(host.page).fill('old-layout');
      await poll('the old-layout row', async () => (await rows())[0]?.includes('old-layout'));
      await quickInputBoxOf(host.page).press('Enter');
      const refused = await waitForNotification(host.page, /old-layout cannot be used/, 60_000);
      assert.match(refused, /holds the shards of several splits/);
      await poll('the dataset list again', async () => /Dataset/.test(await quickInputHeader(host.page)));

      await quickInputBoxOf(host.page).fill('train/');
      await poll('the train row', async () => (await rows())[0]?.includes('train'));
      await quickInputBoxOf(host.page).press('Enter');
      await poll('the layer picker', async () => /Layer/.test(await quickInputHeader(host.page)), 60_000);
      await host.page.keyboard.press('Escape');
    });
  });
});
