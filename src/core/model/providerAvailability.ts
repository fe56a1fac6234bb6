/**
 * Which execution providers can run here, and why the others cannot — what "Show Worker Version" and
 * `probescope version` report. onnxruntime-node's listSupportedBackends() also names providers this build cannot
 * load (cuda and tensorrt on Linux x64 unless installed with ONNXRUNTIME_NODE_INSTALL=cuda12): a list of names alone
 * reads as if they were available.
 */
import * as ort from 'onnxruntime-node';
import type { ExecutionProviderInfo } from '../../protocol/types';
import { CUDA_NOT_INSTALLED, probeProvider } from './session';

let memo: Promise<ExecutionProviderInfo[]> | undefined;

/**
 * cpu (always), webgpu and cuda (a tiny session is created on each: a reason when that fails), then every other
 * backend onnxruntime-node names, which Probescope does not use. Probed once per process.
 */
export function executionProviderAvailability(): Promise<ExecutionProviderInfo[]> {
  memo ??= probeAll();
  return memo;
}

async function probeAll(): Promise<ExecutionProviderInfo[]> {
  const out: ExecutionProviderInfo[] = [{ name: 'cpu', available: true }];
  for (const name of ['webgpu', 'cuda'] as const) {
    const why = await probeProvider(name);
    out.push(why ? { name, available: false, reason: explain(name, why) } : { name, available: true });
  }
  const known = new Set(out.map((p) => p.name));
  for (const b of ort.listSupportedBackends()) {
    if (known.has(b.name)) continue;
    known.add(b.name);
    out.push({
      name: b.name,
      available: false,
      reason: b.bundled
        ? 'Probescope does not use it (executionProvider: auto, cpu, webgpu or cuda)'
        : 'not in this onnxruntime-node build, and Probescope does not use it',
    });
  }
  return out;
}

function explain(name: 'webgpu' | 'cuda', why: string): string {
  if (name === 'cuda' && why === CUDA_NOT_INSTALLED) {
    return 'not in this onnxruntime-node build (reinstall it with ONNXRUNTIME_NODE_INSTALL=cuda12; needs CUDA 12 and cuDNN 9)';
  }
  return why;
}
