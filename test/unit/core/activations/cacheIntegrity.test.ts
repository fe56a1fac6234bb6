/**
 * Issue #8 items 4, 5, 2 (cache part) and 8: the cache key covers every input that changes a state (weights by content,
 * tokenizer files and the BOS rule), damaged shards and indexes are detected and extracted again (never used), a
 * failed or killed cache write leaves no temp shards, and disk-full says how much is needed where.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ActivationCache } from '../../../../src/core/activations/activationCache';
import { verifyCacheFolder } from '../../../../src/core/activations/cacheIntegrity';
import { ProbescopeError } from '../../../../src/core/errors';
import { resolveModelFolder } from '../../../../src/core/model/modelFolder';
import { SAMPLE_BLOCK_BYTES, sampledFileHash } from '../../../../src/core/model/modelHash';
import { setWriteFault } from '../../../../src/core/storage';
import type { LayerSpec } from '../../../../src/protocol/types';
import { FIXTURES } from '../model/fixtureRef';
import { TEXTS } from './helpers/cacheTexts';

const repoRoot = join(import.meta.dirname, '../../../..');
const LAYERS: LayerSpec[] = [1, 3];

describe('activation cache integrity', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'ps-integrity-'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  /** A writable copy of a fixture model folder. */
  async function copyModel(name: string, as: string): Promise<string> {
    const dir = join(root, as);
    cpSync(join(FIXTURES, name), dir, { recursive: true });
    const walk = async (d: string): Promise<void> => {
      await chmod(d, 0o755);
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) await walk(join(d, e.name));
        else await chmod(join(d, e.name), 0o644);
      }
    };
    await walk(dir);
    return dir;
  }

  const build = async (modelDir: string, cacheDir: string, logs: string[] = [], texts = TEXTS) =>
    ActivationCache.build({
      folder: await resolveModelFolder(modelDir),
      layers: LAYERS,
      texts,
      cacheDir,
      executionProvider: 'cpu',
      batchSize: 4,
      shardBytes: 20_000,
      onLog: (m) => logs.push(m),
    });

  it('an export with the same graph and data sizes but other weights gets another hash and its own states', async () => {
    const base = await copyModel('gemma2-external-data', 'base');
    const twin = await copyModel('gemma2-external-data', 'twin');
    const data = join(twin, 'onnx', 'model.onnx_data');
    const bytes = readFileSync(data);
    // Scale every float of the second half a little: same size, same graph, other weights.
    const f = new Float32Array(bytes.buffer, bytes.byteOffset + (bytes.length >> 1), (bytes.length >> 3) - 1);
    for (let i = 0; i < f.length; i++) f[i] *= 1.01;
    writeFileSync(data, bytes);
    const [a, b] = await Promise.all([resolveModelFolder(base), resolveModelFolder(twin)]);
    assert.equal(statSync(join(base, 'onnx', 'model.onnx_data')).size, statSync(data).size);
    assert.notEqual(a.hash, b.hash);
    const cacheDir = join(root, 'twin-cache');
    const texts = TEXTS.slice(0, 3);
    const first = await build(base, cacheDir, [], texts);
    const second = await build(twin, cacheDir, [], texts);
    assert.equal(second.extractedExamples, texts.length, 'the twin must not reuse the base model states');
    assert.notEqual(second.key, first.key);
    first.close();
    second.close();
  });

  it('the identity is the content alone: Hub metadata beside the files does not change it; sampled blocks cover the whole file', async () => {
    const model = await copyModel('gemma2-external-data', 'hub');
    const plain = (await resolveModelFolder(model)).hash;
    writeFileSync(
      join(model, '.probescope-source.json'),
      JSON.stringify({
        repoId: 'x/y',
        revision: 'main',
        files: [{ path: 'onnx/model.onnx_data', size: 1, sha256: 'a'.repeat(64) }],
      }),
    );
    assert.equal(
      (await resolveModelFolder(model)).hash,
      plain,
      'a download and a hand-copied folder share one identity',
    );

    // A 64 MiB data file: the start, the end and any region as long as the sampling stride change the hash.
    const big = join(root, 'big.bin');
    const content = randomBytes(64 * 2 ** 20);
    writeFileSync(big, content);
    const h = await sampledFileHash(big);
    const stride = Math.ceil(content.length / 255);
    for (const [at, len] of [
      [0, 1],
      [content.length - 1, 1],
      [Math.floor(content.length / 3), stride + SAMPLE_BLOCK_BYTES],
    ]) {
      const copy = Buffer.from(content);
      copy.fill(0, at, at + len);
      writeFileSync(big, copy);
      assert.notEqual(await sampledFileHash(big), h, `change at ${at} (+${len}) unseen`);
    }
  });

  it('tokenizer_config.json (the BOS rule) and the chat template are part of the key', async () => {
    const model = await copyModel('tiny-gemma2', 'tok');
    const cacheDir = join(root, 'tok-cache');
    const texts = TEXTS.slice(0, 2);
    const withBos = await build(model, cacheDir, [], texts);
    const cfgPath = join(model, 'tokenizer_config.json');
    const cfg = JSON.parse(readFileSync(cfgPath, 'utf8'));
    writeFileSync(cfgPath, JSON.stringify({ ...cfg, chat_template: '{{ messages }}' }));
    const templ = await build(model, cacheDir, [], texts);
    assert.equal(templ.extractedExamples, texts.length, 'a new chat template re-extracts');
    writeFileSync(cfgPath, JSON.stringify({ ...cfg, add_bos_token: false }));
    const noBos = await build(model, cacheDir, [], texts);
    assert.equal(noBos.extractedExamples, texts.length, 'add_bos_token false re-extracts');
    assert.equal(noBos.length(0), withBos.length(0) - 1, 'and its states have no <bos> row');
    for (const c of [withBos, templ, noBos]) c.close();
  });

  for (const [what, damage] of [
    ['zeroed bytes', (file: string) => writeFileSync(file, Buffer.alloc(statSync(file).size >> 1), { flag: 'r+' })],
    [
      'one flipped bit',
      (file: string) => {
        const b = readFileSync(file);
        b[b.length >> 1] ^= 0x10;
        writeFileSync(file, b);
      },
    ],
  ] as const) {
    it(`a shard with ${what} is reported, extracted again and never used`, async () => {
      const model = join(FIXTURES, 'tiny-gemma2');
      const cacheDir = join(root, `damaged-${what.replace(/ /g, '-')}`);
      const clean = await build(model, cacheDir);
      const dir = clean.dir;
      const expected = TEXTS.map((_, i) => clean.get(i, 3));
      clean.close();
      damage(join(dir, 'shard-00001.bin'));
      const report = await verifyCacheFolder(dir);
      assert.equal(report.ok, false);
      assert.match(report.problems.join('\n'), /shard-00001\.bin is damaged/);
      const logs: string[] = [];
      const again = await build(model, cacheDir, logs);
      assert.match(logs.join('\n'), /shard-00001\.bin is damaged .*extracting it again.*probescope cache verify/);
      assert.ok(again.extractedExamples > 0 && again.extractedExamples < TEXTS.length, `${again.extractedExamples}`);
      TEXTS.forEach((_, i) => assert.deepEqual(again.get(i, 3), expected[i], `example ${i}`));
      assert.equal((await verifyCacheFolder(dir)).ok, true);
      again.close();
    });
  }

  it('an index with an edited hidden size or cut short is rebuilt from intact shards, never a bad-flag error', async () => {
    const model = join(FIXTURES, 'tiny-gemma2');
    const cacheDir = join(root, 'index');
    const clean = await build(model, cacheDir);
    const indexPath = join(clean.dir, 'index.json');
    clean.close();
    const index = JSON.parse(readFileSync(indexPath, 'utf8'));
    writeFileSync(indexPath, JSON.stringify({ ...index, hiddenSize: 32 }));
    const logs: string[] = [];
    const a = await build(model, cacheDir, logs);
    assert.match(logs.join('\n'), /index .*index\.json does not match \(hidden size 32 but the model has 64\)/);
    assert.equal(a.extractedExamples, 0, 'intact shards are reused');
    assert.equal(a.hiddenSize, 64);
    a.close();

    truncateSync(indexPath, statSync(indexPath).size >> 1);
    await assert.rejects(ActivationCache.open(join(cacheDir, 'activations', index.key)), (e: unknown) => {
      assert.ok(e instanceof ProbescopeError && e.code === 'CACHE_DAMAGED', String(e));
      assert.match(e.message, /index\.json is damaged .*probescope cache verify --cache-dir/);
      return true;
    });
    const b = await build(model, cacheDir, logs);
    assert.equal(b.extractedExamples, 0);
    assert.equal(b.numExamples, TEXTS.length);
    b.close();
  });

  it('a damaged cached tapped graph is rebuilt, not run', async () => {
    const model = join(FIXTURES, 'tiny-gemma2');
    const cacheDir = join(root, 'graph');
    const clean = await build(model, cacheDir, [], TEXTS.slice(0, 4));
    const expected = [0, 1, 2, 3].map((i) => clean.get(i, 3));
    clean.close();
    const graphs = join(cacheDir, 'graphs');
    const onnx = readdirSync(graphs).find((f) => f.endsWith('.onnx'))!;
    const bytes = readFileSync(join(graphs, onnx));
    // Flip bits in the middle of the graph file (the tiny model keeps its weights inline).
    for (let i = bytes.length >> 1; i < (bytes.length >> 1) + 64; i++) bytes[i] ^= 0x01;
    writeFileSync(join(graphs, onnx), bytes);
    rmSync(join(cacheDir, 'activations'), { recursive: true });
    const again = await build(model, cacheDir, [], TEXTS.slice(0, 4));
    assert.equal(again.extractedExamples, 4);
    [0, 1, 2, 3].forEach((i) => assert.deepEqual(again.get(i, 3), expected[i], `example ${i}`));
    again.close();
  });

  it('disk full (stubbed ENOSPC) says how much is needed where, leaves no temp shard, and the next run resumes', async () => {
    const model = join(FIXTURES, 'tiny-gemma2');
    const cacheDir = join(root, 'enospc');
    let writes = 0;
    setWriteFault((file) => {
      if (file.includes('shard-00002.bin') && ++writes === 2)
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    });
    try {
      await assert.rejects(build(model, cacheDir), (e: unknown) => {
        assert.ok(e instanceof ProbescopeError && e.code === 'DISK_FULL', String(e));
        assert.match(e.message, /needs about [\d.]+ MiB more in .*activations.* free there\)/);
        return true;
      });
    } finally {
      setWriteFault(undefined);
    }
    const keyDir = join(cacheDir, 'activations', readdirSync(join(cacheDir, 'activations'))[0]!);
    assert.deepEqual(
      readdirSync(keyDir).filter((f) => f.endsWith('.tmp')),
      [],
    );
    const resumed = await build(model, cacheDir);
    assert.ok(resumed.extractedExamples > 0 && resumed.extractedExamples < TEXTS.length);
    resumed.close();
  });

  it('a build killed in the middle of a shard leaves a temp shard that the next build removes', async () => {
    const cacheDir = join(root, 'killed');
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'helpers/buildCacheChild.ts'), cacheDir],
      {
        cwd: repoRoot,
        env: { ...process.env, PROBESCOPE_TEST_KILL_AT: 'cache:mid-shard' },
        encoding: 'utf8',
      },
    );
    assert.equal(child.signal, 'SIGKILL', child.stderr);
    const keyDir = join(cacheDir, 'activations', readdirSync(join(cacheDir, 'activations'))[0]!);
    assert.equal(readdirSync(keyDir).filter((f) => f.endsWith('.tmp')).length, 1);
    const logs: string[] = [];
    const cache = await build(join(FIXTURES, 'tiny-gemma2'), cacheDir, logs);
    assert.match(logs.join('\n'), /Removed 1 temporary file/);
    assert.deepEqual(
      readdirSync(keyDir).filter((f) => f.endsWith('.tmp')),
      [],
    );
    assert.equal(cache.numExamples, TEXTS.length);
    cache.close();
  });
});
