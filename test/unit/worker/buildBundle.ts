/**
 * Builds one real bundle (worker or CLI) the way esbuild.mjs does, into node_modules/.cache so that the external
 * onnxruntime-node still resolves, under a per-process name so parallel test files never share a half-written file.
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';

export const repoRoot = resolve(import.meta.dirname, '../../..');

const entries = { worker: 'src/worker/main.ts', cli: 'src/cli/main.ts' } as const;

export async function buildBundle(name: keyof typeof entries): Promise<{ path: string; remove(): void }> {
  const outfile = join(repoRoot, 'node_modules/.cache/probescope-test', `${name}-${process.pid}.js`);
  await esbuild.build({
    absWorkingDir: repoRoot,
    entryPoints: [entries[name]],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'onnxruntime-node'],
    logLevel: 'error',
  });
  return { path: outfile, remove: () => rmSync(outfile, { force: true }) };
}
