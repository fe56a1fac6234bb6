/** The errors the supervisor gives callers: worker ResponseErrors mapped back to ProbescopeErrors, crash messages. */
import { ResponseError } from 'vscode-jsonrpc';
import { ProbescopeError, type ProbescopeErrorCode } from '../../core/errors';
import { taskName } from '../../protocol/taskNames';

const CODES: ReadonlySet<string> = new Set<ProbescopeErrorCode>([
  'BAD_ARGUMENT',
  'MODEL_NOT_FOUND',
  'MODEL_INVALID',
  'TOKENIZER_MISMATCH',
  'UNSUPPORTED_GRAPH',
  'UNSUPPORTED_DTYPE',
  'EXECUTION_PROVIDER',
  'DATASET_INVALID',
  'PROBE_INVALID',
  'PROBE_MISMATCH',
  'DOWNLOAD_FAILED',
  'CANCELLED',
  'WORKER_CRASHED',
  'OUTPUT_REFUSED',
  'IO_ERROR',
  'DISK_FULL',
  'CACHE_DAMAGED',
  'INTERNAL',
]);

/** A worker failure as the ProbescopeError the worker threw (the code travels in ResponseError.data.code). */
export function fromWorkerError(err: unknown, method: string): Error {
  if (err instanceof ProbescopeError) return err;
  if (err instanceof ResponseError) {
    const code = (err.data as { code?: unknown } | undefined)?.code;
    return new ProbescopeError(
      typeof code === 'string' && CODES.has(code) ? (code as ProbescopeErrorCode) : 'INTERNAL',
      err.message,
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ProbescopeError('INTERNAL', `The Probescope worker failed while ${taskName(method)}: ${message}`);
}

/** "signal SIGKILL" / "exit code 1": how the process ended, for messages and logs. */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `signal ${signal}`;
  return code === null ? 'no exit code' : `exit code ${code}`;
}

export function crashedWhileRunning(method: string, exit: string): ProbescopeError {
  return new ProbescopeError(
    'WORKER_CRASHED',
    `The Probescope worker stopped unexpectedly (${exit}) while ${taskName(method)}. It has been restarted; run the command again.`,
  );
}

export function crashedAndGaveUp(method: string, exit: string, crashes: number, windowMs: number): ProbescopeError {
  return new ProbescopeError(
    'WORKER_CRASHED',
    `The Probescope worker stopped unexpectedly (${exit}) while ${taskName(method)}. ${givenUpReason(crashes, windowMs)}`,
  );
}

export function givenUp(crashes: number, windowMs: number): ProbescopeError {
  return new ProbescopeError(
    'WORKER_CRASHED',
    `The Probescope worker is not running. ${givenUpReason(crashes, windowMs)}`,
  );
}

function givenUpReason(crashes: number, windowMs: number): string {
  const window = windowMs % 60_000 === 0 ? `${windowMs / 60_000} minutes` : `${Math.round(windowMs / 1000)} seconds`;
  return (
    `It stopped ${crashes} times within ${window}, so Probescope no longer restarts it automatically; ` +
    'check the Probescope output for the cause, then run "Probescope: Restart Worker".'
  );
}

export function stoppedWhileRunning(method: string, reason: 'restart' | 'dispose'): ProbescopeError {
  return new ProbescopeError(
    'CANCELLED',
    reason === 'restart'
      ? `The Probescope worker was restarted while ${taskName(method)}; run the command again.`
      : `Probescope is shutting down; it stopped ${taskName(method)}.`,
  );
}

export function cancelledBeforeStart(method: string): ProbescopeError {
  return new ProbescopeError('CANCELLED', `Cancelled before the worker started ${taskName(method)}.`);
}
