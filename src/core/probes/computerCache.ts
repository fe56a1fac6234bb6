/** In-process caches: the worker trains and classifies repeatedly, and ORT sessions are worth keeping. */
import type { ExecutionProviderSetting } from '../../protocol/types';
import { ProbeComputer } from './probeComputer';

const computers = new Map<string, Promise<ProbeComputer>>();

/** One ProbeComputer per (H, C, D, provider), created on first use. */
export function probeComputer(
  shape: { H: number; C: number; D: number },
  executionProvider?: ExecutionProviderSetting,
): Promise<ProbeComputer> {
  const key = `${shape.H}x${shape.C}x${shape.D}:${executionProvider ?? 'cpu'}`;
  let c = computers.get(key);
  if (!c) {
    c = ProbeComputer.create(shape, { executionProvider });
    c.catch(() => computers.delete(key));
    computers.set(key, c);
  }
  return c;
}

export async function disposeProbeComputers(): Promise<void> {
  const all = [...computers.values()];
  computers.clear();
  for (const c of all) await (await c).dispose();
}
