import type { CliCommand } from '../command';
import { evaluateProbe } from '../../core/probes';
import { oneOf, required, str } from './args';
import { datasetReadParams, savedProbeDataOptions } from './datasetOptions';
import { resolveDataArg } from './hubData';

export const evalCommand: CliCommand = {
  name: 'eval',
  summary: 'Evaluate a saved probe on a dataset.',
  usage:
    'probescope eval --probe DIR --data FILE [--model DIR] [--text-field NAME] [--label-field NAME] [--encoding NAME] [--delimiter CHAR] [--quote|--no-quote]',
  options: {
    probe: { type: 'string', description: 'Probe folder (probe.json + probe.safetensors)', valueName: 'DIR' },
    data: { type: 'string', description: 'Dataset (.jsonl, .csv, .parquet)', valueName: 'FILE' },
    model: { type: 'string', description: 'Model folder (default: the one recorded in probe.json)', valueName: 'DIR' },
    ...savedProbeDataOptions,
  },
  async run(values, ctx) {
    return evaluateProbe(
      {
        probeDir: required(values, 'probe'),
        dataPath: await resolveDataArg(values, ctx),
        modelDir: str(values, 'model'),
        textField: str(values, 'text-field'),
        labelField: str(values, 'label-field'),
        cacheDir: str(values, 'cache-dir'),
        cacheDtype: oneOf(values, 'dtype', ['float16', 'float32'] as const),
        executionProvider: oneOf(values, 'execution-provider', ['auto', 'cpu', 'webgpu', 'cuda'] as const),
        ...datasetReadParams(values),
      },
      { onProgress: ctx.progress, onLog: ctx.log, signal: ctx.signal },
    );
  },
};
