/**
 * ORT sessions and execution providers. `auto` tries CUDA (only when its provider library was installed), then the
 * bundled WebGPU EP, each only if it passes a one-time numerical self-check against the CPU (providerSelfCheck.ts),
 * then falls back to CPU with a one-line notice saying why (see DESIGN.md: GPU without downloads).
 */
import { existsSync } from 'node:fs';
import { availableParallelism, constants as osConstants } from 'node:os';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ExecutionProviderSetting } from '../../protocol/types';
import { ProbescopeError } from '../errors';
import { DataType, encodeModel, graph, model, node, valueInfo } from '../onnx/proto';
import { numericalSelfCheck, selfCheckTestHooks } from './providerSelfCheck';

/**
 * onnxruntime-node 1.30's Linux build links Microsoft's 1DS telemetry SDK, which on the first session reads
 * /proc/self/cmdline and matches it with a recursive std::regex: about 290 bytes of native stack per character, so a
 * command line over ~28 KB (`probescope classify --text "<a long text>"`) overflowed the 8 MB main stack (SIGSEGV,
 * before any output). ORT skips that code when ORT_DISABLE_TELEMETRY is set; it reads the variable when a session is
 * created, so setting it here, before any session exists, is enough (the user may still set it to something else).
 */
process.env.ORT_DISABLE_TELEMETRY ??= '1';

export type ResolvedProvider = 'cpu' | 'webgpu' | 'cuda';

export interface ResolvedExecutionProvider {
  provider: ResolvedProvider;
  /** One line saying why `auto` fell back to CPU. */
  notice?: string;
}

const memo = new Map<ExecutionProviderSetting, Promise<ResolvedExecutionProvider>>();

/** Forgets every resolved setting, so the next call probes (and self-checks) the providers again. */
export function forgetResolvedProviders(): void {
  memo.clear();
}

export function resolveExecutionProvider(
  setting: ExecutionProviderSetting = 'auto',
): Promise<ResolvedExecutionProvider> {
  let p = memo.get(setting);
  if (!p) {
    p = resolveUncached(setting);
    memo.set(setting, p);
    p.catch(() => memo.delete(setting));
  }
  return p;
}

async function resolveUncached(setting: ExecutionProviderSetting): Promise<ResolvedExecutionProvider> {
  switch (setting) {
    case 'cpu':
      return { provider: 'cpu' };
    case 'cuda': {
      const why = await probeProvider('cuda');
      if (why) throw new ProbescopeError('EXECUTION_PROVIDER', `CUDA is unavailable (${why}). ${CUDA_HINT}`);
      return { provider: 'cuda' };
    }
    case 'webgpu': {
      const why = await probeProvider('webgpu');
      if (why) throw new ProbescopeError('EXECUTION_PROVIDER', `WebGPU is unavailable (${why}). ${WEBGPU_HINT}`);
      return { provider: 'webgpu' };
    }
    case 'auto': {
      const reasons: string[] = [];
      let mismatch = false;
      for (const p of ['cuda', 'webgpu'] as const) {
        const why = selfCheckTestHooks.fakeAvailable?.includes(p) ? undefined : await probeProvider(p);
        // A CUDA provider library that is simply not installed is the normal case, not news to the user.
        if (why) {
          if (why !== CUDA_NOT_INSTALLED) reasons.push(`${p}: ${why}`);
          continue;
        }
        // A GPU is trusted only after it reproduces the CPU's numbers on a small graph (providerSelfCheck.ts).
        const check = await numericalSelfCheck(p);
        if (check.ok) return { provider: p };
        mismatch = true;
        reasons.push(`${p}: ${check.reason}`);
      }
      const head = mismatch ? 'a GPU failed its numerical self-check' : 'no GPU adapter';
      return { provider: 'cpu', notice: `note: using CPU (${head}; ${reasons.join('; ')}).` };
    }
    default:
      throw new ProbescopeError(
        'BAD_ARGUMENT',
        `Unknown execution provider '${String(setting)}'; use auto, cpu, webgpu or cuda.`,
      );
  }
}

const CUDA_HINT =
  'Install the CUDA build of onnxruntime-node (ONNXRUNTIME_NODE_INSTALL=cuda12 npm install onnxruntime-node) with ' +
  'CUDA 12 and cuDNN 9 on the library path, or choose executionProvider "webgpu" or "cpu".';
const WEBGPU_HINT =
  'WebGPU needs a GPU with a Vulkan driver (Linux: libvulkan1 and the vendor driver; Metal on macOS, D3D12 on ' +
  'Windows); choose executionProvider "cpu" to run without a GPU.';

