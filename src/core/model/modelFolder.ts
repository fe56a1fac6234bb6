import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { ProbescopeError } from '../errors';
import { type GemmaConfig, readGemmaConfig } from './config';

/** A validated model folder as Hugging Face / onnx-community ship it. All paths are absolute. */
export interface ModelFolder {
  dir: string;
  /** Hub repo id (from .probescope-source.json written by downloadModel) or the folder name. */
  id: string;
  /** model.onnx or onnx/model*.onnx (see ONNX_CANDIDATES for the order). */
  onnxPath: string;
  /** Files beside onnxPath holding its external data: model.onnx_data, model.onnx_data_1 … (absolute paths). */
  externalData: string[];
  config: GemmaConfig;
  /** Path of tokenizer.json. */
  tokenizerJson: string;
  /** Path of tokenizer_config.json, when the folder has one. */
  tokenizerConfigJson?: string;
  /** sha256 hex of the .onnx bytes, with each external data file's name and size folded in. */
  hash: string;
}

/** Written by downloadModel beside the files; gives downloaded folders their Hub id. */
export const SOURCE_FILE = '.probescope-source.json';
export interface ModelSource {
  repoId: string;
  revision: string;
  endpoint?: string;
  file?: string;
}

/**
 * Which .onnx file a folder uses, first match wins: a top-level model.onnx (optimum exports), then onnx-community's
 * layout: onnx/model.onnx (full precision), onnx/model_fp16.onnx, then any other onnx/*.onnx in name order
 * (model_q4.onnx, model_quantized.onnx …), bfloat16 files last (CPU cannot run them: precisionSupport.ts).
 */
export async function findOnnxFile(dir: string): Promise<string | undefined> {
  for (const rel of ['model.onnx', join('onnx', 'model.onnx'), join('onnx', 'model_fp16.onnx')]) {
    if (await isFile(join(dir, rel))) return join(dir, rel);
  }
  const bf16 = (n: string): number => (/bf16|bfloat16/i.test(n) ? 1 : 0);
  const others = (await listDir(join(dir, 'onnx')))
    .filter((n) => n.endsWith('.onnx'))
    .sort((a, b) => bf16(a) - bf16(b) || (a < b ? -1 : a > b ? 1 : 0));
  for (const name of others) if (await isFile(join(dir, 'onnx', name))) return join(dir, 'onnx', name);
  return undefined;
}

/** `<name>.onnx_data`, `<name>.onnx_data_1`, … beside the .onnx file, in index order. */
export async function findExternalData(onnxPath: string): Promise<string[]> {
  const dir = resolve(onnxPath, '..');
  const prefix = `${basename(onnxPath)}_data`;
  const found: { path: string; index: number }[] = [];
  for (const name of await listDir(dir)) {
    if (!name.startsWith(prefix)) continue;
    const rest = name.slice(prefix.length);
    const m = /^(?:_(\d+))?$/.exec(rest);
    if (m) found.push({ path: join(dir, name), index: m[1] === undefined ? 0 : Number(m[1]) + 1 });
  }
  return found.sort((a, b) => a.index - b.index).map((f) => f.path);
}

export async function resolveModelFolder(dirIn: string): Promise<ModelFolder> {
  const dir = resolve(dirIn);
  const st = await stat(dir).catch(() => undefined);
  if (!st) throw new ProbescopeError('MODEL_NOT_FOUND', `Model folder ${dir} does not exist; check the path.`);
  if (!st.isDirectory()) {
    throw new ProbescopeError(
      'MODEL_NOT_FOUND',
      `${dir} is a file; choose the folder that holds config.json and the .onnx model.`,
    );
  }
  const configPath = join(dir, 'config.json');
  if (!(await isFile(configPath))) {
    throw new ProbescopeError(
      'MODEL_INVALID',
      `No config.json in ${dir}; a model folder needs the Hugging Face config.json.`,
    );
  }
  const onnxPath = await findOnnxFile(dir);
  if (!onnxPath) throw await noOnnxError(dir);
  const tokenizerJson = join(dir, 'tokenizer.json');
  if (!(await isFile(tokenizerJson))) {
    throw new ProbescopeError(
      'MODEL_INVALID',
      `No tokenizer.json in ${dir}; save it with transformers (AutoTokenizer.from_pretrained(...).save_pretrained(dir)) — tokenizer.model alone is not enough.`,
    );
  }
  const tokenizerConfigPath = join(dir, 'tokenizer_config.json');
  const config = await readGemmaConfig(configPath);
  const externalData = await findExternalData(onnxPath);
  return {
    dir,
    id: await readModelId(dir),
    onnxPath,
    externalData,
    config,
    tokenizerJson,
    tokenizerConfigJson: (await isFile(tokenizerConfigPath)) ? tokenizerConfigPath : undefined,
    hash: await hashModel(onnxPath, externalData),
  };
}

