// Runs the mocha suite in test/electron/suite inside a real VS Code extension host.
//   VSCODE_PATH=/path/to/code npm run test:electron   → desktop VS Code (Electron) through @vscode/test-electron
//   npm run test:electron -- --code-server            → code-server's extension host (what CI has: `npm run setup:host`)
// It never downloads VS Code; with neither, the suite is skipped.
import { runTests } from '@vscode/test-electron';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const vscodeExecutablePath = process.env.VSCODE_PATH || process.env.vscodeExecutablePath;
const viaCodeServer = !vscodeExecutablePath && process.argv.includes('--code-server');
if (!vscodeExecutablePath && !viaCodeServer) {
  console.log('skipped: no VS Code executable (set VSCODE_PATH)');
  process.exit(0);
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
execFileSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
const suiteOut = join(root, 'out', 'test-electron', 'index.js');
await esbuild.build({
  entryPoints: [join(root, 'test', 'electron', 'suite', 'index.ts')],
  outfile: suiteOut,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  external: ['vscode', 'mocha'],
  logLevel: 'warning',
});

if (viaCodeServer) {
  if (!existsSync(join(root, '.code-server', 'node_modules', 'code-server'))) {
    console.error('test:electron --code-server: code-server is not installed; run `npm run setup:host`');
    process.exit(1);
  }
  // TypeScript harness: `npm run test:electron` runs this file with `node --import tsx`.
  const { runInCodeServer } = await import('./codeServerHost.ts');
  process.exit(await runInCodeServer({ extensionDevelopmentPath: root, extensionTestsPath: suiteOut }));
}

const tmp = mkdtempSync(join(tmpdir(), 'probescope-electron-'));
const workspace = join(tmp, 'workspace');
mkdirSync(workspace);
cpSync(join(root, 'examples'), join(workspace, 'examples'), { recursive: true });
let code = 1;
try {
  code = await runTests({
    vscodeExecutablePath,
    extensionDevelopmentPath: root,
    extensionTestsPath: suiteOut,
    launchArgs: [
      workspace,
      '--disable-extensions',
      '--disable-workspace-trust',
      '--user-data-dir',
      join(tmp, 'user-data'),
      '--skip-welcome',
    ],
    extensionTestsEnv: { PROBESCOPE_TEST_STATE: join(tmp, 'state.json') },
  });
} catch (e) {
  console.error(e);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(code);
