/** Issue #13: a dataset that ships its own split column shows "from column …" instead of the random-split fields. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openPanel, startHarness, type Harness } from './harness';
import { summary } from './datasetData';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => h?.close());

test('a detected split column replaces the test fraction and seed with "from column …" and its counts', async () => {
  const p = await openPanel(h, 'dataset');
  const s = {
    ...summary('/data/glue.jsonl'),
    splitField: 'split',
    splitCounts: { train: 800, test: 150, validation: 50 },
  };
  await p.send({ type: 'summary', summary: s, split: { testSplit: 0.25, seed: 0 } });
  const source = p.page.locator('#split-source');
  await source.waitFor();
  assert.equal(
    (await source.locator('.split-from-column').textContent())?.trim(),
    'from column "split" (800 train · 150 test · 50 validation)',
  );
  assert.ok(await p.page.locator('#test-split').isHidden());
  assert.ok(await p.page.locator('#seed').isHidden());
  // A dataset without one shows the random-split fields again.
  await p.send({ type: 'summary', summary: summary('/data/plain.jsonl'), split: { testSplit: 0.25, seed: 0 } });
  await p.page.locator('#test-split').waitFor();
  assert.ok(await source.isHidden());
  assert.deepEqual(p.problems, []);
  await p.page.close();
});
