/**
 * A saved probe is a folder: probe.safetensors (the reference's state_dict names) + probe.json (ProbeManifest).
 * Saving writes a complete temp folder and renames it into place, so a reader never sees half a probe.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ProbeManifest } from '../../protocol/types';
import { ProbescopeError } from '../errors';
import { fsError, openRegularFile, writeFolderSwap } from '../storage';
import { checkProbeOutput } from './probeOutput';
import { PROBE_FORMAT, PROBE_MANIFEST, PROBE_WEIGHTS, readProbeManifest } from './probeManifest';
import type { ProbeParams } from './probeParams';
import { decodeSafetensors, encodeSafetensors } from './safetensors';

export { PROBE_FORMAT, PROBE_MANIFEST, PROBE_WEIGHTS, readProbeManifest } from './probeManifest';

export function probeTensors(p: ProbeParams) {
  return {
    'q.weight': { shape: [p.H, p.D], data: p.q },
    position_weight: { shape: [p.H], data: p.w },
    'v.weight': { shape: [p.H * p.C, p.D], data: p.V },
    'v.bias': { shape: [p.H * p.C], data: p.b },
  };
}

/**
 * Saves a probe folder: `dir` must be new, empty, or (with `force`) a probe folder; anything else is refused with
 * OUTPUT_REFUSED and left untouched (probeOutput.ts). The files are written to a temp folder and swapped in; a
 * replaced probe stays until the new one is complete, and a killed save is finished or rolled back on the next start.
 */
export async function saveProbe(
  dir: string,
  params: ProbeParams,
  manifest: ProbeManifest,
  opts: { force?: boolean } = {},
): Promise<void> {
  const weights = encodeSafetensors(probeTensors(params), { format: 'pt', probescope: PROBE_FORMAT });
  await writeProbeFiles(dir, weights, JSON.stringify(manifest, null, 2) + '\n', opts);
}

/** Writes a probe's two files as folder `dir` under the rules of saveProbe (used to copy a probe as well). */
export async function writeProbeFiles(
  dir: string,
  weights: Uint8Array,
  manifestJson: string,
  opts: { force?: boolean } = {},
): Promise<void> {
  const target = path.resolve(dir);
  const mode = await checkProbeOutput(target, opts);
  try {
    await fs.mkdir(path.dirname(target), { recursive: true });
  } catch (err) {
    throw fsError(err, path.dirname(target), 'create the folder');
  }
  await writeFolderSwap(target, { [PROBE_WEIGHTS]: weights, [PROBE_MANIFEST]: manifestJson }, mode);
}

export interface ModelIdentity {
  hash: string;
  hiddenSize: number;
  numLayers: number;
}

/** PROBE_MISMATCH unless the probe was trained on this model (same hash, hidden size, an existing layer). */
export function checkProbeMatchesModel(manifest: ProbeManifest, model: ModelIdentity): void {
  const name = manifest.name || 'this probe';
  if (manifest.model.hash !== model.hash) {
    throw new ProbescopeError(
      'PROBE_MISMATCH',
      `${name} was trained on model ${manifest.model.id} (hash ${manifest.model.hash.slice(0, 12)}), not the loaded model (hash ${model.hash.slice(0, 12)}). Load that model or retrain.`,
    );
  }
  if (manifest.model.hiddenSize !== model.hiddenSize) {
    throw new ProbescopeError(
      'PROBE_MISMATCH',
      `${name} expects hidden size ${manifest.model.hiddenSize}; the loaded model has ${model.hiddenSize}.`,
    );
  }
  const layer = manifest.layer;
  if (layer !== 'final' && (!Number.isInteger(layer) || layer < 0 || layer > model.numLayers)) {
    throw new ProbescopeError(
      'PROBE_MISMATCH',
      `${name} reads layer ${layer}; the loaded model has layers 0..${model.numLayers}.`,
    );
  }
}

