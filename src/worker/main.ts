/**
 * Worker child process entry (dist/worker.js). Serves src/core over vscode-jsonrpc: over Node IPC when forked by the
 * host (process.send exists), else over stdin/stdout. Exits when its parent goes away, so it never outlives VS Code.
 */
import {
  IPCMessageReader,
  IPCMessageWriter,
  StreamMessageReader,
  StreamMessageWriter,
  createMessageConnection,
} from 'vscode-jsonrpc/node';
import { recoverInterruptedSaves } from '../core/probes/probeOutput';
import { Notifications } from '../protocol/worker';
import { registerDiagnostics } from './diagnostics';
import { registerEngine } from './engine';

// Stray console.log calls (ours or a library's) must never corrupt a stdio transport; stderr reaches the host's log.
console.log = console.error;
console.info = console.error;

const overIpc = typeof process.send === 'function';
const connection = overIpc
  ? createMessageConnection(new IPCMessageReader(process), new IPCMessageWriter(process))
  : createMessageConnection(new StreamMessageReader(process.stdin), new StreamMessageWriter(process.stdout));

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

// A rejected promise nobody awaited is a bug but not a reason to lose a training run: log it loudly, keep serving.
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`[worker] unhandled promise rejection: ${describe(reason)}\n`);
  void connection.sendNotification(Notifications.log, {
    level: 'error',
    message: `Unhandled promise rejection in the worker: ${reason instanceof Error ? reason.message : String(reason)}`,
  });
});
// After an uncaught exception the process state is unknown: log it and exit non-zero so the host reports and restarts.
process.on('uncaughtException', (err) => {
  process.stderr.write(`[worker] uncaught exception, exiting: ${describe(err)}\n`);
  process.exit(70);
});

registerDiagnostics(connection);
registerEngine(connection);

// Probe saves a killed worker or CLI left half-swapped are finished or rolled back now; the host's log lists them.
void recoverInterruptedSaves()
  .then((lines) => {
    for (const line of lines)
      void connection.sendNotification(Notifications.log, { level: 'warn', message: `Recovered: ${line}` });
  })
  .catch((err: unknown) => process.stderr.write(`[worker] recovering interrupted saves failed: ${describe(err)}\n`));

connection.onClose(() => process.exit(0));
if (overIpc) process.on('disconnect', () => process.exit(0));
connection.listen();
