import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { build } from 'esbuild';
import { after, before, describe, it } from 'node:test';
import { ProbescopeError } from '../../../../src/core/errors';
import { bundledModelDir } from '../../../../src/core/model/bundledModel';
import { parseGemmaConfig } from '../../../../src/core/model/config';
import { resolveModelFolder } from '../../../../src/core/model/modelFolder';

const FIXTURES = join(__dirname, '../../../fixtures');
const G2 = join(FIXTURES, 'tiny-gemma2');

let scratch: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'probescope-folder-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A scratch model folder: config + tokenizer from tiny-gemma2, plus the given files (path → content). */
async function makeFolder(
  files: Record<string, string | Buffer>,
  base = ['config.json', 'tokenizer.json', 'tokenizer_config.json'],
): Promise<string> {
  const dir = await mkdtemp(join(scratch, 'model-'));
  for (const f of base) await cp(join(G2, f), join(dir, f));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

function isError(code: string, pattern: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof ProbescopeError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    return true;
  };
}

const g2config = async (): Promise<Record<string, unknown>> =>
  JSON.parse(await readFile(join(G2, 'config.json'), 'utf8'));

describe('resolveModelFolder', () => {
  it('resolves the tiny-gemma2 fixture with its config, tokenizer paths and the sha256 of model.onnx', async () => {
    const folder = await resolveModelFolder(G2);
    assert.equal(folder.dir, G2);
    assert.equal(folder.id, 'tiny-gemma2');
    assert.equal(folder.onnxPath, join(G2, 'model.onnx'));
    assert.deepEqual(folder.externalData, []);
    assert.equal(folder.tokenizerJson, join(G2, 'tokenizer.json'));
    assert.equal(folder.tokenizerConfigJson, join(G2, 'tokenizer_config.json'));
    assert.equal(
      folder.hash,
      createHash('sha256')
        .update(await readFile(join(G2, 'model.onnx')))
        .digest('hex'),
    );
    assert.deepEqual(folder.config, {
      architecture: 'Gemma2ForCausalLM',
      modelType: 'gemma2',
      hiddenSize: 64,
      numLayers: 4,
      numHeads: 4,
      numKvHeads: 2,
      headDim: 16,
      vocabSize: 1000,
      layerTypes: ['sliding_attention', 'full_attention', 'sliding_attention', 'full_attention'],
      slidingWindow: 8,
      maxPositions: 512,
      bosId: 2,
      padId: 0,
      eosIds: [1],
      torchDtype: 'float32',
    });
  });

  it('reads the Gemma 3 text fixture: gemma3_text, its layer pattern and two eos ids', async () => {
    const folder = await resolveModelFolder(join(FIXTURES, 'tiny-gemma3'));
    assert.equal(folder.config.modelType, 'gemma3_text');
    assert.equal(folder.config.architecture, 'Gemma3ForCausalLM');
    assert.deepEqual(folder.config.layerTypes, [
      'sliding_attention',
      'sliding_attention',
      'full_attention',
      'sliding_attention',
    ]);
    assert.deepEqual(folder.config.eosIds, [1, 7]);
  });

  it('prefers model.onnx, then onnx/model.onnx, then onnx/model_fp16.onnx, then other onnx/*.onnx by name', async () => {
    const all = {
      'model.onnx': 'a',
      'onnx/model.onnx': 'b',
      'onnx/model_fp16.onnx': 'c',
      'onnx/model_q4.onnx': 'd',
      'onnx/model_int8.onnx': 'e',
    };
    const expectations: [string[], string][] = [
      [Object.keys(all), 'model.onnx'],
      [['onnx/model.onnx', 'onnx/model_fp16.onnx', 'onnx/model_q4.onnx'], 'onnx/model.onnx'],
      [['onnx/model_fp16.onnx', 'onnx/model_q4.onnx', 'onnx/model_int8.onnx'], 'onnx/model_fp16.onnx'],
      [['onnx/model_q4.onnx', 'onnx/model_int8.onnx'], 'onnx/model_int8.onnx'],
    ];
    for (const [present, chosen] of expectations) {
      const dir = await makeFolder(Object.fromEntries(present.map((p) => [p, all[p as keyof typeof all]])));
      assert.equal((await resolveModelFolder(dir)).onnxPath, join(dir, chosen), `with ${present.join(', ')}`);
    }
  });

  it('lists external data files beside the .onnx in index order and ignores unrelated files', async () => {
    const dir = await makeFolder({
      'onnx/model.onnx': 'graph',
      'onnx/model.onnx_data_1': 'bb',
      'onnx/model.onnx_data': 'aaa',
      'onnx/model.onnx_data_10': 'c',
      'onnx/model.onnx_data_2': 'dd',
      'onnx/model.onnx_data.bak': 'x',
      'onnx/model_q4.onnx_data': 'y',
    });
    const folder = await resolveModelFolder(dir);
    assert.deepEqual(
      folder.externalData,
      ['model.onnx_data', 'model.onnx_data_1', 'model.onnx_data_2', 'model.onnx_data_10'].map((f) =>
        join(dir, 'onnx', f),
      ),
    );
  });

  it('folds external data sizes into the hash and rehashes a rewritten file', async () => {
    const dir = await makeFolder({ 'model.onnx': 'graph', 'model.onnx_data': 'aaaa' });
    const first = (await resolveModelFolder(dir)).hash;
    assert.notEqual(first, createHash('sha256').update('graph').digest('hex'), 'external data changes the hash');
    assert.equal((await resolveModelFolder(dir)).hash, first, 'same files, same hash');
    await writeFile(join(dir, 'model.onnx_data'), 'aaaaaaaa');
    const second = (await resolveModelFolder(dir)).hash;
    assert.notEqual(second, first);
    await writeFile(join(dir, 'model.onnx'), 'graph2');
    assert.notEqual((await resolveModelFolder(dir)).hash, second);
  });

  it('takes the id from .probescope-source.json when a download wrote one', async () => {
    const dir = await makeFolder({
      'model.onnx': 'g',
      '.probescope-source.json': JSON.stringify({ repoId: 'onnx-community/gemma-3-270m-it-ONNX', revision: 'main' }),
    });
    assert.equal((await resolveModelFolder(dir)).id, 'onnx-community/gemma-3-270m-it-ONNX');
  });

  it('says the folder does not exist (MODEL_NOT_FOUND) and that a file is not a folder', async () => {
    await assert.rejects(resolveModelFolder(join(scratch, 'nope')), isError('MODEL_NOT_FOUND', /does not exist/));
    await assert.rejects(resolveModelFolder(join(G2, 'config.json')), isError('MODEL_NOT_FOUND', /is a file/));
  });

  it('names the missing piece: .onnx, tokenizer.json or config.json (MODEL_INVALID)', async () => {
    await assert.rejects(
      resolveModelFolder(await makeFolder({})),
      isError('MODEL_INVALID', /No model\.onnx \(or onnx\/\*\.onnx\)/),
    );
    await assert.rejects(
      resolveModelFolder(await makeFolder({ 'model.onnx': 'g' }, ['config.json'])),
      isError('MODEL_INVALID', /No tokenizer\.json/),
    );
    await assert.rejects(
      resolveModelFolder(await makeFolder({ 'model.onnx': 'g' }, ['tokenizer.json'])),
      isError('MODEL_INVALID', /No config\.json/),
    );
  });

  it('names the missing key and the file when config.json lacks hidden_size', async () => {
    const config = await g2config();
    delete config.hidden_size;
    const dir = await makeFolder({ 'model.onnx': 'g', 'config.json': JSON.stringify(config) });
    await assert.rejects(
      resolveModelFolder(dir),
      isError(
        'MODEL_INVALID',
        new RegExp(`${join(dir, 'config.json').replace(/[.]/g, '\\.')} is missing "hidden_size"`),
      ),
    );
  });

  it('rejects config.json that is not JSON or not a Gemma model', async () => {
    await assert.rejects(
      resolveModelFolder(await makeFolder({ 'model.onnx': 'g', 'config.json': '{ nope' })),
      isError('MODEL_INVALID', /not valid JSON/),
    );
    const llama = { ...(await g2config()), model_type: 'llama' };
    await assert.rejects(
      resolveModelFolder(await makeFolder({ 'model.onnx': 'g', 'config.json': JSON.stringify(llama) })),
      isError('MODEL_INVALID', /"llama".*supports Gemma/),
    );
  });
});

