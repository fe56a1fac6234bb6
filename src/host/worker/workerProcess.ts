/**
 * One worker child process and its jsonrpc connection. Tracks the requests in flight so that when the process ends
 * every one of them can be rejected at once (jsonrpc alone would leave them pending forever on a SIGKILL).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { CancellationTokenSource, ResponseError, type MessageConnection, type RequestType } from 'vscode-jsonrpc';
import { IPCMessageReader, IPCMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import { fromWorkerError } from './workerErrors';

/** Anything that can cancel a request: a vscode.CancellationToken, a jsonrpc token, or an AbortSignal. */
export interface CancellationLike {
  readonly isCancellationRequested?: boolean;
  onCancellationRequested(listener: () => unknown): { dispose(): unknown };
}
export type Cancellation = CancellationLike | AbortSignal;

export interface WorkerLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Raw stdout/stderr text of the worker, as it arrives. */
  append(chunk: string): void;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface Pending {
  method: string;
  reject(err: Error): void;
  /** Unlinks the caller's cancellation token: once the request has ended, cancelling it must not touch the channel. */
  settle(): void;
}

/** A reply the worker sent (it always attaches data.code), as opposed to a transport failure. */
function isWorkerReply(err: unknown): boolean {
  return err instanceof ResponseError && typeof (err.data as { code?: unknown } | undefined)?.code === 'string';
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export function isCancelled(token: Cancellation | undefined): boolean {
  if (!token) return false;
  return 'aborted' in token ? token.aborted : token.isCancellationRequested === true;
}

function linkCancellation(
  token: Cancellation | undefined,
  source: CancellationTokenSource,
  canSend: () => boolean,
): () => void {
  if (!token) return () => undefined;
  const cancel = (): void => {
    if (canSend()) source.cancel();
  };
  if ('aborted' in token) {
    token.addEventListener('abort', cancel, { once: true });
    return () => token.removeEventListener('abort', cancel);
  }
  const sub = token.onCancellationRequested(cancel);
  return () => void sub.dispose();
}

export class WorkerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<ProcessExit>;
  /** Set when we end the process on purpose, so its exit is not counted as a crash. */
  stopping: 'restart' | 'dispose' | undefined;
  hasExited = false;
  private readonly connection: MessageConnection;
  private readonly pending = new Set<Pending>();

  constructor(
    workerPath: string,
    private readonly logger: WorkerLogger,
    onNotification: (method: string, params: unknown) => void,
    env: NodeJS.ProcessEnv | undefined,
  ) {
    // execArgv []: the host's own flags (--inspect, Electron's) must not leak into the worker.
    this.child = fork(workerPath, [], {
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: env ?? process.env,
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => this.logger.append(chunk));
    }
    this.exited = new Promise((resolve) => {
      // Let the last stderr lines (often the reason it died) reach the log before anyone reports the exit. The
      // child's own 'close' is not emitted after we disconnect() it, so wait for the two pipes instead.
      const pipesClosed = Promise.all(
        [this.child.stdout, this.child.stderr].map(
          (stream) => new Promise((done) => (stream && !stream.closed ? stream.once('close', done) : done(undefined))),
        ),
      );
      this.child.once('exit', (code, signal) => {
        this.hasExited = true;
        void Promise.race([pipesClosed, delay(500)]).then(() => {
          this.connection.dispose();
          resolve({ code, signal });
        });
      });
      // A failed spawn may not emit 'exit'; report it as an exit so nothing waits forever. Listening on every
      // 'error' also keeps a failed kill or send from becoming an uncaught exception in the host.
      this.child.on('error', (err) => {
        this.logger.error(`Probescope worker process error: ${err.message}`);
        if (this.child.pid === undefined && !this.hasExited) {
          this.hasExited = true;
          resolve({ code: null, signal: null });
        }
      });
    });
    this.connection = createMessageConnection(new IPCMessageReader(this.child), new IPCMessageWriter(this.child));
    this.connection.onNotification((method, params) => onNotification(method, params));
    this.connection.onError(([err]) => {
      if (!this.hasExited) this.logger.warn(`Probescope worker connection error: ${err.message}`);
    });
    this.connection.listen();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  send<P, R, E>(type: RequestType<P, R, E>, params: P, token: Cancellation | undefined): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const source = new CancellationTokenSource();
      // A cancellation that arrives after the channel closed (a window reload ends the worker first, then the panels
      // stop their runs) has nobody to tell: sending $/cancelRequest then would throw "Channel has been closed".
      const unlink = linkCancellation(token, source, () => this.child.connected && !this.hasExited);
      let settled = false;
      const settle = (): void => {
        if (settled) return;
        settled = true;
        this.pending.delete(entry);
        unlink();
        source.dispose();
      };
      const entry: Pending = { method: type.method, reject, settle };
      this.pending.add(entry);
      let sent: Promise<R>;
      try {
        sent = this.connection.sendRequest(type, params, source.token);
      } catch (err) {
        sent = Promise.reject(err);
      }
      sent.then(
        (result) => {
          settle();
          resolve(result);
        },
        (err: unknown) => {
          if (isWorkerReply(err)) {
            settle();
            reject(fromWorkerError(err, type.method));
            return;
          }
          // The channel closes just before 'exit' arrives: wait for it so the caller gets the crash message
          // (rejectPending) rather than a bare "connection disposed".
          void Promise.race([this.exited, delay(1_000)]).then(() => {
            settle();
            reject(fromWorkerError(err, type.method));
          });
        },
      );
    });
  }

  /** Rejects every request in flight; `errorFor` builds each one's error from its method name. */
  rejectPending(errorFor: (method: string) => Error): void {
    for (const p of [...this.pending]) {
      p.settle();
      p.reject(errorFor(p.method));
    }
    this.pending.clear();
  }

  /** Clean shutdown: close the IPC channel (the worker exits on disconnect), then SIGTERM, then SIGKILL. */
  async stop(timeoutMs: number): Promise<ProcessExit> {
    if (this.hasExited) return this.exited;
    if (this.child.connected) this.child.disconnect();
    if (await this.exitsWithin(timeoutMs)) return this.exited;
    this.logger.warn(`Probescope worker pid ${this.pid} did not exit after its channel closed; sending SIGTERM.`);
    this.child.kill('SIGTERM');
    if (await this.exitsWithin(timeoutMs)) return this.exited;
    this.logger.warn(`Probescope worker pid ${this.pid} ignored SIGTERM; sending SIGKILL.`);
    this.child.kill('SIGKILL');
    return this.exited;
  }

  private exitsWithin(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      void this.exited.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
