import type { CliCommand } from '../command';
import { evaluateProbe } from '../../core/probes';
import { required, str } from './args';
import { parseByteSize } from './byteSize';
import { savedProbeDataOptions, savedProbeDataParams } from './datasetOptions';

export const evalCommand: CliCommand = {
  name: 'eval',
  summary: 'Evaluate a saved probe on a dataset.',
  usage:
    'probescope eval --probe DIR --data FILE [--model DIR] [--text-field NAME] [--label-field NAME] [--encoding NAME] [--delimiter CHAR] [--quote|--no-quote] [--memory-budget SIZE]',
  options: {
    probe: { type: 'string', description: 'Probe folder (probe.json + probe.safetensors)', valueName: 'DIR' },
    data: {
      type: 'string',
      description: 'Dataset (.jsonl, .csv, .parquet, or a folder of Parquet shards)',
      valueName: 'FILE',
    },
    model: { type: 'string', description: 'Model folder (default: the one recorded in probe.json)', valueName: 'DIR' },
    ...savedProbeDataOptions,
    'memory-budget': {
      type: 'string',
      description:
        'Examples held in memory at most (e.g. 256MB, 4GiB; default half the free memory); beyond it eval reads them from the cache in chunks',
      valueName: 'SIZE',
    },
  },
  async run(values, ctx) {
    return evaluateProbe(
      {
        probeDir: required(values, 'probe'),
        ...(await savedProbeDataParams(values, ctx)),
        ...(str(values, 'memory-budget') === undefined
          ? {}
          : { memoryBudget: parseByteSize(str(values, 'memory-budget')!, '--memory-budget') }),
      },
      { onProgress: ctx.progress, onLog: ctx.log, signal: ctx.signal },
    );
  },
};
