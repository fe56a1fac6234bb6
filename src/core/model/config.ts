import { readFile } from 'node:fs/promises';
import { ProbescopeError } from '../errors';

/** The parts of a Hugging Face Gemma config.json that Probescope uses. */
export interface GemmaConfig {
  /** e.g. Gemma2ForCausalLM (architectures[0]). */
  architecture: string;
  /** gemma, gemma2 or gemma3_text (a multimodal `gemma3` config reports its text model). */
  modelType: string;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  vocabSize: number;
  /** One entry per decoder layer: 'sliding_attention' | 'full_attention'. */
  layerTypes: string[];
  slidingWindow: number | null;
  bosId: number;
  padId: number;
  eosIds: number[];
  torchDtype: string;
  /** max_position_embeddings: the positions the model was trained for (null when config.json has none). */
  maxPositions?: number | null;
}

type Json = Record<string, unknown>;

const SUPPORTED = ['gemma', 'gemma2', 'gemma3_text', 'gemma3'];

/**
 * Defaults transformers' Gemma3TextConfig fills in: the multimodal Gemma 3 config.json files on the Hub
 * (google/gemma-3-4b-it …) list only the text_config keys that differ from these.
 */
const GEMMA3_TEXT_DEFAULTS: Json = {
  vocab_size: 262208,
  num_attention_heads: 8,
  num_key_value_heads: 4,
  head_dim: 256,
  sliding_window: 4096,
  sliding_window_pattern: 6,
};

export async function readGemmaConfig(file: string): Promise<GemmaConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new ProbescopeError(
      'MODEL_INVALID',
      `Cannot read ${file}: a model folder needs the Hugging Face config.json.`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ProbescopeError('MODEL_INVALID', `${file} is not valid JSON (${(err as Error).message}).`);
  }
  return parseGemmaConfig(json, file);
}

/** Parses a config.json object; `file` only names the source in error messages. */
export function parseGemmaConfig(json: unknown, file = 'config.json'): GemmaConfig {
  if (!isObject(json)) throw new ProbescopeError('MODEL_INVALID', `${file} must hold a JSON object.`);
  const topType = json.model_type;
  if (typeof topType !== 'string') {
    throw new ProbescopeError('MODEL_INVALID', `${file} has no "model_type"; expected one of ${SUPPORTED.join(', ')}.`);
  }
  if (!SUPPORTED.includes(topType)) {
    throw new ProbescopeError(
      'MODEL_INVALID',
      `${file} says model_type "${topType}"; Probescope supports Gemma models (${SUPPORTED.join(', ')}).`,
    );
  }
  // Multimodal Gemma 3 nests the language model's settings under text_config.
  let cfg: Json = json;
  let where = file;
  if (topType === 'gemma3') {
    if (!isObject(json.text_config)) {
      throw new ProbescopeError('MODEL_INVALID', `${file} (model_type gemma3) has no "text_config" object.`);
    }
    cfg = { ...GEMMA3_TEXT_DEFAULTS, ...json.text_config };
    where = `${file} (text_config)`;
  }
  const modelType = topType === 'gemma3' ? 'gemma3_text' : topType;
  const int = (key: string): number => requireInt(cfg, key, where);

  const hiddenSize = int('hidden_size');
  const numLayers = int('num_hidden_layers');
  const numHeads = int('num_attention_heads');
  const vocabSize = int('vocab_size');
  const numKvHeads = optionalInt(cfg, 'num_key_value_heads', where) ?? numHeads;
  const headDim = optionalInt(cfg, 'head_dim', where) ?? hiddenSize / numHeads;
  const slidingWindow = optionalInt(cfg, 'sliding_window', where) ?? null;
  const maxPositions = optionalInt(cfg, 'max_position_embeddings', where) ?? null;
  const layerTypes = readLayerTypes(cfg, modelType, numLayers, where);

  // Token ids live at the top level of multimodal configs and sometimes in text_config too.
  const pick = (key: string): unknown => cfg[key] ?? json[key];
  const bosId = asInt(pick('bos_token_id')) ?? 2;
  const padId = asInt(pick('pad_token_id')) ?? 0;
  const eosRaw = pick('eos_token_id');
  const eosIds = Array.isArray(eosRaw)
    ? eosRaw.filter(Number.isInteger)
    : Number.isInteger(eosRaw)
      ? [eosRaw as number]
      : [1];
  const architectures = json.architectures;
  const architecture =
    Array.isArray(architectures) && typeof architectures[0] === 'string'
      ? architectures[0]
      : defaultArchitecture(topType);
  const dtype = cfg.torch_dtype ?? cfg.dtype ?? json.torch_dtype ?? json.dtype;
  const torchDtype = typeof dtype === 'string' ? dtype : 'float32';

  return {
    architecture,
    modelType,
    hiddenSize,
    numLayers,
    numHeads,
    numKvHeads,
    headDim,
    vocabSize,
    layerTypes,
    slidingWindow,
    maxPositions,
    bosId,
    padId,
    eosIds: eosIds as number[],
    torchDtype,
  };
}

/** layer_types when listed; otherwise the pattern the modeling code uses (Gemma 2 alternates, Gemma 3 every Nth is full). */
function readLayerTypes(cfg: Json, modelType: string, numLayers: number, where: string): string[] {
  const listed = cfg.layer_types;
  if (listed !== undefined && listed !== null) {
    if (!Array.isArray(listed) || listed.length !== numLayers || !listed.every((t) => typeof t === 'string')) {
      throw new ProbescopeError(
        'MODEL_INVALID',
        `${where}: "layer_types" must list ${numLayers} strings (one per layer, num_hidden_layers = ${numLayers}).`,
      );
    }
    return listed as string[];
  }
  const types: string[] = [];
  for (let i = 0; i < numLayers; i++) {
    if (modelType === 'gemma2') types.push(i % 2 === 0 ? 'sliding_attention' : 'full_attention');
    else if (modelType === 'gemma3_text') {
      const pattern = optionalInt(cfg, 'sliding_window_pattern', where) ?? 6;
      types.push((i + 1) % pattern === 0 ? 'full_attention' : 'sliding_attention');
    } else types.push('full_attention');
  }
  return types;
}

function defaultArchitecture(modelType: string): string {
  if (modelType === 'gemma2') return 'Gemma2ForCausalLM';
  if (modelType === 'gemma3_text') return 'Gemma3ForCausalLM';
  if (modelType === 'gemma3') return 'Gemma3ForConditionalGeneration';
  return 'GemmaForCausalLM';
}

function requireInt(cfg: Json, key: string, where: string): number {
  const value = cfg[key];
  if (value === undefined || value === null) {
    throw new ProbescopeError(
      'MODEL_INVALID',
      `${where} is missing "${key}"; use the config.json that came with the model.`,
    );
  }
  const n = asInt(value);
  if (n === undefined || n <= 0) {
    throw new ProbescopeError(
      'MODEL_INVALID',
      `${where}: "${key}" must be a positive integer, got ${JSON.stringify(value)}.`,
    );
  }
  return n;
}

function optionalInt(cfg: Json, key: string, where: string): number | undefined {
  const value = cfg[key];
  if (value === undefined || value === null) return undefined;
  return requireInt(cfg, key, where);
}

function asInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
