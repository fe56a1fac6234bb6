/** Dataset reading flags shared by train, eval and activations: --encoding, --delimiter, --quote / --no-quote. */
import type { DatasetReadParams } from '../../protocol/types';
import { ProbescopeError } from '../../core/errors';
import type { CliContext, CliOption } from '../command';
import { oneOf, str } from './args';
import { hubDataOptions, resolveDataArg } from './hubData';

type Values = Record<string, string | boolean | undefined>;

export const datasetReadOptions: Record<string, CliOption> = {
  encoding: {
    type: 'string',
    description: 'Text encoding of a CSV/TSV/JSON dataset, e.g. cp1252, latin1, utf-16le (default: BOM, else UTF-8)',
    valueName: 'NAME',
  },
  delimiter: {
    type: 'string',
    description: 'CSV field delimiter: , ; | or tab (default: detected; an Excel "sep=" line is honoured)',
    valueName: 'CHAR',
  },
  quote: { type: 'boolean', description: 'Process "quotes" in a tab-separated file (off by default for TSV)' },
  'no-quote': { type: 'boolean', description: 'Read double quotes literally in a CSV file' },
};

/** The dataset read flags of a command line; BAD_ARGUMENT for --quote with --no-quote. */
export function datasetReadParams(values: Values): DatasetReadParams {
  if (values.quote === true && values['no-quote'] === true)
    throw new ProbescopeError('BAD_ARGUMENT', 'Give at most one of --quote and --no-quote.');
  return {
    encoding: str(values, 'encoding'),
    delimiter: str(values, 'delimiter'),
    quote: values.quote === true ? true : values['no-quote'] === true ? false : undefined,
  };
}

/**
 * The options of commands that run a saved probe over a dataset (eval, compare): columns default to the ones the
 * probe was trained on, then the dataset flags and hf:// datasets.
 */
export const savedProbeDataOptions: Record<string, CliOption> = {
  'text-field': {
    type: 'string',
    description: 'Text column (default: as in training, else auto)',
    valueName: 'NAME',
  },
  'label-field': {
    type: 'string',
    description: 'Label column (default: as in training, else auto)',
    valueName: 'NAME',
  },
  'cache-dir': { type: 'string', description: 'Activation cache folder (default: OS temp)', valueName: 'DIR' },
  dtype: {
    type: 'string',
    description:
      "Activation cache dtype: float16 | float32 (default: float32 when the probe was trained on float32 token states, else the probe kind's default)",
    valueName: 'T',
  },
  'execution-provider': { type: 'string', description: 'auto | cpu | webgpu | cuda', valueName: 'EP' },
  ...datasetReadOptions,
  ...hubDataOptions,
};

/** The values of savedProbeDataOptions and --model (the dataset, --data or hf://, resolved) as eval and compare pass them. */
export async function savedProbeDataParams(values: Values, ctx: CliContext) {
  return {
    dataPath: await resolveDataArg(values, ctx),
    modelDir: str(values, 'model'),
    textField: str(values, 'text-field'),
    labelField: str(values, 'label-field'),
    cacheDir: str(values, 'cache-dir'),
    cacheDtype: oneOf(values, 'dtype', ['float16', 'float32'] as const),
    executionProvider: oneOf(values, 'execution-provider', ['auto', 'cpu', 'webgpu', 'cuda'] as const),
    ...datasetReadParams(values),
  };
}
