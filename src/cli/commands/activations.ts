/**
 * `probescope activations`: residual-stream states of one text (printed as JSON) or of a dataset (an activation
 * cache built in --out, summary printed).
 */
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CliCommand } from '../command';
import type { LayerSpec } from '../../protocol/types';
import { ActivationCache } from '../../core/activations/activationCache';
import { detectFields, loadTable } from '../../core/data';
import { textOf } from '../../core/data/readDataset';
import { ProbescopeError } from '../../core/errors';
import { ActivationExtractor } from '../../core/model/extractor';
import { resolveModelFolder } from '../../core/model/modelFolder';
import { num, oneOf, required, str } from './args';
import { textArg, textFileOption } from './textArg';

const EPS = ['auto', 'cpu', 'webgpu', 'cuda'] as const;

export const activationsCommand: CliCommand = {
  name: 'activations',
  summary: 'Extract residual-stream states: of one text (JSON) or of a dataset (an activation cache).',
  usage: 'probescope activations --model DIR --layers 0,2,final|all (--text STR | --text-file FILE | --data FILE) [--out DIR]',
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
    'max-length': { type: 'string', description: 'Truncate texts to this many tokens (default 1024)', valueName: 'N' },
    'batch-size': { type: 'string', description: 'Sequences per model run (default 16)', valueName: 'N' },
    dtype: { type: 'string', description: 'Cache dtype: float32 (default) or float16', valueName: 'T' },
    'execution-provider': { type: 'string', description: 'auto | cpu | webgpu | cuda', valueName: 'EP' },
  },
  async run(values, ctx) {
    const folder = await resolveModelFolder(required(values, 'model'));
    const layers = parseLayers(required(values, 'layers'), folder.config.numLayers);
    const text = await textArg(values);
    const data = str(values, 'data');
    if ((text === undefined) === (data === undefined))
      throw new ProbescopeError('BAD_ARGUMENT', 'Give exactly one of --text, --text-file or --data.');
    const executionProvider = oneOf(values, 'execution-provider', EPS);
    const maxLength = num(values, 'max-length', { integer: true, min: 1 });
    const batchSize = num(values, 'batch-size', { integer: true, min: 1 });
    const cacheDir = resolve(str(values, 'out') ?? join(tmpdir(), 'probescope-cache'));

    if (text !== undefined) {
      const ex = await ActivationExtractor.create(folder, layers, { executionProvider, maxLength, cacheDir });
      try {
        if (ex.notice) ctx.log(ex.notice);
        const [r] = await ex.extract([text], {
          onTruncate: (_, n) =>
            ctx.log(`Warning: the text has ${n} tokens; truncated to ${ex.maxLength} (--max-length).`),
        });
        const D = ex.hiddenSize;
        const out: Record<string, number[][]> = {};
        for (const l of ex.layers) {
          const s = r.states.get(l)!;
          out[String(l)] = Array.from({ length: r.tokens.length }, (_, t) =>
            Array.from(s.subarray(t * D, (t + 1) * D)),
          );
        }
        const tokens = r.tokens.map(({ id, text: t, start, end }) => ({ id, text: t, start, end }));
        // --max-length cuts the text (states of one model run, never stitched): say what the states cover.
        const truncated = r.truncated
          ? { tokens: r.tokens.length, coveredChars: r.tokens.reduce((m, t) => Math.max(m, t.end), 0) }
          : undefined;
        return { tokens, layers: out, ...(truncated ? { truncated } : {}) };
      } finally {
        await ex.dispose();
      }
    }

    const texts = await readTexts(data!, str(values, 'text-field'));
    const t0 = performance.now();
    const cache = await ActivationCache.build({
      folder,
      layers,
      texts,
      cacheDir,
      maxLength,
      batchSize,
      executionProvider,
      dtype: oneOf(values, 'dtype', ['float32', 'float16'] as const),
      onProgress: (e) => ctx.progress(e),
      onLog: (m) => ctx.log(m),
      signal: ctx.signal,
    });
    cache.close();
    return {
      cacheDir: cache.dir,
      examples: cache.numExamples,
      tokens: cache.totalTokens,
      layers: cache.layers,
      bytes: cache.bytes,
      seconds: Math.round((performance.now() - t0) / 10) / 100,
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

async function readTexts(file: string, textField: string | undefined): Promise<string[]> {
  const table = await loadTable(file);
  const names = table.columns.map((c) => c.name);
  // A dataset for extraction needs no label column, so only fall back to full field detection when "text" is absent.
  const field = textField ?? (names.includes('text') ? 'text' : detectFields(table).textField);
  if (!names.includes(field))
    throw new ProbescopeError('DATASET_INVALID', `${file} has no "${field}" column (columns: ${names.join(', ')}).`);
  return table.rows.map((row, i) => {
    const t = textOf(row, field);
    if (t === undefined)
      throw new ProbescopeError('DATASET_INVALID', `${file} row ${i + 1}: "${field}" is missing or not text.`);
    return t;
  });
}
