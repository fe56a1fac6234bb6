import type { CliCommand } from '../command';
import { bundledModelDir } from '../../core/model';
import { trainProbeRun } from '../../core/probes';
import type { TrainResult } from '../../protocol/types';
import { intList, layer, num, oneOf, required, str } from './args';
import { parseByteSize } from './byteSize';
import { datasetReadOptions, datasetReadParams } from './datasetOptions';
import { chatOption, hubDataOptions, resolveDataArg } from './hubData';

const budgetOf = (spec: string | undefined) =>
  spec === undefined ? undefined : parseByteSize(spec, '--memory-budget');

/** The CLI's JSON for a training run (the DESIGN contract's fields first). */
export function trainSummary(r: TrainResult): object {
  return {
    probe: r.probe,
    heads: r.heads,
    layer: r.layer,
    train: r.train,
    test: r.test,
    seconds: r.seconds,
    classes: r.classes,
    steps: r.steps,
    weightDecay: r.weightDecay,
    stoppedEarly: r.stoppedEarly,
    outDir: r.outDir,
    textField: r.textField,
    labelField: r.labelField,
    ...(r.validation ? { validation: r.validation } : {}),
    ...(r.split ? { split: r.split } : {}),
    ...(r.refit ? { refit: r.refit } : {}),
    ...(r.seeds ? { seeds: r.seeds } : {}),
  };
}

