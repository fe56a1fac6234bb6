/**
 * The patched model a worker runs: residual taps of the requested layers as (float32) outputs, everything else
 * pruned. Cached on disk per (model hash, layers) at `{cacheDir}/graphs/<key>.onnx`, written atomically.
 *
 * External data: the patched graph lives in the cache, away from `model.onnx_data`, and ORT resolves external data
 * relative to the model file. So sessions load it as a buffer with the session config entry
 * `session.model_external_initializers_file_folder_path` = the model's folder (DESIGN.md: a symlinked data file or a
 * bare buffer fail in ORT 1.30). The .onnx itself is a protobuf and cannot exceed 2 GiB; bigger files are refused
 * with a message (Node cannot read them into one Buffer either). Data files that are symlinks (Hugging Face cache
 * snapshots) are read from their real folder under their real names (externalDataLayout.ts).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LayerSpec } from '../../protocol/types';
import { ProbescopeError } from '../errors';
import { DataType, decodeModel, encodeModel, node } from '../onnx/proto';
import { relocateExternalData, resolveExternalDataLayout } from './externalDataLayout';
import { detectGraphKind, type GraphKind, isGraphKind } from './graphKind';
import type { ModelFolder } from './modelFolder';
import { pruneToOutputs } from './prune';
import { findResidualTaps, type ResidualTaps } from './residualTaps';

/** Bump when the patching changes, so stale cached graphs are not reused. */
const GRAPH_FORMAT = 3;
const MAX_PROTO_BYTES = 2 ** 31 - 1;

export interface TappedModel {
  path: string;
  /** Graph output name per requested layer. */
  outputNames: Map<LayerSpec, string>;
  /** Set when the model has external data: pass to createSession (loads the graph as a buffer). */
  externalDataFolder?: string;
  /** The export computes in float16/bfloat16 (sessions pick safer CPU optimisations). */
  halfPrecision: boolean;
  /** How the export reads padding (graphKind.ts). */
  graphKind: GraphKind;
  /** Element type of the embedding table (residualTaps.ts): tells bfloat16 exports apart. */
  weightType: ResidualTaps['weightType'];
  nodesBefore?: number;
  nodesAfter?: number;
}

export function tapOutputName(layer: LayerSpec): string {
  return `probescope/hidden_${layer}`;
}

/** Validates and orders layer specs (numbers first, ascending, then 'final'), without duplicates. */
export function normalizeLayers(layers: LayerSpec[], numLayers: number): LayerSpec[] {
  if (layers.length === 0) throw new ProbescopeError('BAD_ARGUMENT', 'Choose at least one layer.');
  for (const l of layers) {
    if (l !== 'final' && !(Number.isInteger(l) && l >= 0 && l <= numLayers)) {
      throw new ProbescopeError('BAD_ARGUMENT', `Layer ${String(l)} does not exist: use 0..${numLayers} or final.`);
    }
  }
  const nums = [...new Set(layers.filter((l): l is number => l !== 'final'))].sort((a, b) => a - b);
  return layers.includes('final') ? [...nums, 'final'] : nums;
}

/** `dataRenames`: external data locations rewritten to real file names (symlinked data); part of the graph. */
export function tappedModelKey(modelHash: string, layers: LayerSpec[], dataRenames: [string, string][] = []): string {
  const renames = dataRenames.length ? { renames: [...dataRenames].sort() } : {};
  return createHash('sha256')
    .update(JSON.stringify({ v: GRAPH_FORMAT, modelHash, layers, ...renames }))
    .digest('hex')
    .slice(0, 32);
}

export async function buildTappedModel(
  folder: ModelFolder,
  layersIn: LayerSpec[],
  cacheDir: string,
): Promise<TappedModel> {
  const layers = normalizeLayers(layersIn, folder.config.numLayers);
  const outputNames = new Map(layers.map((l) => [l, tapOutputName(l)] as const));
  const layout = await resolveExternalDataLayout(folder.onnxPath, folder.externalData);
  const externalDataFolder = layout?.folder;
  const key = tappedModelKey(folder.hash, layers, [...(layout?.renames ?? [])]);
  const path = join(cacheDir, 'graphs', `${key}.onnx`);
  const metaPath = path.replace(/\.onnx$/, '.json');
  if (await isFile(path)) {
    const meta = JSON.parse(await readFile(metaPath, 'utf8')) as Pick<TappedModel, 'halfPrecision' | 'weightType'> & {
      graphKind?: unknown;
    };
    if (isGraphKind(meta.graphKind)) {
      const { halfPrecision, weightType } = meta;
      return { path, outputNames, externalDataFolder, halfPrecision, weightType, graphKind: meta.graphKind };
    }
  }

  const size = (await stat(folder.onnxPath)).size;
  if (size > MAX_PROTO_BYTES) {
    throw new ProbescopeError(
      'MODEL_INVALID',
      `${folder.onnxPath} is ${(size / 2 ** 30).toFixed(1)} GiB; an ONNX protobuf cannot exceed 2 GiB. Use an export ` +
        'that keeps the weights in external data (model.onnx + model.onnx_data).',
    );
  }
  const model = decodeModel(await readFile(folder.onnxPath));
  const taps = findResidualTaps(model, folder.config.numLayers);
  const graphKind = detectGraphKind(model);
  if (layout) relocateExternalData(model, layout, folder.onnxPath);
  const g = model.graph!;
  const nodesBefore = g.node.length;
  // A Cast to float per tap: free for float32 graphs, converts float16/bfloat16 residuals for the caller.
  for (const l of layers) {
    const source = l === 'final' ? taps.final : taps.layers[l];
    g.node.push(node('Cast', [source], [tapOutputName(l)], { to: DataType.FLOAT }, `probescope/cast_hidden_${l}`));
  }
  const pruned = pruneToOutputs(model, layers.map(tapOutputName));
  const halfPrecision = taps.weightType === 'float16' || taps.weightType === 'bfloat16';
  // The sidecar first: a cached .onnx always has its .json.
  await writeFileAtomic(
    metaPath,
    JSON.stringify({
      halfPrecision,
      weightType: taps.weightType,
      graphKind,
      layers,
      nodesBefore,
      nodesAfter: pruned.nodesAfter,
    }),
  );
  await writeFileAtomic(path, encodeModel(pruned.model));
  return {
    path,
    outputNames,
    externalDataFolder,
    halfPrecision,
    graphKind,
    weightType: taps.weightType,
    nodesBefore,
    nodesAfter: pruned.nodesAfter,
  };
}

export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}