describe('parseGemmaConfig', () => {
  it('reads a multimodal gemma3 config from text_config, filling the keys Hub files omit from Gemma3TextConfig defaults', () => {
    const config = parseGemmaConfig({
      architectures: ['Gemma3ForConditionalGeneration'],
      model_type: 'gemma3',
      text_config: { model_type: 'gemma3_text', hidden_size: 2560, num_hidden_layers: 12, sliding_window: 1024 },
      eos_token_id: [1, 106],
      torch_dtype: 'bfloat16',
    });
    assert.equal(config.modelType, 'gemma3_text');
    assert.equal(config.architecture, 'Gemma3ForConditionalGeneration');
    assert.deepEqual(
      [config.hiddenSize, config.numLayers, config.numHeads, config.numKvHeads, config.headDim],
      [2560, 12, 8, 4, 256],
    );
    assert.equal(config.vocabSize, 262208);
    assert.equal(config.slidingWindow, 1024);
    assert.deepEqual(config.eosIds, [1, 106]);
    assert.equal(config.torchDtype, 'bfloat16');
    // Every 6th layer is global (sliding_window_pattern 6).
    assert.deepEqual(config.layerTypes.map((t) => (t === 'full_attention' ? 'F' : 's')).join(''), 'sssssFsssssF');
  });

  it('derives Gemma 2 layer types (alternating, sliding first) and head_dim when config.json omits them', () => {
    const config = parseGemmaConfig({
      model_type: 'gemma2',
      hidden_size: 64,
      num_hidden_layers: 3,
      num_attention_heads: 4,
      vocab_size: 10,
    });
    assert.deepEqual(config.layerTypes, ['sliding_attention', 'full_attention', 'sliding_attention']);
    assert.equal(config.headDim, 16);
    assert.equal(config.numKvHeads, 4);
    assert.equal(config.architecture, 'Gemma2ForCausalLM');
  });

  it('rejects a nested gemma3 config without text_config and layer_types of the wrong length', () => {
    assert.throws(
      () => parseGemmaConfig({ model_type: 'gemma3' }, 'x/config.json'),
      isError('MODEL_INVALID', /x\/config\.json.*"text_config"/),
    );
    assert.throws(
      () =>
        parseGemmaConfig({
          model_type: 'gemma2',
          hidden_size: 8,
          num_hidden_layers: 2,
          num_attention_heads: 2,
          vocab_size: 10,
          layer_types: ['full_attention'],
        }),
      isError('MODEL_INVALID', /layer_types.*2 strings/),
    );
  });
});

