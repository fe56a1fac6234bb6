/**
 * A folder of Parquet shards through the real CLI bundle, as a user meets it after a Hub download or
 * `datasets.Dataset.to_parquet` per shard: `train --data FOLDER` (and `--test-data FOLDER`), `eval --data FOLDER`,
 * and the refusals (several splits in one folder, shards of different schemas) as one error line naming the shard.
 * Fixtures: test/fixtures/datasets-shards (make_shards.py).
 */
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildBundle, repoRoot } from '../worker/buildBundle';
import { errorLines, lastJson, runCli, type CliRun } from './runCli';

const MODEL = join(repoRoot, 'models/tiny-gemma2');
const FIXTURES = join(repoRoot, 'test/fixtures/datasets-shards');

describe('folders of Parquet shards through the CLI', () => {
  let bundle: Awaited<ReturnType<typeof buildBundle>>;
  let tmp: string;
  const cli = (...args: string[]): Promise<CliRun> => runCli(bundle.path, args, { cwd: tmp, timeoutMs: 120_000 });
  const common = ['--execution-provider', 'cpu', '--cache-dir'];

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'ps-cli-shards-'));
    bundle = await buildBundle('cli');
  });
  after(async () => {
    bundle?.remove();
    await rm(tmp, { recursive: true, force: true });
  });

  test('train --data FOLDER --test-data FOLDER, then eval --data FOLDER: every shard row counted', async () => {
    const data = join(tmp, 'hub-train');
    cpSync(join(FIXTURES, 'hub-train'), data, { recursive: true });
    writeFileSync(join(data, '.gitattributes'), '*.parquet filter=lfs diff=lfs merge=lfs -text\n');
    const test = join(FIXTURES, 'int-widths');
    const out = join(tmp, 'probe');
    const cache = join(tmp, 'cache');
    const trained = await cli(
      'train',
      '--model',
      MODEL,
      '--data',
      data,
      '--test-data',
      test,
      '--layer',
      '1',
      '--probe',
      'mean',
      '--steps',
      '20',
      ...common,
      cache,
      '--out',
      out,
    );
    assert.equal(trained.status, 0, trained.stderr);
    const t = lastJson(trained) as {
      classes: string[];
      split: { counts: Record<string, number> };
      test: { n: number };
    };
    assert.deepEqual(t.classes, ['0', '1']);
    // 26 rows in 3 shards train (some carved for validation); the 12 rows of the 2 test shards test.
    assert.equal(t.split.counts.train + t.split.counts.validation, 26);
    assert.equal(t.test.n, 12);
    const manifest = JSON.parse(readFileSync(join(out, 'probe.json'), 'utf8')) as Record<string, unknown>;
    assert.ok(JSON.stringify(manifest).includes('hub-train'));

    const ev = await cli('eval', '--probe', out, '--data', test, '--model', MODEL, ...common, cache);
    assert.equal(ev.status, 0, ev.stderr);
    const e = lastJson(ev) as { n: number; textField: string; labelField: string };
    assert.equal(e.n, 12);
    assert.deepEqual([e.textField, e.labelField], ['text', 'label']);
  });

  test('refusals name the folder or the shard, in one error line', async () => {
    const cases: [string, RegExp][] = [
      ['mixed-splits', /holds the shards of several splits: test .*, train /],
      ['type-clash', /0001\.parquet: column "label" is int64, but string in 0000\.parquet/],
      [
        'missing-column',
        /0001\.parquet has columns text, but 0000\.parquet has text, label \(0001\.parquet lacks "label"/,
      ],
      ['incomplete', /train-00001-of-00003\.parquet is missing/],
    ];
    for (const [name, message] of cases) {
      const r = await cli(
        'train',
        '--model',
        MODEL,
        '--data',
        join(FIXTURES, name),
        '--layer',
        '1',
        '--probe',
        'mean',
        ...common,
        join(tmp, 'cache'),
        '--out',
        join(tmp, `refused-${name}`),
      );
      assert.equal(r.status, 1, name);
      assert.equal(r.stdout, '');
      const errors = errorLines(r);
      assert.equal(errors.length, 1, r.stderr);
      assert.match(errors[0], message);
    }
  });
});
