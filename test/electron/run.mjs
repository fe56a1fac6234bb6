// Runs the mocha suite in test/electron/suite inside a real VS Code (Electron) extension host with @vscode/test-electron.
// It never downloads VS Code: set VSCODE_PATH to a VS Code executable (`code` binary of a desktop install), otherwise
// the suite is skipped. The code-server suite (test/integration) covers the real host where no desktop VS Code exists.
import { runTests } from '@vscode/test-electron';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const vscodeExecutablePath = process.env.VSCODE_PATH || process.env.vscodeExecutablePath;
if (!vscodeExecutablePath) {
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
