/**
 * Probescope: Open Dataset from Hugging Face… in the real host: a dataset id typed into the input box is fetched from
 * a local fake Hub (HF_ENDPOINT) as its Parquet conversion into a fresh Hugging Face cache (HF_HUB_CACHE) and shown in
 * the dataset panel with the card's licence; the panel's split picker fetches and shows another split.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { makeFakeDataset, SPLITS } from '../unit/core/hub/fakeDataset';
import { startFakeHub, type FakeHub } from '../unit/core/model/helpers/fakeHub';
import {
  capturingFailures,
  hostSkipReason,
  openHost,
  poll,
  quickInputBoxOf,
  repoRoot,
  runCommand,
  screenshot,
  webviewText,
  type Host,
} from './harness';

const DS = 'probescope-test/reviews';

describe('Open Dataset from Hugging Face in code-server', { skip: hostSkipReason() }, () => {
  let host: Host;
  let hub: FakeHub;
  const tmp = mkdtempSync(join(tmpdir(), 'probescope-hf-dataset-'));
  const hubCache = join(tmp, 'hub');

  before(async () => {
    hub = await startFakeHub({
      repoId: 'probescope-test/none',
      dir: join(repoRoot, 'test', 'fixtures', 'tiny-gemma2'),
      datasets: [await makeFakeDataset(tmp, DS, 'cc-by-4.0')],
    });
    host = await openHost({ env: { HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: hubCache } });
  });
  after(async () => {
    await host?.close();
    await hub?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  const step = (t: TestContext, body: () => Promise<void>) => capturingFailures(host, t, body);

  test('the dataset id opens the train split in the dataset panel with its licence; the split picker switches to test', async (t) => {
    await step(t, async () => {
      await runCommand(host.page, 'Probescope: Open Dataset from Hugging Face');
      await poll('the dataset id input box', async () =>
        (await host.page.locator('.quick-input-widget .quick-input-title').innerText()).includes(
          'Hugging Face dataset',
        ),
      );
      const box = quickInputBoxOf(host.page);
      await box.fill(DS);
      await box.press('Enter');

      const { frame, text } = await webviewText(host.page, /PARQUET · 8 rows · 2 classes/);
      assert.match(text, /Hugging Face: probescope-test\/reviews/);
      assert.equal(await frame.locator('#hub-license').innerText(), 'Licence: cc-by-4.0');
      const firstText = () =>
        poll('the first row', async () => {
          const cell = frame.locator('.rows-row:not(.rows-header) .c-text').first();
          return (await cell.count()) ? (await cell.innerText()) || undefined : undefined;
        });
      assert.equal(await firstText(), SPLITS.default.train.text[0]);
      assert.ok(existsSync(join(hubCache, 'datasets--probescope-test--reviews', 'snapshots')), 'in HF_HUB_CACHE');
      await screenshot(host.page, 'hub-dataset-train');

      await frame.locator('#hub-split').click();
      await frame.locator('#hub-split').getByRole('option', { name: 'test' }).click();
      await webviewText(host.page, /PARQUET · 2 rows · 2 classes/);
      await poll('the test split rows', async () =>
        (await firstText()) === SPLITS.default.test.text[0] ? true : undefined,
      );
      await poll('the panel title', async () =>
        (await host.page
          .locator('.tabs-container .tab[aria-label^="Dataset: probescope-test/reviews (default/test)"]')
          .count()) > 0
          ? true
          : undefined,
      );
      assert.ok(hub.seen.some((r) => r.path.endsWith('/default/test/0000.parquet')));
      await screenshot(host.page, 'hub-dataset-test');
    });
  });
});
