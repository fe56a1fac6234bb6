/**
 * Export precisions Probescope refuses up front, with the variant to pick instead. bfloat16 graphs
 * (`model_bf16.onnx`): ONNX Runtime's CPU and WebGPU execution providers lack bfloat16 kernels for most ops (ORT 1.30
 * rejects a Gemma bf16 graph at load: "Type 'tensor(bfloat16)' of input parameter … of operator (Sin) … is
 * invalid"), so without this check the user would get that message instead of a way forward. CUDA has the kernels.
 * bnb4 graphs (MatMulBnb4, 4-bit NormalFloat weights) run on CPU like q4 and need no refusal.
 */
import { basename } from 'node:path';
import { ProbescopeError } from '../errors';
import type { ResidualTaps } from './residualTaps';
import type { ResolvedProvider } from './session';

/** Throws UNSUPPORTED_DTYPE, naming the variants to use, when `provider` cannot run a graph of `weightType`. */
export function assertPrecisionRunnable(
  weightType: ResidualTaps['weightType'],
  provider: ResolvedProvider,
  onnxPath: string,
): void {
  if (weightType !== 'bfloat16' || provider === 'cuda') return;
  throw new ProbescopeError(
    'UNSUPPORTED_DTYPE',
    `${basename(onnxPath)} is a bfloat16 export, and ONNX Runtime's ${provider} execution provider cannot run ` +
      'bfloat16 graphs. Pick another file of the same repo instead: onnx/model.onnx (float32, exact), ' +
      'onnx/model_fp16.onnx (float16) or onnx/model_q4.onnx (4-bit, smallest); or run on CUDA ' +
      '(executionProvider "cuda").',
  );
}