export const trainCommand: CliCommand = {
  name: 'train',
  summary: 'Train a probe on a dataset at one layer and save it (probe.safetensors + probe.json).',
  usage:
    'probescope train (--model DIR | --cache DIR) --data FILE --layer L --probe attention|mean|last [--heads 8] [--optimizer adamw|lbfgs] [--lr X] [--steps N] [--weight-decay X|cv] [--seed N] [--test-split 0.25] [--text-field text] [--label-field label] [--preset fast|reference] [--split-field NAME | --test-data FILE] [--seeds 0,1,2] [--chat user|user,model|messages] [--config C --split S] [--encoding NAME] [--delimiter CHAR] [--quote|--no-quote] [--memory-budget SIZE] [--dtype float16|float32] --out DIR [--force]',
  options: {
    model: {
      type: 'string',
      description: 'Model folder (config.json, tokenizer.json, model.onnx); default: the bundled tiny model',
      valueName: 'DIR',
    },
    data: {
      type: 'string',
      description: 'Dataset: .jsonl, .csv or .parquet (or a folder of Parquet shards) with a text and a label field',
      valueName: 'FILE',
    },
    layer: {
      type: 'string',
      description:
        'L = residual stream after decoder block L (0 = scaled embeddings; TransformerLens ' +
        'blocks.{L-1}.hook_resid_post; HF hidden_states[L] for L < N), or "final" = the final-norm state (HF hidden_states[N])',
      valueName: 'L',
    },
    probe: { type: 'string', default: 'attention', description: 'attention | mean | last', valueName: 'KIND' },
    heads: { type: 'string', description: 'Attention heads (attention probes; default 8)', valueName: 'N' },
    optimizer: {
      type: 'string',
      description: 'adamw | lbfgs (default: adamw for attention, lbfgs for mean/last)',
      valueName: 'NAME',
    },
    lr: { type: 'string', description: 'AdamW learning rate (default: preset)', valueName: 'X' },
    steps: { type: 'string', description: 'AdamW steps or LBFGS iterations (default: preset)', valueName: 'N' },
    'weight-decay': {
      type: 'string',
      description: 'A number, or "cv" for 5-fold CV over {0, 1e-3, 1e-2, 0.1}',
      valueName: 'X|cv',
    },
    seed: { type: 'string', description: 'Seed for split and init (default 0)', valueName: 'N' },
    'test-split': { type: 'string', description: 'Held-out test fraction (default 0.25)', valueName: 'F' },
    'text-field': { type: 'string', description: 'Text column (default: auto-detected)', valueName: 'NAME' },
    'label-field': { type: 'string', description: 'Label column (default: auto-detected)', valueName: 'NAME' },
    preset: {
      type: 'string',
      default: 'fast',
      description: 'fast (ours) | reference (EleutherAI defaults)',
      valueName: 'NAME',
    },
    'split-field': {
      type: 'string',
      description: "Column giving each row's split: train / test / validation (any case); replaces the random split",
      valueName: 'NAME',
    },
    'test-data': {
      type: 'string',
      description: 'Test on this file (same fields) instead of a split of --data',
      valueName: 'FILE',
    },
    seeds: {
      type: 'string',
      description: 'Train one probe per seed on the same split; report mean ± sd, save the best-validation seed',
      valueName: 'N,N,…',
    },
    'max-length': { type: 'string', description: 'Truncate texts to this many tokens (default 512)', valueName: 'N' },
    'cache-dir': {
      type: 'string',
      description: 'Activation cache folder (default: OS temp, or .probescope/cache)',
      valueName: 'DIR',
    },
    'execution-provider': { type: 'string', description: 'auto | cpu | webgpu | cuda', valueName: 'EP' },
    dtype: {
      type: 'string',
      description:
        'Activation cache dtype: float16 (default for attention probes; a shard with values beyond 65,504 is kept ' +
        'in float32) or float32 (default for mean/last probes). Given explicitly, float16 refuses such values',
      valueName: 'T',
    },
    'memory-budget': {
      type: 'string',
      description:
        'Examples held in memory at most (e.g. 256MB, 4GiB; default half the free memory); beyond it training streams them from the cache',
      valueName: 'SIZE',
    },
    cache: {
      type: 'string',
      description:
        'Train from this existing activation cache (e.g. from `cache merge`) without the model folder; ' +
        'with --model, its hash must match the cache',
      valueName: 'DIR',
    },
    out: {
      type: 'string',
      description: 'Output folder for the probe: new, empty, or a probe folder (with --force)',
      valueName: 'DIR',
    },
    force: {
      type: 'boolean',
      description: 'Replace the probe already saved in --out (kept until the new one is complete)',
    },
    ...datasetReadOptions,
    ...hubDataOptions,
    ...chatOption,
  },
  async run(values, ctx) {
    const wd = str(values, 'weight-decay');
    const result = await trainProbeRun(
      {
        // With --cache and no --model: '' = no model folder (the cache records the model).
        modelDir: str(values, 'model') ?? (str(values, 'cache') !== undefined ? '' : bundledModelDir()),
        cachePath: str(values, 'cache'),
        memoryBudget: budgetOf(str(values, 'memory-budget')),
        dataPath: await resolveDataArg(values, ctx),
        layer: layer(values),
        probe: oneOf(values, 'probe', ['attention', 'mean', 'last'] as const) ?? 'attention',
        heads: num(values, 'heads', { integer: true, min: 1 }),
        optimizer: oneOf(values, 'optimizer', ['adamw', 'lbfgs'] as const),
        lr: num(values, 'lr', { min: Number.MIN_VALUE }),
        steps: num(values, 'steps', { integer: true, min: 1 }),
        weightDecay: wd === 'cv' ? 'cv' : num(values, 'weight-decay', { min: 0 }),
        seed: num(values, 'seed', { integer: true }),
        testSplit: num(values, 'test-split', { min: 0.01, max: 0.99 }),
        textField: str(values, 'text-field'),
        labelField: str(values, 'label-field'),
        preset: oneOf(values, 'preset', ['fast', 'reference'] as const),
        splitField: str(values, 'split-field'),
        testDataPath: str(values, 'test-data'),
        seeds: intList(values, 'seeds'),
        maxLength: num(values, 'max-length', { integer: true, min: 1 }),
        cacheDir: str(values, 'cache-dir'),
        cacheDtype: oneOf(values, 'dtype', ['float16', 'float32'] as const),
        executionProvider: oneOf(values, 'execution-provider', ['auto', 'cpu', 'webgpu', 'cuda'] as const),
        outDir: required(values, 'out'),
        force: values.force === true,
        ...datasetReadParams(values),
        chat: str(values, 'chat'),
      },
      { onProgress: ctx.progress, onStep: ctx.step, onLog: ctx.log, signal: ctx.signal },
    );
    return trainSummary(result);
  },
};