/** Loads a probe folder; with `model`, also refuses probes trained on another model (PROBE_MISMATCH). */
export async function loadProbe(
  dir: string,
  model?: ModelIdentity,
): Promise<{ params: ProbeParams; manifest: ProbeManifest }> {
  const manifest = await readProbeManifest(dir);
  if (model) checkProbeMatchesModel(manifest, model);
  const file = path.join(dir, PROBE_WEIGHTS);
  const bytes = await readProbeWeights(file, manifest);
  const { tensors } = decodeSafetensors(bytes, file);
  const need = (name: string, rank: number) => {
    const t = tensors[name];
    if (!t || t.shape.length !== rank)
      throw new ProbescopeError('PROBE_INVALID', `${file}: missing tensor ${name} (rank ${rank}).`);
    return t;
  };
  const q = need('q.weight', 2);
  const w = need('position_weight', 1);
  const V = need('v.weight', 2);
  const b = need('v.bias', 1);
  const [H, D] = q.shape;
  const C = V.shape[0] / H;
  if (w.shape[0] !== H || !Number.isInteger(C) || V.shape[1] !== D || b.shape[0] !== H * C) {
    throw new ProbescopeError(
      'PROBE_INVALID',
      `${file}: inconsistent tensor shapes (q [${q.shape}], v.weight [${V.shape}], v.bias [${b.shape}]).`,
    );
  }
  if (D !== manifest.model.hiddenSize) {
    throw new ProbescopeError(
      'PROBE_INVALID',
      `${file}: tensors have D=${D} but probe.json says hidden size ${manifest.model.hiddenSize}.`,
    );
  }
  const expectedC = manifest.classes.length === 2 ? 1 : manifest.classes.length;
  if (C !== expectedC || H !== manifest.heads) {
    throw new ProbescopeError(
      'PROBE_INVALID',
      `${file}: ${H} heads × ${C} outputs does not match probe.json (${manifest.heads} heads, ${manifest.classes.length} classes).`,
    );
  }
  return { params: { H, C, D, q: q.data, w: w.data, V: V.data, b: b.data }, manifest };
}

/** Largest safetensors JSON header accepted (ours are a few hundred bytes). */
const MAX_HEADER_BYTES = 1 << 20;
/** No probe file is larger than this (H·C·D float32 values stay far below). */
export const MAX_PROBE_WEIGHTS_BYTES = 2 ** 30;

/**
 * probe.safetensors as bytes, read only after checks against the file size: a regular file (no FIFO, no device), a
 * header length that fits in the file and under 1 MiB, and a total size no larger than the tensors probe.json
 * describes (H·D + H + H·C·D + H·C float32 values) plus the header. PROBE_INVALID otherwise.
 */
async function readProbeWeights(file: string, manifest: ProbeManifest): Promise<Uint8Array> {
  const H = Number.isInteger(manifest.heads) && manifest.heads > 0 ? manifest.heads : 1;
  const C = manifest.classes.length === 2 ? 1 : manifest.classes.length;
  const D = manifest.model.hiddenSize;
  const dataBytes = 4 * (H * D + H + H * C * D + H * C);
  const maxBytes = Math.min(8 + MAX_HEADER_BYTES + dataBytes, MAX_PROBE_WEIGHTS_BYTES);
  let opened;
  try {
    opened = await openRegularFile(file, { maxBytes, code: 'PROBE_INVALID', what: PROBE_WEIGHTS });
  } catch (err) {
    if (err instanceof ProbescopeError && err.code === 'PROBE_INVALID') throw err;
    throw new ProbescopeError('PROBE_INVALID', `No readable ${PROBE_WEIGHTS} in ${path.dirname(file)}.`);
  }
  const { fh, size } = opened;
  try {
    const head = Buffer.alloc(8);
    if (size < 8 || (await fh.read(head, 0, 8, 0)).bytesRead < 8)
      throw new ProbescopeError('PROBE_INVALID', `${file}: shorter than its 8-byte header length.`);
    const n = head.readBigUInt64LE(0);
    if (n > BigInt(MAX_HEADER_BYTES) || 8n + n > BigInt(size))
      throw new ProbescopeError(
        'PROBE_INVALID',
        `${file}: header length ${n} does not fit (file ${size} bytes, header limit ${MAX_HEADER_BYTES}).`,
      );
    const bytes = Buffer.alloc(size);
    let pos = 0;
    while (pos < size) {
      const { bytesRead } = await fh.read(bytes, pos, size - pos, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
    }
    return bytes.subarray(0, pos);
  } finally {
    await fh.close();
  }
}
