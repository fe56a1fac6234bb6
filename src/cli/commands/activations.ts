/**
 * `probescope activations`: residual-stream states of one text (printed as JSON) or of a dataset (an activation
 * cache built in --out, summary printed).
 */
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CliCommand } from '../command';
import type { LayerSpec } from '../../protocol/types';
import { ActivationCache } from '../../core/activations/activationCache';
import { DEFAULT_CACHE_MAX_LENGTH } from '../../core/activations/shardFormat';
import { readExtractionTexts } from '../../core/data/extractionTexts';
import type { ProgressEvent } from '../../protocol/types';
import { ProbescopeError } from '../../core/errors';
import { ActivationExtractor } from '../../core/model/extractor';
import { resolveModelFolder } from '../../core/model/modelFolder';
import { parseShardSlice } from '../../core/activations/shardSlice';
import { num, oneOf, required, str } from './args';
import { parseByteSize } from './byteSize';
import { datasetReadOptions, datasetReadParams } from './datasetOptions';
import { chatOption, hubDataOptions, resolveDataArg } from './hubData';
import {
  ChatTemplate,
  chatMessages,
  encodeChat,
  parseChatSpec,
  readChatTexts,
  readTrainingRows,
  type ChatEncoding,
} from '../../core/chat';
import { GemmaTokenizer } from '../../core/model/tokenizer';
import { textArg, textFileOption } from './textArg';

const EPS = ['auto', 'cpu', 'webgpu', 'cuda'] as const;

