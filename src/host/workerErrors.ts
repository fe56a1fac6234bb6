/**
 * Worker failures as users see them: jsonrpc ResponseErrors carry `data.code` (a ProbescopeErrorCode); cancellation
 * is either that code or jsonrpc's RequestCancelled.
 */
import * as vscode from 'vscode';
import type { HostContext } from './hostContext';

const JSONRPC_REQUEST_CANCELLED = -32800;

export function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; data?: { code?: unknown } };
  if (typeof e.data?.code === 'string') return e.data.code;
  if (typeof e.code === 'string') return e.code;
  if (e.code === JSONRPC_REQUEST_CANCELLED) return 'CANCELLED';
  return undefined;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') {
    return (err as { message: string }).message;
  }
  return String(err);
}

export function isCancellation(err: unknown): boolean {
  return errorCode(err) === 'CANCELLED';
}

export function isWorkerCrash(err: unknown): boolean {
  return errorCode(err) === 'WORKER_CRASHED';
}

/**
 * Records the error in the host state, logs it and shows a notification with "Show Log" (and "Retry" when given).
 * Does not wait for the user: a command that failed ends now, the actions run whenever they are clicked.
 */
export function reportError(ctx: HostContext, what: string, err: unknown, retry?: () => unknown): void {
  const message = `${what}: ${errorMessage(err)}`;
  ctx.log.error(message);
  ctx.state.update({ lastError: message });
  const actions = retry ? ['Retry', 'Show Log'] : ['Show Log'];
  void vscode.window.showErrorMessage(message, ...actions).then((choice) => {
    if (choice === 'Retry') retry?.();
    else if (choice === 'Show Log') ctx.log.show(true);
  });
}
