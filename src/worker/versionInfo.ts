/** Version facts shared by the worker's `version` request and `probescope version`. */
import { version as packageVersion } from '../../package.json';

export interface VersionFacts {
  version: string;
  node: string;
  onnxruntime: string;
  backends: { name: string; bundled: boolean }[];
}

export { packageVersion };

/** Loads onnxruntime-node lazily: a worker that never touches a model should not pay for the native addon. */
export async function versionFacts(): Promise<VersionFacts> {
  const ort = await import('onnxruntime-node');
  return {
    version: packageVersion,
    node: process.versions.node,
    onnxruntime: ort.env.versions.node ?? ort.env.versions.common ?? 'unknown',
    backends: ort.listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled })),
  };
}