/**
 * repoId from .probescope-source.json, else the repo a Hugging Face cache snapshot belongs to
 * (`…/models--owner--name/snapshots/<rev>` -> owner/name), else the folder name. A display name: what identifies a
 * model's states is `hash`, the same whichever way the files arrived.
 */
export async function readModelId(dir: string): Promise<string> {
  const source = await readModelSource(dir);
  if (source) return source.repoId;
  const cached = /(?:^|[\\/])models--([^\\/]+?)--([^\\/]+)[\\/]snapshots[\\/][^\\/]+[\\/]?$/.exec(dir);
  return cached ? `${cached[1]}/${cached[2]}` : basename(dir);
}

/** MODEL_INVALID for a folder without .onnx; weights without a graph get the README's export section. */
async function noOnnxError(dir: string): Promise<ProbescopeError> {
  const names = [...(await listDir(dir)), ...(await listDir(join(dir, 'onnx'))).map((n) => `onnx/${n}`)];
  const weights = names.filter((n) => /\.(safetensors|bin|pth|gguf)$/.test(n));
  if (weights.length) {
    return new ProbescopeError(
      'MODEL_INVALID',
      `${dir} holds PyTorch weights (${weights.slice(0, 3).join(', ')}${weights.length > 3 ? ', …' : ''}) but no ` +
        '.onnx graph; Probescope runs ONNX. Export it first (optimum-cli export onnx --model <dir> ' +
        '--task text-generation-with-past <out>), as the README section "Models without an ONNX export" shows, ' +
        'or download an onnx-community export of the model.',
    );
  }
  return new ProbescopeError(
    'MODEL_INVALID',
    `No model.onnx (or onnx/*.onnx) in ${dir}; export the model to ONNX (e.g. optimum-cli export onnx) or download an onnx-community model.`,
  );
}

export async function readModelSource(dir: string): Promise<ModelSource | undefined> {
  try {
    const json = JSON.parse(await readFile(join(dir, SOURCE_FILE), 'utf8')) as Partial<ModelSource>;
    if (typeof json.repoId === 'string' && json.repoId && typeof json.revision === 'string') return json as ModelSource;
  } catch {
    // Absent or unreadable: the folder name serves as id.
  }
  return undefined;
}

const hashMemo = new Map<string, Promise<string>>();

/**
 * Streams the .onnx file through sha256 (never one buffer: exports can exceed Node's 2 GiB limit) and folds in each
 * external data file's name and size (hashing tens of GB of weights would take minutes). Memoised per process on
 * (path, mtime, size) of every file involved, so a rewritten file is hashed again.
 */
export async function hashModel(onnxPath: string, externalData: string[] = []): Promise<string> {
  const stats = await Promise.all([onnxPath, ...externalData].map((p) => stat(p)));
  const key = [onnxPath, ...externalData].map((p, i) => `${p}\0${stats[i].mtimeMs}\0${stats[i].size}`).join('\n');
  let pending = hashMemo.get(key);
  if (!pending) {
    pending = (async () => {
      const h = createHash('sha256');
      for await (const chunk of createReadStream(onnxPath, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
      externalData.forEach((p, i) => h.update(`\0${basename(p)}:${stats[i + 1].size}`));
      return h.digest('hex');
    })();
    hashMemo.set(key, pending);
    pending.catch(() => hashMemo.delete(key));
  }
  return pending;
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

async function listDir(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}
