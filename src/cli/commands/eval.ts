import type { CliCommand } from '../command';
import { evaluateProbe } from '../../core/probes';
import { required } from './args';
import { savedProbeDataOptions, savedProbeDataParams } from './datasetOptions';

export const evalCommand: CliCommand = {
  name: 'eval',
  summary: 'Evaluate a saved probe on a dataset.',
  usage:
    'probescope eval --probe DIR --data FILE [--model DIR] [--text-field NAME] [--label-field NAME] [--encoding NAME] [--delimiter CHAR] [--quote|--no-quote]',
  options: {
    probe: { type: 'string', description: 'Probe folder (probe.json + probe.safetensors)', valueName: 'DIR' },
    data: {
      type: 'string',
      description: 'Dataset (.jsonl, .csv, .parquet, or a folder of Parquet shards)',
      valueName: 'FILE',
    },
    model: { type: 'string', description: 'Model folder (default: the one recorded in probe.json)', valueName: 'DIR' },
    ...savedProbeDataOptions,
  },
  async run(values, ctx) {
    return evaluateProbe(
      {
        probeDir: required(values, 'probe'),
        ...(await savedProbeDataParams(values, ctx)),
      },
      { onProgress: ctx.progress, onLog: ctx.log, signal: ctx.signal },
    );
  },
};