/** Directory of the native onnxruntime library, where provider libraries must sit. */
function ortLibDir(): string {
  return join(dirname(require.resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
}

/** Returns undefined when a session on `provider` can be created, else a short reason. */
export async function probeProvider(provider: 'cuda' | 'webgpu'): Promise<string | undefined> {
  if (provider === 'cuda') {
    const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    if (!existsSync(join(ortLibDir(), lib))) return CUDA_NOT_INSTALLED;
  }
  if (provider === 'webgpu') {
    const missing = missingVulkanLoader();
    if (missing) return `Failed to get a WebGPU adapter: ${missing}`;
  }
  try {
    const s = await ort.InferenceSession.create(probeModel(), { executionProviders: [provider] });
    await s.release();
    return undefined;
  } catch (e) {
    return shortReason(String((e as Error).message ?? e));
  }
}

export const CUDA_NOT_INSTALLED = 'CUDA provider library not installed';

/**
 * On Linux, WebGPU (Dawn) needs the Vulkan loader. Without it Dawn writes a multi-line warning straight to the
 * process's stderr from native code (neither ort.env.logLevel nor logSeverityLevel reach it), so check for the
 * loader the way Dawn does, with dlopen, and skip the noisy probe. A library that loads but is no Node addon
 * fails with "did not self-register", which means the loader is present.
 */
function missingVulkanLoader(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    process.dlopen({ exports: {} } as NodeJS.Module, 'libvulkan.so.1', osConstants.dlopen.RTLD_LAZY);
  } catch (e) {
    if (/cannot open shared object file/.test(String((e as Error).message))) return 'libvulkan.so.1 not found';
  }
  return undefined;
}

function shortReason(message: string): string {
  const adapter = /Failed to get a WebGPU adapter[^.\n]*/.exec(message);
  if (adapter) return adapter[0].replace(/:\s*$/, '');
  const line = message.split('\n').find((l) => l.trim()) ?? message;
  return line.replace(/^.*?\]\s*:?\s*/, '').slice(0, 200);
}

let probeBytes: Uint8Array | undefined;
function probeModel(): Uint8Array {
  probeBytes ??= encodeModel(
    model(
      graph({
        name: 'probe',
        nodes: [node('Add', ['x', 'x'], ['y'])],
        inputs: [valueInfo('x', DataType.FLOAT, [1])],
        outputs: [valueInfo('y', DataType.FLOAT, [1])],
      }),
    ),
  );
  return probeBytes;
}

export interface CreateSessionOptions {
  /** Folder holding the external data files, when `model` is a buffer or was written away from them. */
  externalDataFolder?: string;
  /**
   * Half-precision graph: on CPU use 'extended' optimisation. ORT 1.30's 'all' level made a float16 decoder's layer-1
   * states 10% off (0.031 abs on values ~0.3) where 'extended' stays at float16 rounding (2.5e-4); see session.test.ts.
   */
  halfPrecision?: boolean;
}

export async function createSession(
  modelPathOrBytes: string | Uint8Array,
  provider: ResolvedProvider,
  opts: CreateSessionOptions = {},
): Promise<ort.InferenceSession> {
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: [provider],
    graphOptimizationLevel: opts.halfPrecision && provider === 'cpu' ? 'extended' : 'all',
    logSeverityLevel: 3, // errors only: ORT warns about every initializer pruning left unused
    ...(provider === 'cpu' ? { intraOpNumThreads: availableParallelism() } : {}),
    extra: {
      session: {
        // Spinning workers win microseconds on an idle machine but starve everything else (VS Code, other jobs) and
        // measured 2x slower here under load; extraction runs are long enough not to need them.
        'intra_op.allow_spinning': '0',
        ...(opts.externalDataFolder ? { model_external_initializers_file_folder_path: opts.externalDataFolder } : {}),
      },
    },
  };
  try {
    return typeof modelPathOrBytes === 'string'
      ? await ort.InferenceSession.create(modelPathOrBytes, options)
      : await ort.InferenceSession.create(modelPathOrBytes, options);
  } catch (e) {
    throw sessionError(String((e as Error).message ?? e), provider);
  }
}

function sessionError(message: string, provider: ResolvedProvider): ProbescopeError {
  if (/NOT_IMPLEMENTED|Could not find an implementation/.test(message) && /float16|bfloat16/i.test(message)) {
    const op = /node with name '([^']*)'/.exec(message)?.[1];
    return new ProbescopeError(
      'UNSUPPORTED_DTYPE',
      `The ${provider} execution provider cannot run this float16/bfloat16 model${op ? ` (node '${op}')` : ''}. ` +
        'Use the float32 export (onnx/model.onnx) on CPU, or a GPU execution provider.',
    );
  }
  return new ProbescopeError('MODEL_INVALID', `ONNX Runtime could not load the model: ${message.split('\n')[0]}`);
}
