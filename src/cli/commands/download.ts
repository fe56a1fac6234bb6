/**
 * `probescope variants` lists a Hub model's ONNX variants; `probescope download` puts one into the Hugging Face cache
 * (the same cache Python's huggingface_hub uses) and prints the snapshot folder to pass as --model.
 */
import type { CliCommand } from '../command';
import { ProbescopeError } from '../../core/errors';
import { downloadModel } from '../../core/model/hubDownload';
import { listModelVariants } from '../../core/model/modelVariants';
import { required, str } from './args';

const common = {
  'model-id': { type: 'string', description: 'Hub repo id, e.g. onnx-community/gemma-3-1b-it-ONNX', valueName: 'ID' },
  revision: { type: 'string', description: 'Branch, tag or commit (default main)', valueName: 'REV' },
} as const;

export const variantsCommand: CliCommand = {
  name: 'variants',
  summary: "List a Hub model's ONNX variants with download sizes, the cached ones and the one that fits this machine.",
  usage: 'probescope variants --model-id OWNER/NAME [--revision REV]',
  options: { ...common },
  async run(values, ctx) {
    return listModelVariants(
      { repoId: required(values, 'model-id'), revision: str(values, 'revision') },
      { signal: ctx.signal },
    );
  },
};

export const downloadCommand: CliCommand = {
  name: 'download',
  summary: 'Download a Hub model (one ONNX variant) into the Hugging Face cache; prints its folder.',
  usage: 'probescope download --model-id OWNER/NAME [--variant q4 | --onnx-file onnx/model_q4.onnx] [--revision REV]',
  options: {
    ...common,
    variant: {
      type: 'string',
      description: 'fp32, fp16, q4, q4f16, int8 … (default: fits this machine)',
      valueName: 'NAME',
    },
    'onnx-file': {
      type: 'string',
      description: 'The .onnx path in the repo (instead of --variant)',
      valueName: 'PATH',
    },
  },
  async run(values, ctx) {
    const repoId = required(values, 'model-id');
    const revision = str(values, 'revision');
    let onnxFile = str(values, 'onnx-file');
    const variant = str(values, 'variant');
    if (onnxFile !== undefined && variant !== undefined)
      throw new ProbescopeError('BAD_ARGUMENT', 'Give --variant or --onnx-file, not both.');
    if (onnxFile === undefined) {
      const list = await listModelVariants({ repoId, revision }, { signal: ctx.signal });
      if (variant === undefined) onnxFile = list.recommended;
      else {
        onnxFile = list.variants.find((v) => v.name === variant)?.onnxFile;
        if (!onnxFile) {
          throw new ProbescopeError(
            'BAD_ARGUMENT',
            `${repoId} has no ${variant} variant; variants: ${list.variants.map((v) => v.name).join(', ')}.`,
          );
        }
      }
    }
    const { modelDir } = await downloadModel(
      { repoId, revision, onnxFile },
      { onProgress: ctx.progress, onLog: ctx.log, signal: ctx.signal },
    );
    return { modelDir, repoId, onnxFile };
  },
};
