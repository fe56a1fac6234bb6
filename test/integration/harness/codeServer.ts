/**
 * Starts code-server (a real VS Code 1.100: workbench in the browser, extension host in Node) from the git-ignored
 * `.code-server/` folder that `npm run setup:host` fills, with a fresh profile, the VSIX installed and a temp workspace.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './vsix';

export const codeServerEntry = join(repoRoot, '.code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');

export interface CodeServer {
  url: string;
  /** Temp root holding the profile, extensions, workspace and logs; removed by stop(). */
  tmp: string;
  workspace: string;
  /** --extensions-dir: the VSIX is installed under it. */
  extensionsDir: string;
  stateFile: string;
  process: ChildProcess;
  /** code-server's stdout + stderr so far (extension host errors land here too). */
  log(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** VSIX to install with --install-extension; none for extension-development runs. */
  vsix?: string;
  /** Files to write into the workspace, relative path → content (examples/ is always copied in). */
  files?: Record<string, string>;
  /** Files or folders to copy into the workspace, relative path → source path. */
  copies?: Record<string, string>;
  /** User settings over the defaults; a function gets the workspace path (for settings that point into it). */
  settings?: Record<string, unknown> | ((workspace: string) => Record<string, unknown>);
  env?: Record<string, string>;
  /** Workspace Trust on and the folder never trusted: the window opens in Restricted Mode. */
  restricted?: boolean;
}

const defaultSettings = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'update.mode': 'none',
  'git.enabled': false,
  'editor.hover.delay': 200,
  'files.autoSave': 'off',
  'window.restoreWindows': 'none',
};

export function codeServerInstalled(): boolean {
  return existsSync(codeServerEntry);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

// Process groups still alive: killed synchronously if the test process exits without running its after hook.
const live = new Map<number, string>();
process.once('exit', () => {
  for (const [pid, tmp] of live) {
    killGroup(pid, 'SIGKILL');
    if (!process.env.PROBESCOPE_KEEP_HOST) rmSync(tmp, { recursive: true, force: true });
  }
});
// Interrupted runs (Ctrl+C, CI cancelling) do not emit 'exit' by themselves.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => process.exit(signal === 'SIGINT' ? 130 : 143));
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

export async function startCodeServer(opts: StartOptions): Promise<CodeServer> {
  if (!codeServerInstalled()) throw new Error(`code-server missing at ${codeServerEntry}: run \`npm run setup:host\``);
  const tmp = mkdtempSync(join(tmpdir(), 'probescope-host-'));
  const userData = join(tmp, 'user-data');
  const extensions = join(tmp, 'extensions');
  const workspace = join(tmp, 'workspace');
  const stateFile = join(tmp, 'state.json');
  mkdirSync(join(userData, 'User'), { recursive: true });
  mkdirSync(extensions);
  mkdirSync(workspace);
  const settings = typeof opts.settings === 'function' ? opts.settings(workspace) : opts.settings;
  const trust = opts.restricted
    ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' }
    : {};
  writeFileSync(
    join(userData, 'User', 'settings.json'),
    JSON.stringify({ ...defaultSettings, ...trust, ...settings }, null, 2),
  );
  cpSync(join(repoRoot, 'examples'), join(workspace, 'examples'), { recursive: true });
  for (const [rel, content] of Object.entries(opts.files ?? {})) writeFileSync(join(workspace, rel), content);
  for (const [rel, source] of Object.entries(opts.copies ?? {}))
    cpSync(source, join(workspace, rel), { recursive: true });

  const dirs = ['--user-data-dir', userData, '--extensions-dir', extensions];
  if (opts.vsix) {
    execFileSync(process.execPath, [codeServerEntry, ...dirs, '--install-extension', opts.vsix], {
      stdio: 'pipe',
      timeout: 120_000,
    });
  }

  const port = await freePort();
  // The extension host inherits code-server's environment: that is how PROBESCOPE_TEST_STATE reaches the host.
  const env: NodeJS.ProcessEnv = { ...process.env, PROBESCOPE_TEST_STATE: stateFile, ...opts.env };
  delete env.VSCODE_IPC_HOOK_CLI;
  const args = [codeServerEntry, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, ...dirs];
  args.push('--disable-telemetry', '--disable-update-check', '--disable-getting-started-override');
  if (!opts.restricted) args.push('--disable-workspace-trust');
  const child = spawn(process.execPath, [...args, workspace], {
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.set(child.pid!, tmp);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));

  const stop = async (): Promise<void> => {
    const pid = child.pid!;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      killGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    // The extension host and our worker share the group; make sure none outlives the server.
    killGroup(pid, 'SIGKILL');
    live.delete(pid);
    if (!process.env.PROBESCOPE_KEEP_HOST) rmSync(tmp, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`;
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, child, () => output);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, tmp, workspace, extensionsDir: extensions, stateFile, process: child, log: () => output, stop };
}

async function waitForHttp(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited (${child.exitCode}):\n${log()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer ${url} within 60 s:\n${log()}`);
}
