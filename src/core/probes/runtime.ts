/**
 * In-process caches for inference: resolved model folders (hashing a large .onnx is slow), activation extractors
 * (ORT sessions) and loaded probes. The worker calls classify/evaluate repeatedly; each entry is checked against the
 * files' mtime and size so edits on disk are picked up.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExecutionProviderSetting, LayerSpec, ProbeManifest } from '../../protocol/types';
import { ProbescopeError } from '../errors';
import { resolveModelFolder, type ModelFolder } from '../model';
import { ActivationExtractor } from '../model/extractor';
import { DEFAULT_TRAIN_MAX_LENGTH } from './defaults';
import { checkProbeMatchesModel, loadProbe, PROBE_MANIFEST, PROBE_WEIGHTS } from './probeFile';
import type { ProbeParams } from './probeParams';

async function stamp(files: string[]): Promise<string> {
  const parts = await Promise.all(
    files.map(async (f) => {
      const s = await fs.stat(f).catch(() => undefined);
      return s ? `${s.mtimeMs}:${s.size}` : 'missing';
    }),
  );
  return parts.join('|');
}

const folders = new Map<string, { stamp: string; folder: Promise<ModelFolder> }>();

export async function cachedModelFolder(dir: string): Promise<ModelFolder> {
  const abs = path.resolve(dir);
  const hit = folders.get(abs);
  if (hit) {
    const folder = await hit.folder;
    if ((await stamp([folder.onnxPath, path.join(abs, 'config.json')])) === hit.stamp) return folder;
  }
  const folder = resolveModelFolder(abs);
  folder.catch(() => folders.delete(abs));
  const f = await folder;
  folders.set(abs, { stamp: await stamp([f.onnxPath, path.join(abs, 'config.json')]), folder });
  return f;
}

const probes = new Map<string, { stamp: string; probe: Promise<{ params: ProbeParams; manifest: ProbeManifest }> }>();

export async function cachedProbe(dir: string): Promise<{ params: ProbeParams; manifest: ProbeManifest }> {
  const abs = path.resolve(dir);
  const s = await stamp([path.join(abs, PROBE_MANIFEST), path.join(abs, PROBE_WEIGHTS)]);
  const hit = probes.get(abs);
  if (hit && hit.stamp === s) return hit.probe;
  const probe = loadProbe(abs);
  probe.catch(() => probes.delete(abs));
  probes.set(abs, { stamp: s, probe });
  return probe;
}

/** The model folder a probe runs on: the explicit one, else the folder recorded at training time. */
export async function modelFolderFor(manifest: ProbeManifest, modelDir?: string): Promise<ModelFolder> {
  const dir = modelDir ?? manifest.model.dir;
  if (!dir) {
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      `Probe "${manifest.name}" does not record its model folder; pass the model (--model DIR).`,
    );
  }
  if (modelDir === undefined) {
    // The folder recorded at training time may have moved since: say where it was looked for and how to point at it.
    const st = await fs.stat(dir).catch(() => undefined);
    if (!st)
      throw new ProbescopeError(
        'BAD_ARGUMENT',
        `Probe "${manifest.name}" was trained on the model folder ${dir}, which does not exist any more (moved or deleted?); pass the model (--model DIR).`,
      );
  }
  return cachedModelFolder(dir);
}

/** A saved probe with the model folder it runs on; refuses (PROBE_MISMATCH) a folder of another model. */
export async function probeWithModel(
  probeDir: string,
  modelDir?: string,
): Promise<{ probe: ProbeParams; manifest: ProbeManifest; folder: ModelFolder }> {
  const { params: probe, manifest } = await cachedProbe(probeDir);
  const folder = await modelFolderFor(manifest, modelDir);
  checkProbeMatchesModel(manifest, {
    hash: folder.hash,
    hiddenSize: folder.config.hiddenSize,
    numLayers: folder.config.numLayers,
  });
  return { probe, manifest, folder };
}

const extractors = new Map<string, Promise<ActivationExtractor>>();

export function cachedExtractor(
  folder: ModelFolder,
  layer: LayerSpec,
  executionProvider?: ExecutionProviderSetting,
  maxLength = DEFAULT_TRAIN_MAX_LENGTH,
): Promise<ActivationExtractor> {
  const key = `${folder.hash}:${folder.dir}:${layer}:${executionProvider ?? 'auto'}:${maxLength}`;
  let e = extractors.get(key);
  if (!e) {
    e = ActivationExtractor.create(folder, [layer], {
      executionProvider,
      maxLength,
      cacheDir: path.join(os.tmpdir(), 'probescope-cache'),
    });
    e.catch(() => extractors.delete(key));
    extractors.set(key, e);
  }
  return e;
}

export async function disposeExtractors(): Promise<void> {
  const all = [...extractors.values()];
  extractors.clear();
  for (const e of all) await (await e).dispose();
}
