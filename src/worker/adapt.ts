/**
 * Turns a core call into a jsonrpc handler: the request's CancellationToken becomes an AbortSignal, failures become
 * ResponseErrors whose data carries the ProbescopeError code (the host maps it back), unexpected errors are logged.
 */
import { ResponseError, type CancellationToken } from 'vscode-jsonrpc';
import { ProbescopeError } from '../core/errors';
import { taskName } from '../protocol/taskNames';
import type { WorkerErrorData } from '../protocol/worker';

/** jsonrpc error code for every Probescope failure; the meaning is in `data.code`. */
export const PROBESCOPE_ERROR = -32001;

export function toResponseError(err: unknown, method: string, signal?: AbortSignal): ResponseError<WorkerErrorData> {
  if (err instanceof ResponseError) return err as ResponseError<WorkerErrorData>;
  if (err instanceof ProbescopeError) return new ResponseError(PROBESCOPE_ERROR, err.message, { code: err.code });
  // Libraries that honour an AbortSignal throw their own AbortError; to the user that is still a cancellation.
  if (signal?.aborted || (err instanceof Error && err.name === 'AbortError')) {
    return new ResponseError(PROBESCOPE_ERROR, 'Cancelled.', { code: 'CANCELLED' });
  }
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`[worker] ${method} failed unexpectedly: ${detail}\n`);
  const message = err instanceof Error ? err.message : String(err);
  return new ResponseError(
    PROBESCOPE_ERROR,
    `Internal error in the Probescope worker while ${taskName(method)}: ${message}`,
    {
      code: 'INTERNAL',
    },
  );
}

export function signalFromToken(token: CancellationToken): AbortSignal {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  else token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}

/** Wraps `run(params, signal)` so it can be passed to `connection.onRequest`. */
export function adapt<P, R>(
  method: string,
  run: (params: P, signal: AbortSignal) => Promise<R> | R,
): (params: P, token: CancellationToken) => Promise<R> {
  return async (params, token) => {
    const signal = signalFromToken(token);
    try {
      return await run(params, signal);
    } catch (err) {
      throw toResponseError(err, method, signal);
    }
  };
}
