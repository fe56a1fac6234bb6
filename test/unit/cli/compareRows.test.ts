/**
 * `probescope compare` across the dataset rules: the probes are paired row by row, so every probe must read the same
 * rows of --data (a probe trained on another text column skips other rows); and compare reads a dataset with the
 * same --encoding / --delimiter / --quote options as train and eval.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CliContext } from '../../../src/cli/command';
import { compareCommand } from '../../../src/cli/commands/compare';
import { trainCommand } from '../../../src/cli/commands/train';
import { ProbescopeError } from '../../../src/core/errors';

const context = (logs: string[] = []): CliContext => ({
  progress: () => undefined,
  step: () => undefined,
  log: (m) => logs.push(m),
  signal: new AbortController().signal,
});

describe('compare reads the same rows for every probe', () => {
  let root: string;
  let data: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'ps-compare-rows-'));
    // "alt" is empty in every 5th row, so a probe trained on "alt" reads fewer rows than one trained on "text".
    const rows = Array.from({ length: 40 }, (_, i) => ({
      text: `${i % 2 ? 'great lovely' : 'awful bad'} film ${i}`,
      alt: i % 5 === 0 ? '' : `${i % 2 ? 'fine' : 'poor'} movie ${i}`,
      label: i % 2,
    }));
    data = join(root, 'two.jsonl');
    writeFileSync(data, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    for (const field of ['text', 'alt'])
      await trainCommand.run(
        { data, 'text-field': field, layer: '1', probe: 'mean', out: join(root, field), 'cache-dir': join(root, 'c') },
        context(),
      );
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('refuses probes that read different rows, naming each one’s rows and field', async () => {
    await assert.rejects(
      compareCommand.run({ probes: join(root, 'text'), data, 'cache-dir': join(root, 'c') }, context(), [
        join(root, 'alt'),
      ]),
      (err: unknown) =>
        err instanceof ProbescopeError &&
        err.code === 'DATASET_INVALID' &&
        /40 rows/.test(err.message) &&
        /32 rows/.test(err.message) &&
        /"alt"/.test(err.message) &&
        /--text-field/.test(err.message),
    );
    // One --text-field for all probes: the same rows, so they compare.
    const c = (await compareCommand.run(
      { probes: join(root, 'text'), data, 'text-field': 'alt', 'cache-dir': join(root, 'c') },
      context(),
      [join(root, 'alt')],
    )) as { n: number; rows: { metrics: { n: number } }[] };
    assert.equal(c.n, 32);
    assert.deepEqual(
      c.rows.map((r) => r.metrics.n),
      [32, 32],
    );
  });

  it('takes --encoding like eval', async () => {
    const csv = join(root, 'cp1252.csv');
    const lines = Array.from({ length: 12 }, (_, i) => `${i % 2 ? 'great lovely' : 'awful bad'} café ${i},${i % 2}`);
    writeFileSync(csv, Buffer.from(['text,label', ...lines].join('\r\n'), 'latin1'));
    const c = (await compareCommand.run(
      { probes: join(root, 'text'), data: csv, encoding: 'cp1252', 'text-field': 'text', 'cache-dir': join(root, 'c') },
      context(),
      [join(root, 'alt')],
    )) as { n: number };
    assert.equal(c.n, 12);
  });

  it('refuses a missing probe folder before evaluating any probe', async () => {
    const logs: string[] = [];
    await assert.rejects(
      compareCommand.run({ probes: join(root, 'text'), data, 'cache-dir': join(root, 'c') }, context(logs), [
        join(root, 'no-such-probe'),
      ]),
      (err: unknown) =>
        err instanceof ProbescopeError && err.code === 'PROBE_INVALID' && /no-such-probe/.test(err.message),
    );
    assert.deepEqual(
      logs.filter((l) => l.startsWith('Evaluating')),
      [],
      'no probe ran before the refusal',
    );
  });
});
