/** Version facts shared by the worker's `version` request and `probescope version`. */
import { version as packageVersion } from '../../package.json';
import type { ExecutionProviderInfo } from '../protocol/types';

export interface VersionFacts {
  version: string;
  node: string;
  onnxruntime: string;
  backends: { name: string; bundled: boolean }[];
  executionProviders: ExecutionProviderInfo[];
}

export { packageVersion };

/** Loads onnxruntime-node lazily: a worker that never touches a model should not pay for the native addon. */
export async function versionFacts(): Promise<VersionFacts> {
  const ort = await import('onnxruntime-node');
  const { executionProviderAvailability } = await import('../core/model/providerAvailability');
  return {
    version: packageVersion,
    node: process.versions.node,
    onnxruntime: ort.env.versions.node ?? ort.env.versions.common ?? 'unknown',
    backends: ort.listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled })),
    executionProviders: await executionProviderAvailability(),
  };
}
