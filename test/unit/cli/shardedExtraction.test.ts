/**
 * Cluster extraction through the real `probescope` bundle: 4 slices (`activations --shard I/4`) in 4 concurrent
 * processes, written into two folders, joined by `cache merge`, give index.json and shard files byte-identical to one
 * run; `train --cache` trains from the merged cache without a model folder, as the single run's cache would.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildBundle, repoRoot } from '../worker/buildBundle';
import { FIXTURES } from '../core/model/fixtureRef';
import { TEXTS } from '../core/activations/helpers/cacheTexts';

const MODEL = join(FIXTURES, 'tiny-gemma2');
const COMMON = ['--layers', '1,3', '--shard-size', '20KB', '--batch-size', '4', '--execution-provider', 'cpu'];

describe('sharded extraction + cache merge + train --cache', () => {
  let bundle: Awaited<ReturnType<typeof buildBundle>>;
  let root: string;
  let data: string;
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [bundle.path, ...args], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 120_000,
    });
    const last = r.stdout.trim().split('\n').pop() ?? '';
    return { status: r.status, json: last.startsWith('{') ? JSON.parse(last) : undefined, stderr: r.stderr };
  };
  const cliAsync = (...args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((res) => {
      const p = spawn(process.execPath, [bundle.path, ...args], { cwd: repoRoot });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => (stdout += d));
      p.stderr.on('data', (d) => (stderr += d));
      p.on('close', (status) => res({ status, stdout, stderr }));
    });
  const files = async (dir: string) =>
    (await readdir(dir)).filter((n) => /^(index\.json|shard-\d+\.(bin|json))$/.test(n));

  before(async () => {
    bundle = await buildBundle('cli');
    root = await mkdtemp(join(tmpdir(), 'ps-shards-'));
    data = join(root, 'd.jsonl');
    await writeFile(data, TEXTS.map((text, i) => JSON.stringify({ text, label: i % 3 === 0 ? 'a' : 'b' })).join('\n'));
  });
  after(async () => {
    bundle.remove();
    await rm(root, { recursive: true, force: true });
  });

  test('4 slices in 4 processes + merge = one run, byte for byte; train --cache needs no model', async () => {
    const single = cli('activations', '--model', MODEL, '--data', data, '--out', join(root, 'single'), ...COMMON);
    assert.equal(single.status, 0, single.stderr);
    const singleDir: string = single.json.cacheDir;
    const singleFiles = await files(singleDir);
    const nShards = singleFiles.filter((n) => n.endsWith('.bin')).length;
    assert.ok(nShards >= 6, `the test needs several shards per slice (got ${nShards})`);

    // Slices 0 and 2 write into A, 1 and 3 into B; all four processes run at once.
    const runs = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        cliAsync(
          'activations',
          '--model',
          MODEL,
          '--data',
          data,
          '--out',
          join(root, i % 2 ? 'B' : 'A'),
          '--shard',
          `${i}/4`,
          ...COMMON,
        ),
      ),
    );
    const sliceJson = runs.map((r) => {
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout.trim().split('\n').pop()!);
    });
    assert.deepEqual(
      sliceJson.flatMap((j) => j.shards).sort((a: number, b: number) => a - b),
      Array.from({ length: nShards }, (_, s) => s),
    );
    assert.equal(
      sliceJson.reduce((a, j) => a + j.examples, 0),
      TEXTS.length,
    );
    for (const j of sliceJson)
      assert.ok(j.shards.length >= 1 && j.shards.every((s: number) => s % 4 === Number(j.slice[0])));

    // A slice alone is not a cache: training from it is refused with a pointer to cache merge.
    const early = cli(
      'train',
      '--cache',
      join(root, 'A'),
      '--data',
      data,
      '--layer',
      '3',
      '--probe',
      'mean',
      '--out',
      join(root, 'p0'),
    );
    assert.equal(early.status, 2);
    assert.match(early.stderr, /cache merge/);

    // A missing slice is named.
    const partial = cli('cache', 'merge', join(root, 'A'), '--out', join(root, 'partial'));
    assert.equal(partial.status, 2);
    assert.match(partial.stderr, /slices 1\/4, 3\/4 are missing/);

    const merged = cli('cache', 'merge', join(root, 'A'), join(root, 'B'), '--out', join(root, 'A'));
    assert.equal(merged.status, 0, merged.stderr);
    const [m] = merged.json.caches;
    assert.equal(m.slices, 4);
    assert.equal(m.shards, nShards);
    assert.equal(m.examples, TEXTS.length);
    assert.ok(m.copiedShards > 0 && m.copiedShards < nShards, 'B is copied, A is merged in place');
    assert.equal(m.key, singleDir.split('/').pop());
    assert.deepEqual((await files(m.dir)).sort(), singleFiles.sort());
    for (const name of singleFiles)
      assert.ok((await readFile(join(m.dir, name))).equals(await readFile(join(singleDir, name))), `${name} differs`);

    // The merged cache passes the full integrity check.
    const verify = cli('cache', 'verify', '--cache-dir', join(root, 'A'));
    assert.equal(verify.status, 0, verify.stderr);
    assert.equal(verify.json.ok, true);

    // train --cache (no model folder) = train --model with the single run's cache.
    const train = ['--data', data, '--layer', '3', '--probe', 'mean', '--seed', '1'];
    const fromCache = cli('train', '--cache', m.dir, ...train, '--out', join(root, 'p1'));
    assert.equal(fromCache.status, 0, fromCache.stderr);
    const fromModel = cli(
      'train',
      '--model',
      MODEL,
      '--cache-dir',
      join(root, 'single'),
      ...train,
      '--out',
      join(root, 'p2'),
    );
    assert.equal(fromModel.status, 0, fromModel.stderr);
    assert.deepEqual(fromCache.json.test, fromModel.json.test);
    const w1 = await readFile(join(root, 'p1', 'probe.safetensors'));
    const w2 = await readFile(join(root, 'p2', 'probe.safetensors'));
    assert.ok(w1.equals(w2), 'probe weights differ');
    const manifest1 = JSON.parse(await readFile(join(root, 'p1', 'probe.json'), 'utf8'));
    const manifest2 = JSON.parse(await readFile(join(root, 'p2', 'probe.json'), 'utf8'));
    assert.equal(manifest1.model.hash, manifest2.model.hash);
    assert.equal(manifest1.model.numLayers, manifest2.model.numLayers);
    assert.equal(manifest1.layerMeaning, manifest2.layerMeaning);

    // The right model passes the check; another model, other texts, an uncached layer are refused (exit 2).
    const checked = cli('train', '--cache', join(root, 'A'), '--model', MODEL, ...train, '--out', join(root, 'p3'));
    assert.equal(checked.status, 0, checked.stderr);
    const other = cli(
      'train',
      '--cache',
      m.dir,
      '--model',
      join(FIXTURES, 'tiny-gemma3'),
      ...train,
      '--out',
      join(root, 'p4'),
    );
    assert.equal(other.status, 2);
    assert.match(other.stderr, /another model/);
    const data2 = join(root, 'd2.jsonl');
    await writeFile(data2, (await readFile(data, 'utf8')).replace('Example 3', 'Example three'));
    const otherData = cli(
      'train',
      '--cache',
      m.dir,
      '--data',
      data2,
      '--layer',
      '3',
      '--probe',
      'mean',
      '--out',
      join(root, 'p5'),
    );
    assert.equal(otherData.status, 2);
    assert.match(otherData.stderr, /other texts/);
    const layer2 = cli(
      'train',
      '--cache',
      m.dir,
      '--data',
      data,
      '--layer',
      '2',
      '--probe',
      'mean',
      '--out',
      join(root, 'p6'),
    );
    assert.equal(layer2.status, 2);
    assert.match(layer2.stderr, /holds layers 1,3, not 2/);
  });

  test('examples/slurm/extract.sbatch runs as array task 2 of --array=0-3 and writes slice 2/4', async () => {
    const script = join(repoRoot, 'examples/slurm/extract.sbatch');
    const text = await readFile(script, 'utf8');
    assert.match(text, /^#SBATCH --array=0-\d+$/m);
    const out = join(root, 'slurm');
    const r = spawnSync('bash', [script], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 120_000,
      env: {
        ...process.env,
        SLURM_ARRAY_TASK_ID: '2',
        SLURM_ARRAY_TASK_MIN: '0',
        SLURM_ARRAY_TASK_MAX: '3',
        SLURM_ARRAY_TASK_COUNT: '4',
        MODEL,
        DATA: data,
        CACHE: out,
        LAYERS: '1,3',
        PROVIDER: 'cpu',
        PROBESCOPE: `${process.execPath} ${bundle.path}`,
        EXTRA_ARGS: '--shard-size 20KB --batch-size 4',
      },
    });
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout.trim().split('\n').pop()!);
    assert.equal(j.slice, '2/4');
    assert.ok((await readdir(j.cacheDir)).includes('slice-00002-of-00004.json'));
  });

  test('examples/k8s/extract-job.yaml is an Indexed Job whose command uses JOB_COMPLETION_INDEX and real options', async () => {
    const yaml = await readFile(join(repoRoot, 'examples/k8s/extract-job.yaml'), 'utf8');
    assert.match(yaml, /^\s+completionMode: Indexed$/m);
    const completions = /^\s+completions: (\d+)$/m.exec(yaml)?.[1];
    const slices = /name: SLICES\s+value: '(\d+)'/.exec(yaml)?.[1];
    assert.ok(completions && completions === slices, 'completions and SLICES differ');
    assert.match(yaml, /--shard "\$JOB_COMPLETION_INDEX\/\$SLICES"/);
    const { activationsCommand } = await import('../../../src/cli/commands/activations');
    const command = /probescope activations [^]*?--out \/cache/.exec(yaml.replace(/^#.*$/gm, ''))?.[0] ?? '';
    const used = [...command.matchAll(/ --([a-z-]+)/g)].map((m) => m[1]);
    assert.ok(used.length >= 5);
    for (const o of used) assert.ok(o in activationsCommand.options, `--${o} is not an option of activations`);
    const merge = await readFile(join(repoRoot, 'examples/k8s/merge-job.yaml'), 'utf8');
    assert.match(merge, /\['probescope', 'cache', 'merge', '\/cache', '--out', '\/cache'\]/);
  });

  test('--shard and --shard-size refuse what is not a slice or a size', () => {
    for (const bad of ['4/4', '1', '-1/2', 'a/b', '0/0']) {
      const r = cli('activations', '--model', MODEL, '--data', data, '--layers', '1', `--shard=${bad}`);
      assert.equal(r.status, 2, bad);
      assert.match(r.stderr, /is not a slice: use I\/N/);
    }
    const r = cli('activations', '--model', MODEL, '--data', data, '--layers', '1', '--shard-size', '12 parsecs');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /is not a size/);
  });
});
