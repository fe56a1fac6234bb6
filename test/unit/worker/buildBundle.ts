/**
 * Builds one real bundle (worker or CLI) the way esbuild.mjs does, into node_modules/.cache so that the external
 * onnxruntime-node still resolves, under a per-process name so parallel test files never share a half-written file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before } from 'node:test';
import * as esbuild from 'esbuild';
import { WorkerSupervisor } from '../../../src/host/worker/workerSupervisor';

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

/**
 * For the tests of one describe(): a real worker bundled from source and started before them, with a fresh temp
 * folder (`tmpPrefix`); `use` receives both before the first test. Worker, bundle and folder are removed after.
 */
export function useRealWorker(
  tmpPrefix: string,
  use: (worker: WorkerSupervisor, tmp: string) => void | Promise<void>,
): void {
  let bundle: Awaited<ReturnType<typeof buildBundle>> | undefined;
  let worker: WorkerSupervisor | undefined;
  let tmp: string | undefined;
  const quiet = { info: () => {}, warn: () => {}, error: () => {}, append: () => {} };
  before(async () => {
    bundle = await buildBundle('worker');
    worker = new WorkerSupervisor({ workerPath: bundle.path, logger: quiet });
    tmp = mkdtempSync(join(tmpdir(), tmpPrefix));
    await use(worker, tmp);
  });
  after(async () => {
    await worker?.dispose();
    bundle?.remove();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });
}
