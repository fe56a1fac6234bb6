import { ProbescopeError } from '../errors';

const REPO_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

/** Throws BAD_ARGUMENT unless `repoId` is owner/name (no "..", no extra slashes). */
export function checkRepoId(repoId: string, kind: 'model' | 'dataset' = 'model'): void {
  if (!REPO_ID.test(repoId) || repoId.includes('..')) {
    const example = kind === 'model' ? 'onnx-community/gemma-3-270m-it-ONNX' : 'stanfordnlp/imdb';
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      `"${repoId}" is not a Hugging Face ${kind} id; use the form owner/name, e.g. ${example}.`,
    );
  }
}

/**
 * The .onnx file a download fetches when none is named; same order as resolveModelFolder uses (model.onnx,
 * onnx/model.onnx, onnx/model_fp16.onnx, then other onnx/*.onnx by name).
 */
export function chooseOnnxFile(paths: string[]): string | undefined {
  for (const p of ['model.onnx', 'onnx/model.onnx', 'onnx/model_fp16.onnx']) if (paths.includes(p)) return p;
  return paths.filter((p) => /^onnx\/[^/]+\.onnx$/.test(p)).sort()[0];
}

/** `<onnx>_data`, `<onnx>_data_1` … in index order. */
export function externalDataFiles(paths: string[], onnxFile: string): string[] {
  const prefix = `${onnxFile}_data`;
  const index = (p: string): number => (p === prefix ? 0 : Number(p.slice(prefix.length + 1)) + 1);
  return paths
    .filter((p) => p === prefix || new RegExp(`^${escapeRegExp(prefix)}_\\d+$`).test(p))
    .sort((a, b) => index(a) - index(b));
}

/** Throws BAD_ARGUMENT for an onnxFile that is not a .onnx path inside the repo. */
export function checkOnnxFile(onnxFile: string): void {
  if (!onnxFile.endsWith('.onnx') || onnxFile.split('/').some((seg) => seg === '..' || seg === '')) {
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      `onnxFile "${onnxFile}" must be a .onnx path inside the repo, e.g. onnx/model.onnx.`,
    );
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
