/** Execution-provider availability as one line for users (Show Worker Version). */
import type { ExecutionProviderInfo } from './types';

/** One line: "runs on cpu · not available: webgpu (…); cuda (…)". */
export function describeProviders(list: ExecutionProviderInfo[]): string {
  const ok = list.filter((p) => p.available).map((p) => p.name);
  const not = list.filter((p) => !p.available).map((p) => `${p.name} (${p.reason ?? 'unavailable'})`);
  return `runs on ${ok.join(', ')}${not.length ? ` · not available: ${not.join('; ')}` : ''}`;
}
