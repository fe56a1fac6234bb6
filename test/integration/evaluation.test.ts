/**
 * Issue #13 in the real host (code-server): a dataset's split column is shown by the dataset panel and picked up by
 * Train Probe (the saved probe records the given split), and Compare Probes on a Probes-view multi-selection opens one
 * table with intervals and paired tests. Probes for the comparison are trained with the installed extension's CLI.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import {
  acceptQuickPicks,
  capturingFailures,
  hostSkipReason,
  openHost,
  poll,
  repoRoot,
  runCommand,
  screenshot,
  webviewText,
  type Host,
} from './harness';

// 120 rows of the example with a split column: every 4th row test, every 10th (not test) validation.
const rows = readFileSync(join(repoRoot, 'examples', 'span-sentiment.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .slice(0, 120)
  .map((l) => JSON.parse(l) as { text: string; label: number });
const role = (i: number) => (i % 4 === 0 ? 'test' : i % 10 === 1 ? 'validation' : 'train');
const given = rows.map((r, i) => JSON.stringify({ ...r, split: role(i) })).join('\n') + '\n';
const nTest = rows.filter((_, i) => role(i) === 'test').length;

describe('Probescope evaluation in code-server', { skip: hostSkipReason() }, () => {
  let host: Host;
  let probesDir: string;

  before(async () => {
    host = await openHost({ files: { 'given-split.jsonl': given } });
    probesDir = join(host.workspace, '.probescope', 'probes');
  });
  after(async () => host?.close());

  const step = (t: TestContext, body: () => Promise<void>) => capturingFailures(host, t, body);

  function trainWithCli(name: string, probe: string): void {
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
        probe,
        '--cache-dir',
        join(host.tmp, 'cli-cache'),
        '--out',
        join(probesDir, name),
      ],
      { stdio: 'pipe', timeout: 120_000 },
    );
  }

  test('the dataset panel shows the split column and Train Probe trains on it (probe.json records the split)', async (t) => {
    await step(t, async () => {
      await runCommand(host.page, 'Probescope: Open Dataset Panel');
      await acceptQuickPicks(host.page, () => 'given-split.jsonl');
      const { text } = await webviewText(host.page, /from column "split"/);
      assert.match(text, new RegExp(`from column "split" \\(\\d+ train · ${nTest} test · \\d+ validation\\)`));
      await screenshot(host.page, 'evaluation-dataset-split-column');

      await runCommand(host.page, 'Probescope: Train Probe');
      const steps = await acceptQuickPicks(host.page, (header) => (/probe kind/i.test(header) ? 'mean' : undefined));
      assert.ok(
        steps.some((s) => /Test Rows/.test(s)),
        `no test-rows step in ${JSON.stringify(steps)}`,
      );
      const s = await host.waitForState(
        (x) => x.training !== null && x.training.state !== 'running',
        'training',
        300_000,
      );
      assert.equal(s.training?.state, 'finished', `training ended as ${s.training?.state}: ${s.lastError}`);
      const dir = s.activeProbe!;
      const manifest = JSON.parse(readFileSync(join(dir, 'probe.json'), 'utf8')) as {
        training: { split: { source: string; field: string; validation: string; counts: { test: number } } };
        metrics: { test: { n: number; ci95: Record<string, [number, number]> } };
      };
      assert.equal(manifest.training.split.source, 'field');
      assert.equal(manifest.training.split.field, 'split');
      assert.equal(manifest.training.split.validation, 'given');
      assert.equal(manifest.training.split.counts.test, nTest);
      assert.equal(manifest.metrics.test.n, nTest);
      assert.ok(manifest.metrics.test.ci95.accuracy, 'test metrics carry intervals');
      // The training panel says where the numbers come from and shows the intervals.
      const panel = await webviewText(host.page, /split from column "split"/);
      assert.match(panel.text, /\d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]/);
      await screenshot(host.page, 'evaluation-trained-on-split-column');
    });
  });

  test('Compare Probes on two probes selected in the Probes view shows one table with intervals and a paired test', async (t) => {
    await step(t, async () => {
      trainWithCli('cmp-mean', 'mean');
      trainWithCli('cmp-last', 'last');
      await host.page.locator('.part.activitybar [aria-label^="Probescope"]').first().click();
      const row = (name: string) => host.page.locator('.part.sidebar .monaco-list-row', { hasText: name });
      await row('cmp-mean').waitFor({ timeout: 30_000 });
      await row('cmp-last').waitFor({ timeout: 30_000 });
      await row('cmp-mean').click();
      await row('cmp-last').click({ modifiers: ['Control'] });
      await poll('both rows selected', async () =>
        (await host.page.locator('.part.sidebar .monaco-list-row.selected').count()) === 2 ? true : undefined,
      );
      await runCommand(host.page, 'Probescope: Compare Probes');
      const picks = await acceptQuickPicks(host.page, (header) =>
        /dataset/i.test(header) ? 'span-sentiment.jsonl' : undefined,
      );
      assert.equal(picks.length, 1, `only the dataset is asked for; saw ${JSON.stringify(picks)}`);
      const { frame } = await webviewText(host.page, /2 probes on 400 examples of span-sentiment\.jsonl/, 180_000);
      const names = await frame.locator('#compare-table tbody th').allInnerTexts();
      assert.deepEqual(names.sort(), ['cmp-last', 'cmp-mean']);
      const acc = await frame.locator('#compare-table tbody tr td:nth-child(6)').allInnerTexts();
      for (const a of acc) assert.match(a, /^\d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]$/);
      assert.equal(await frame.locator('#pairs-table tr[data-significant]').count(), 2);
      assert.equal(await frame.locator('#roc polyline.roc-line').count(), 2);
      assert.ok(existsSync(join(probesDir, 'cmp-mean', 'probe.json')));
      await screenshot(host.page, 'evaluation-compare-probes');
    });
  });
});
