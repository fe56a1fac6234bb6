/** Runs a built CLI bundle as a child process, as a user's shell would, and collects what it printed. */
import { spawn } from 'node:child_process';

export interface CliRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * `node bundlePath ...args` in `cwd` (stdin closed); resolves when it exits. With `timeoutMs`, a longer run is killed
 * with SIGKILL and resolves with `signal` set, so a hung command fails its test instead of hanging the suite.
 */
export function runCli(
  bundlePath: string,
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundlePath, ...args], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

/** The JSON object a command prints as its last stdout line (the CLI contract). */
export function lastJson<T = Record<string, unknown>>(r: CliRun): T {
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
}

/** The `probescope: error:` lines of a run's stderr (the contract: exactly one on bad input). */
export function errorLines(r: CliRun): string[] {
  return r.stderr.split('\n').filter((l) => l.startsWith('probescope: error:'));
}
