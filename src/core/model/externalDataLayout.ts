/**
 * Where ONNX Runtime must read a model's external data from. In a Hugging Face cache snapshot
 * (`models--owner--name/snapshots/<rev>/`) every file is a relative symlink into `../blobs/<hash>`, and ORT 1.30
 * refuses data whose resolved path leaves the model's folder ("External data path escapes model directory"). So the
 * data files are resolved to their real paths; the patched graph's `external_data` locations name the real files and
 * the session reads them from the real folder (`session.model_external_initializers_file_folder_path`).
 */
import { realpath } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ProbescopeError } from '../errors';
import type { ModelProto, TensorProto } from '../onnx/proto';

export interface ExternalDataLayout {
  /** Real folder holding every external data file. */
  folder: string;
  /** Graph location (file name beside the .onnx) -> file name inside `folder`; differs only for symlinks. */
  renames: Map<string, string>;
}

/**
 * Resolves the real folder and names of a model's external data files (absolute paths beside `onnxPath`).
 * Undefined when the model has none. Throws MODEL_INVALID when they resolve into different folders.
 */
export async function resolveExternalDataLayout(
  onnxPath: string,
  externalData: string[],
): Promise<ExternalDataLayout | undefined> {
  if (externalData.length === 0) return undefined;
  const reals = await Promise.all(externalData.map((p) => realpath(p)));
  const folders = new Set(reals.map((r) => dirname(r)));
  if (folders.size > 1) {
    throw new ProbescopeError(
      'MODEL_INVALID',
      `The external data files of ${onnxPath} are links into different folders (${[...folders].join(', ')}); ` +
        'ONNX Runtime reads them from one folder. Copy the model files into one folder and load that.',
    );
  }
  const renames = new Map<string, string>();
  externalData.forEach((p, i) => {
    if (basename(reals[i]) !== basename(p)) renames.set(basename(p), basename(reals[i]));
  });
  return { folder: [...folders][0], renames };
}

/**
 * Rewrites the `location` of every externally stored tensor of `model` (initializers and Constant values) through
 * `layout.renames`. Throws MODEL_INVALID for a location that is not one of the model's data files once renamed
 * while others were (ORT would look for it in the wrong folder).
 */
export function relocateExternalData(model: ModelProto, layout: ExternalDataLayout, onnxPath: string): void {
  if (layout.renames.size === 0) return;
  const renamed = new Set(layout.renames.values());
  const fix = (t: TensorProto): void => {
    for (const e of t.externalData) {
      if (e.key !== 'location') continue;
      const to = layout.renames.get(e.value);
      if (to) e.value = to;
      else if (!renamed.has(e.value)) {
        throw new ProbescopeError(
          'MODEL_INVALID',
          `${onnxPath} keeps tensor '${t.name}' in '${e.value}', which is not beside it as a data file named ` +
            `${join(dirname(onnxPath), e.value)}. Copy the model files into one folder and load that.`,
        );
      }
    }
  };
  const g = model.graph;
  if (!g) return;
  g.initializer.forEach(fix);
  for (const n of g.node) for (const a of n.attribute) if (a.t) fix(a.t);
}
