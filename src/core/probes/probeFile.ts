/**
 * A saved probe is a folder: probe.safetensors (the reference's state_dict names) + probe.json (ProbeManifest).
 * Saving writes a complete temp folder and renames it into place, so a reader never sees half a probe.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ProbeManifest } from '../../protocol/types';
import { ProbescopeError } from '../errors';
import type { ProbeParams } from './probeParams';
import { decodeSafetensors, encodeSafetensors } from './safetensors';

export const PROBE_WEIGHTS = 'probe.safetensors';
export const PROBE_MANIFEST = 'probe.json';
export const PROBE_FORMAT = 'probescope-probe/1';

export function probeTensors(p: ProbeParams) {
  return {
    'q.weight': { shape: [p.H, p.D], data: p.q },
    position_weight: { shape: [p.H], data: p.w },
    'v.weight': { shape: [p.H * p.C, p.D], data: p.V },
    'v.bias': { shape: [p.H * p.C], data: p.b },
  };
}

export async function saveProbe(dir: string, params: ProbeParams, manifest: ProbeManifest): Promise<void> {
  const target = path.resolve(dir);
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}-${Date.now().toString(36)}`;
  await fs.mkdir(tmp, { recursive: true });
  try {
    const weights = encodeSafetensors(probeTensors(params), { format: 'pt', probescope: PROBE_FORMAT });
    await fs.writeFile(path.join(tmp, PROBE_WEIGHTS), weights);
    await fs.writeFile(path.join(tmp, PROBE_MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
    // Replacing an existing probe: move it aside first (rename cannot replace a non-empty directory).
    const old = `${target}.old-${process.pid}-${Date.now().toString(36)}`;
    let hadOld = false;
    try {
      await fs.rename(target, old);
      hadOld = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    await fs.rename(tmp, target);
    if (hadOld) await fs.rm(old, { recursive: true, force: true });
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

function validateManifest(m: unknown, file: string): ProbeManifest {
  const o = m as Partial<ProbeManifest>;
  const bad = (what: string): never => {
    throw new ProbescopeError('PROBE_INVALID', `${file}: ${what}. Retrain the probe or restore its probe.json.`);
  };
  if (!o || typeof o !== 'object') bad('not a JSON object');
  if (o.format !== PROBE_FORMAT) bad(`format is ${JSON.stringify(o.format)}, expected "${PROBE_FORMAT}"`);
  if (!o.model || typeof o.model.hash !== 'string' || typeof o.model.hiddenSize !== 'number')
    bad('missing model hash or hidden size');
  if (o.layer === undefined) bad('missing layer');
  if (o.probe !== 'attention' && o.probe !== 'mean' && o.probe !== 'last')
    bad(`unknown probe kind ${JSON.stringify(o.probe)}`);
  if (!Array.isArray(o.classes) || o.classes.length < 2) bad('needs at least two classes');
  return o as ProbeManifest;
}

export async function readProbeManifest(dir: string): Promise<ProbeManifest> {
  const file = path.join(dir, PROBE_MANIFEST);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new ProbescopeError('PROBE_INVALID', `No ${PROBE_MANIFEST} in ${dir}: not a probe folder.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ProbescopeError('PROBE_INVALID', `${file} is not valid JSON.`);
  }
  return validateManifest(json, file);
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
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch {
    throw new ProbescopeError('PROBE_INVALID', `No ${PROBE_WEIGHTS} in ${dir}.`);
  }
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
