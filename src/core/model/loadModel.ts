/**
 * "Load model" as the host shows it: validate the folder, check that the residual stream can be tapped (so a bad
 * export fails here, not in the middle of an extraction) and resolve the execution provider.
 */
import { readFile, stat } from 'node:fs/promises';
import type { ExecutionProviderSetting, ModelSummary } from '../../protocol/types';
import { decodeModel } from '../onnx/proto';
import { resolveModelFolder } from './modelFolder';
import { assertPrecisionRunnable } from './precisionSupport';
import { findResidualTaps } from './residualTaps';
import { resolveExecutionProvider } from './session';

/** Graphs above this are not decoded just to check taps (an external-data .onnx is small; this bounds memory). */
const CHECK_LIMIT = 512 * 2 ** 20;

export async function loadModel(
  dir: string,
  opts: { executionProvider?: ExecutionProviderSetting } = {},
): Promise<ModelSummary> {
  const folder = await resolveModelFolder(dir);
  const taps =
    (await stat(folder.onnxPath)).size <= CHECK_LIMIT
      ? findResidualTaps(decodeModel(await readFile(folder.onnxPath)), folder.config.numLayers)
      : undefined;
  const ep = await resolveExecutionProvider(opts.executionProvider ?? 'auto');
  if (taps) assertPrecisionRunnable(taps.weightType, ep.provider, folder.onnxPath);
  const c = folder.config;
  return {
    id: folder.id,
    dir: folder.dir,
    hash: folder.hash,
    architecture: c.architecture,
    modelType: c.modelType,
    numLayers: c.numLayers,
    hiddenSize: c.hiddenSize,
    vocabSize: c.vocabSize,
    layerTypes: c.layerTypes,
    executionProvider: ep.provider,
    ...(ep.notice ? { notice: ep.notice } : {}),
  };
}
