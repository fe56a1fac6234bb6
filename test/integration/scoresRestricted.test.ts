/**
 * Score Document in Restricted Mode (package.json capabilities.untrustedWorkspaces: "limited") follows the model rules
 * of Classify Selection and Train Probe (classifySelection.ts modelFor, modelSelection forUse): the probe's recorded
 * model folder and the selected model both lie inside the untrusted workspace, so neither is loaded silently — a modal
 * says why; Cancel scores nothing; "Use Bundled Model" scores the document with the bundled model (the same tiny
 * Gemma the probe was trained on).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { GemmaTokenizer } from '../../src/core/model';
import { trainProbeRun } from '../../src/core/probes';
import {
  acceptQuickPicks,
  capturingFailures,
  hostSkipReason,
  openFile,
  openHost,
  repoRoot,
  runCommand,
  screenshot,
  waitForNotification,
  type Host,
  type TestState,
} from './harness';

type ScoreState = TestState & { scores?: { uri: string; tokens: number; coveredChars: number } | null };

const MODEL = join(repoRoot, 'models/tiny-gemma2');
const workspaceModel = join('models', 'downloaded-gemma');
const TEXT = 'Voters certified the ballots without irregularities. Critics alleged fraud without evidence.';

describe('Score Document in Restricted Mode (code-server)', { skip: hostSkipReason() }, () => {
  let host: Host;
  let work: string;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'ps-scores-restricted-'));
    const probe = await trainProbeRun({
      modelDir: MODEL,
      dataPath: join(repoRoot, 'examples/span-sentiment.jsonl'),
      layer: 2,
      probe: 'mean',
      seed: 1,
      maxLength: 64,
      executionProvider: 'cpu',
      cacheDir: join(work, 'cache'),
      outDir: join(work, 'score-probe'),
    });
    host = await openHost({
      restricted: true,
      files: { 'doc.txt': TEXT },
      copies: { [workspaceModel]: MODEL, '.probescope/probes/score-probe': probe.outDir },
      settings: (workspace) => ({ 'probescope.modelFolder': join(workspace, workspaceModel) }),
    });
    // The probe says it was trained on the workspace's copy of the model (a model downloaded into the project).
    const manifestFile = join(host.workspace, '.probescope/probes/score-probe/probe.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { model: { dir: string } };
    manifest.model.dir = join(host.workspace, workspaceModel);
    writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
  });
  after(async () => {
    await host?.close();
    rmSync(work, { recursive: true, force: true });
  });
  const step = (t: TestContext, body: () => Promise<void>) => capturingFailures(host, t, body);
  const dialog = () => host.page.locator('.monaco-dialog-box');

  async function scoreUntilDialog(): Promise<string> {
    await runCommand(host.page, 'Probescope: Score Document');
    await dialog().waitFor({ timeout: 30_000 });
    return dialog().innerText();
  }

  test('the window is in Restricted Mode (the premise of this suite)', async (t) => {
    await step(t, async () => {
      await host.page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ timeout: 30_000 });
    });
  });

  test('Score Document stops at the modal for a model inside the workspace; Cancel scores nothing', async (t) => {
    await step(t, async () => {
      await openFile(host.page, 'doc.txt');
      await runCommand(host.page, 'Probescope: Score Document');
      await waitForNotification(host.page, /no active probe/i);
      await host.page.locator('.notification-toast .monaco-button', { hasText: 'Choose Probe…' }).first().click();
      await acceptQuickPicks(host.page, () => 'score-probe');
      await dialog().waitFor({ timeout: 30_000 });
      assert.match(
        await dialog().innerText(),
        /does not load the model in ".*downloaded-gemma" because this workspace is in Restricted Mode/,
      );
      await screenshot(host.page, 'scores-restricted-modal');
      await dialog().getByRole('button', { name: 'Cancel' }).click();
      await dialog().waitFor({ state: 'detached' });
      await new Promise((r) => setTimeout(r, 2000));
      const s = host.state() as ScoreState | undefined;
      assert.ok(s, 'the host wrote no test state');
      assert.equal(s.scores ?? null, null, 'nothing scored');
      assert.equal(s.model?.id, 'downloaded-gemma', 'the selection is left as it was');
    });
  });

  test('"Use Bundled Model" scores the document with the bundled model', async (t) => {
    await step(t, async () => {
      const text = await scoreUntilDialog();
      assert.match(text, /Restricted Mode/);
      await dialog().getByRole('button', { name: 'Use Bundled Model' }).click();
      const s = (await host.waitForState(
        (x) => !!(x as ScoreState).scores?.uri.endsWith('doc.txt'),
        'the scores',
        120_000,
      )) as ScoreState;
      assert.equal(s.model?.id, 'tiny-gemma2');
      assert.equal(s.scores!.tokens, (await GemmaTokenizer.load(MODEL)).encode(TEXT).length);
      assert.equal(s.scores!.coveredChars, TEXT.length);
    });
  });
});
