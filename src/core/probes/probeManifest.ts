/** Reading probe.json: a bounded read (a regular file of at most 1 MiB) and a validated ProbeManifest. */
import * as path from 'node:path';
import type { ProbeManifest } from '../../protocol/types';
import { ProbescopeError } from '../errors';
import { readRegularText, SMALL_JSON_LIMIT } from '../storage';

export const PROBE_WEIGHTS = 'probe.safetensors';
export const PROBE_MANIFEST = 'probe.json';
export const PROBE_FORMAT = 'probescope-probe/1';

function validateManifest(m: unknown, file: string): ProbeManifest {
  const o = m as Partial<ProbeManifest>;
  const bad = (what: string): never => {
    throw new ProbescopeError('PROBE_INVALID', `${file}: ${what}. Retrain the probe or restore its probe.json.`);
  };
  if (!o || typeof o !== 'object' || Array.isArray(o)) bad('not a JSON object');
  if (o.format !== PROBE_FORMAT) bad(`format is ${JSON.stringify(o.format)}, expected "${PROBE_FORMAT}"`);
  if (
    !o.model ||
    typeof o.model !== 'object' ||
    typeof o.model.hash !== 'string' ||
    typeof o.model.hiddenSize !== 'number'
  )
    bad('missing model hash or hidden size');
  if (o.layer === undefined) bad('missing layer');
  if (o.probe !== 'attention' && o.probe !== 'mean' && o.probe !== 'last')
    bad(`unknown probe kind ${JSON.stringify(o.probe)}`);
  if (!Array.isArray(o.classes) || o.classes.length < 2) bad('needs at least two classes');
  return o as ProbeManifest;
}

/**
 * The validated probe.json of `dir`. PROBE_INVALID when it is missing, not a regular file (FIFO, device), larger than
 * 1 MiB, not JSON or not a Probescope manifest; never blocks on a pipe or reads more than 1 MiB.
 */
export async function readProbeManifest(dir: string): Promise<ProbeManifest> {
  const file = path.join(dir, PROBE_MANIFEST);
  let text: string;
  try {
    text = await readRegularText(file, { maxBytes: SMALL_JSON_LIMIT, code: 'PROBE_INVALID', what: PROBE_MANIFEST });
  } catch (err) {
    if (err instanceof ProbescopeError && err.code === 'PROBE_INVALID') throw err;
    throw new ProbescopeError('PROBE_INVALID', `No readable ${PROBE_MANIFEST} in ${dir}: not a probe folder.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ProbescopeError('PROBE_INVALID', `${file} is not valid JSON.`);
  }
  return validateManifest(json, file);
}