describe('bundledModelDir', () => {
  it('finds models/tiny-gemma2 from the source tree, and it resolves as a model folder', async () => {
    const dir = bundledModelDir();
    assert.equal(dir, join(__dirname, '../../../../models/tiny-gemma2'));
    assert.equal((await resolveModelFolder(dir)).config.modelType, 'gemma2');
  });

  it('finds models/ beside dist/ when bundled into dist/*.js as in the VSIX', async () => {
    const root = await mkdtemp(join(scratch, 'ext-'));
    await mkdir(join(root, 'models', 'tiny-gemma2'), { recursive: true });
    await cp(join(G2, 'config.json'), join(root, 'models', 'tiny-gemma2', 'config.json'));
    const entry = join(root, 'entry.ts');
    await writeFile(
      entry,
      `import { bundledModelDir } from ${JSON.stringify(join(__dirname, '../../../../src/core/model/bundledModel'))};\nconsole.log(bundledModelDir());\n`,
    );
    await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: join(root, 'dist', 'extension.js'),
      logLevel: 'silent',
    });
    const printed = execFileSync(process.execPath, [join(root, 'dist', 'extension.js')], {
      cwd: tmpdir(),
      encoding: 'utf8',
    }).trim();
    assert.equal(printed, join(root, 'models', 'tiny-gemma2'));
  });
});