export const activationsCommand: CliCommand = {
  name: 'activations',
  summary: 'Extract residual-stream states: of one text (JSON) or of a dataset (an activation cache).',
  usage:
    'probescope activations --model DIR --layers 0,2,final|all (--text STR | --text-file FILE | --data FILE) [--out DIR] [--shard I/N] [--shard-size SIZE]',
  options: {
    model: { type: 'string', description: 'Model folder (config.json, tokenizer.json, model.onnx)', valueName: 'DIR' },
    layers: {
      type: 'string',
      description:
        'Comma-separated layers or all. L = residual stream after decoder block L (0 = scaled embeddings) = ' +
        'TransformerLens blocks.{L-1}.hook_resid_post; final = the final-norm state = HF hidden_states[N] ' +
        '(HF hidden_states[L] = layer L only for L < N)',
      valueName: 'LIST',
    },
    text: { type: 'string', description: 'One text: print its tokens and states', valueName: 'STR' },
    'text-file': textFileOption,
    data: {
      type: 'string',
      description: 'JSONL / CSV / Parquet dataset: build an activation cache',
      valueName: 'FILE',
    },
    out: { type: 'string', description: 'Cache folder for --data (default: OS temp)', valueName: 'DIR' },
    'text-field': { type: 'string', description: 'Text column of --data (default: detected)', valueName: 'NAME' },
    'max-length': {
      type: 'string',
      description: `Truncate texts to this many tokens (default ${DEFAULT_CACHE_MAX_LENGTH}, as train: a cache built here is reused by train --cache-dir)`,
      valueName: 'N',
    },
    'batch-size': { type: 'string', description: 'Sequences per model run (default 16)', valueName: 'N' },
    dtype: {
      type: 'string',
      description:
        'Cache dtype: float16 (default; a shard with values beyond 65,504 is kept in float32, as train does) or ' +
        'float32. Given explicitly, float16 refuses such values',
      valueName: 'T',
    },
    'execution-provider': { type: 'string', description: 'auto | cpu | webgpu | cuda', valueName: 'EP' },
    shard: {
      type: 'string',
      description:
        'With --data: extract only slice I of N (0-based; cache shards s with s mod N = I) for a cluster worker; ' +
        'join the slices with `probescope cache merge`',
      valueName: 'I/N',
    },
    'shard-size': {
      type: 'string',
      description: 'Target size of one cache shard file (default 64MiB; the same in every slice and the single run)',
      valueName: 'SIZE',
    },
    ...datasetReadOptions,
    ...hubDataOptions,
    ...chatOption,
  },
  async run(values, ctx) {
    const folder = await resolveModelFolder(required(values, 'model'));
    const layers = parseLayers(required(values, 'layers'), folder.config.numLayers);
    const text = await textArg(values);
    const data = str(values, 'data') === undefined ? undefined : await resolveDataArg(values, ctx);
    const chatSpec = str(values, 'chat');
    if ((text === undefined) === (data === undefined))
      throw new ProbescopeError(
        'BAD_ARGUMENT',
        'Give exactly one of --text or --data (--text-file FILE for a long text).',
      );
    const executionProvider = oneOf(values, 'execution-provider', EPS);
    const maxLength = num(values, 'max-length', { integer: true, min: 1 }) ?? DEFAULT_CACHE_MAX_LENGTH;
    const batchSize = num(values, 'batch-size', { integer: true, min: 1 });
    const cacheDir = resolve(str(values, 'out') ?? join(tmpdir(), 'probescope-cache'));

    if (text !== undefined) {
      const ex = await ActivationExtractor.create(folder, layers, { executionProvider, maxLength, cacheDir });
      try {
        if (ex.notice) ctx.log(ex.notice);
        // --chat: the text as a conversation turn; tokens map back to the text (template tokens are empty spans).
        const chat = chatSpec === undefined ? undefined : await chatEncoding(folder.dir, chatSpec, text);
        const [r] = await ex.extract([chat ? chat.modelInput : text], {
          onTruncate: (_, n) =>
            ctx.log(`Warning: the text has ${n} tokens; truncated to ${ex.maxLength} (--max-length).`),
        });
        if (chat && chat.tokens.some((t, i) => r.tokens[i] && r.tokens[i].id !== t.id))
          throw new ProbescopeError('INTERNAL', 'The chat-formatted tokens differ from the extracted ones.');
        const D = ex.hiddenSize;
        const out: Record<string, number[][]> = {};
        for (const l of ex.layers) {
          const s = r.states.get(l)!;
          out[String(l)] = Array.from({ length: r.tokens.length }, (_, t) =>
            Array.from(s.subarray(t * D, (t + 1) * D)),
          );
        }
        const spans = chat ? chat.tokens.slice(0, r.tokens.length) : r.tokens;
        // --max-length cuts the text (states of one model run, never stitched): say what the states cover.
        const truncated = r.truncated
          ? { tokens: r.tokens.length, coveredChars: spans.reduce((m, t) => Math.max(m, t.end), 0) }
          : undefined;
        return {
          tokens: spans.map(({ id, text: t, start, end, message }) =>
            message === undefined ? { id, text: t, start, end } : { id, text: t, start, end, message },
          ),
          layers: out,
          ...(chat ? { chatText: chat.text } : {}),
          ...(truncated ? { truncated } : {}),
        };
      } finally {
        await ex.dispose();
      }
    }

    const shardSpec = str(values, 'shard');
    const slice = shardSpec === undefined ? undefined : parseShardSlice(shardSpec);
    const sizeSpec = str(values, 'shard-size');
    const shardBytes = sizeSpec === undefined ? undefined : parseByteSize(sizeSpec, '--shard-size');
    const readParams = datasetReadParams(values);
    const textField = str(values, 'text-field');
    // A labelled dataset gives the texts train reads (rows without a label skipped), so train --cache-dir reuses
    // this cache; a dataset without a label column gives every text. Either way a large file is streamed: its texts
    // are read again from the file while extracting (readTrainingRows, readExtractionTexts, readChatTexts).
    const labelled = await readTrainingRows(data!, { textField, chat: chatSpec, ...readParams }, folder.dir).catch(
      (err: unknown) => {
        if (err instanceof ProbescopeError && err.code === 'DATASET_INVALID') return undefined;
        throw err;
      },
    );
    // Extraction needs no text groups: a streamed read drops its text keys (16 bytes a row).
    labelled?.ownGroups?.();
    const unlabelled = labelled
      ? undefined
      : chatSpec === undefined
        ? await readExtractionTexts(data!, { textField, ...readParams })
        : await readChatTexts(data!, { textField, chat: chatSpec, ...readParams }, folder.dir);
    for (const m of labelled ? labelled.ds.warnings.map((w) => w.message) : unlabelled!.warnings)
      ctx.log(`Dataset: ${m}`);
    const texts = labelled ? labelled.texts : unlabelled!.texts;
    const t0 = performance.now();
    const seconds = () => Math.round((performance.now() - t0) / 10) / 100;
    const buildOpts = {
      folder,
      layers,
      texts,
      cacheDir,
      maxLength,
      batchSize,
      executionProvider,
      dtype: oneOf(values, 'dtype', ['float32', 'float16'] as const),
      onProgress: (e: Omit<ProgressEvent, 'progressId'>) => ctx.progress(e),
      onLog: (m: string) => ctx.log(m),
      signal: ctx.signal,
      shardBytes,
    };
    if (slice) {
      const r = await ActivationCache.buildSlice({ ...buildOpts, slice });
      return {
        cacheDir: r.dir,
        slice: `${r.slice.index}/${r.slice.count}`,
        shards: r.shards,
        totalShards: r.numShards,
        examples: r.examples,
        tokens: r.tokens,
        layers,
        bytes: r.bytes,
        merge: `probescope cache merge ${cacheDir} --out ${cacheDir}`,
        seconds: seconds(),
      };
    }
    const cache = await ActivationCache.build(buildOpts);
    cache.close();
    return {
      cacheDir: cache.dir,
      examples: cache.numExamples,
      tokens: cache.totalTokens,
      layers: cache.layers,
      bytes: cache.bytes,
      dtype: cache.dtype,
      ...(cache.float32Shards.length ? { float32Shards: cache.float32Shards } : {}),
      seconds: seconds(),
    };
  },
};

/** "0,2,final" or "all" (= 0..N and final). */
export function parseLayers(spec: string, numLayers: number): LayerSpec[] {
  if (spec.trim() === 'all') return [...Array.from({ length: numLayers + 1 }, (_, i) => i), 'final'];
  return spec.split(',').map((part) => {
    const p = part.trim();
    if (p === 'final') return 'final';
    const n = Number(p);
    if (p === '' || !Number.isInteger(n) || n < 0 || n > numLayers) {
      throw new ProbescopeError('BAD_ARGUMENT', `--layers: "${p}" is not a layer; use 0..${numLayers}, final, or all.`);
    }
    return n;
  });
}

/** `text` as the turns of a --chat role list (one text: the first role's turn). */
async function chatEncoding(modelDir: string, spec: string, text: string): Promise<ChatEncoding> {
  const parsed = parseChatSpec(spec);
  if (parsed.kind !== 'roles' || parsed.roles.length !== 1)
    throw new ProbescopeError('BAD_ARGUMENT', '--text with --chat takes one role (e.g. --chat user).');
  const [template, tokenizer] = await Promise.all([ChatTemplate.load(modelDir), GemmaTokenizer.load(modelDir)]);
  return encodeChat(tokenizer, template, chatMessages(parsed.roles, [text]));
}
