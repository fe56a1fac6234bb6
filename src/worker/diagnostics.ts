/** Requests that need no model: version, ping and longTask (supervision tests and "Check worker" use them). */
import type { MessageConnection } from 'vscode-jsonrpc';
import { ProbescopeError, throwIfAborted } from '../core/errors';
import { Notifications, Requests } from '../protocol/worker';
import { adapt } from './adapt';
import { versionFacts } from './versionInfo';

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

export function registerDiagnostics(connection: MessageConnection): void {
  connection.onRequest(
    Requests.version,
    adapt(Requests.version.method, async () => ({ ...(await versionFacts()), pid: process.pid })),
  );

  connection.onRequest(
    Requests.ping,
    adapt(Requests.ping.method, (params: { payload: string }) => ({ payload: params.payload, pid: process.pid })),
  );

  connection.onRequest(
    Requests.longTask,
    adapt(Requests.longTask.method, async (params, signal) => {
      const { steps, stepMs, progressId } = params;
      if (!Number.isInteger(steps) || steps < 0 || !(stepMs >= 0)) {
        throw new ProbescopeError('BAD_ARGUMENT', 'longTask needs a whole number of steps >= 0 and stepMs >= 0.');
      }
      for (let done = 0; done < steps;) {
        throwIfAborted(signal);
        await sleep(stepMs, signal);
        throwIfAborted(signal);
        done++;
        void connection.sendNotification(Notifications.progress, { progressId, phase: 'test', done, total: steps });
      }
      return { completed: steps };
    }),
  );
}
