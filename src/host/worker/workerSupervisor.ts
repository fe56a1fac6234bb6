/**
 * Runs the Probescope worker (dist/worker.js) as a child process and talks to it over vscode-jsonrpc (Node IPC).
 * No `vscode` import: the host passes a logger, the unit tests drive the real worker with it.
 *
 *   const worker = new WorkerSupervisor({ workerPath: context.asAbsolutePath('dist/worker.js'), logger });
 *   //   logger: { info(msg), warn(msg), error(msg), append(stderrChunk) }   (e.g. a LogOutputChannel adapter)
 *   //   optional: maxRestarts = 5, restartWindowMs = 180_000, shutdownTimeoutMs = 2_000, env = process.env
 *   const v = await worker.request(Requests.version, undefined);            // starts the worker lazily
 *   await worker.request(Requests.trainProbe, params, token);               // token: vscode.CancellationToken | AbortSignal
 *   worker.onNotification(Notifications.progress, (e) => …);                // survives restarts; returns { dispose() }
 *   worker.onDidStart((pid) => …);  worker.onDidGiveUp((e) => show e.message with a "Restart Worker" action);
 *   worker.pid;  await worker.restart();  await worker.dispose();
 *
 * Failures reject with ProbescopeError: the worker's own code (ResponseError.data.code), CANCELLED after
 * cancellation, WORKER_CRASHED when the process dies mid-request. A crash restarts the worker at once; after more than
 * `maxRestarts` crashes within `restartWindowMs` it stays down (requests reject, onDidGiveUp fires) until restart().
 * `log` notifications are written to the logger; subscribe to them only for more than that.
 */
import { existsSync } from 'node:fs';
import type { NotificationType, RequestType } from 'vscode-jsonrpc';
import { ProbescopeError } from '../../core/errors';
import { Notifications, type LogEvent } from '../../protocol/worker';
import {
  cancelledBeforeStart,
  crashedAndGaveUp,
  crashedWhileRunning,
  describeExit,
  givenUp,
  stoppedWhileRunning,
} from './workerErrors';
import { isCancelled, WorkerProcess, type Cancellation, type ProcessExit, type WorkerLogger } from './workerProcess';

export type { Cancellation, CancellationLike, WorkerLogger } from './workerProcess';

export interface WorkerSupervisorOptions {
  workerPath: string;
  logger: WorkerLogger;
  /** Crash restarts allowed within `restartWindowMs`; one more crash and the supervisor gives up. Default 5. */
  maxRestarts?: number;
  /** Default 3 minutes. */
  restartWindowMs?: number;
  /** How long dispose()/restart() wait after closing the channel, and again after SIGTERM. Default 2 s. */
  shutdownTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface WorkerGiveUpEvent {
  crashes: number;
  windowMs: number;
  /** How the last process ended, e.g. "signal SIGKILL". */
  lastExit: string;
  /** A sentence for the user; the host adds a "Restart Worker" action. */
  message: string;
}

export interface Disposable {
  dispose(): void;
}

type Listener<T> = (value: T) => void;

export class WorkerSupervisor {
  private readonly workerPath: string;
  private readonly logger: WorkerLogger;
  private readonly maxRestarts: number;
  private readonly windowMs: number;
  private readonly shutdownTimeoutMs: number;
  private readonly env: NodeJS.ProcessEnv | undefined;
  private current: WorkerProcess | undefined;
  private crashTimes: number[] = [];
  private gaveUp: ProbescopeError | undefined;
  private disposed = false;
  private readonly notificationHandlers = new Map<string, Set<Listener<unknown>>>();
  private readonly startListeners = new Set<Listener<number>>();
  private readonly giveUpListeners = new Set<Listener<WorkerGiveUpEvent>>();

  constructor(options: WorkerSupervisorOptions) {
    this.workerPath = options.workerPath;
    this.logger = options.logger;
    this.maxRestarts = options.maxRestarts ?? 5;
    this.windowMs = options.restartWindowMs ?? 180_000;
    this.shutdownTimeoutMs = options.shutdownTimeoutMs ?? 2_000;
    this.env = options.env;
  }

  /** The running worker's process id; undefined before the first request, after giving up, after dispose. */
  get pid(): number | undefined {
    return this.current?.pid;
  }

  /** True after too many crashes, until restart(). */
  get hasGivenUp(): boolean {
    return this.gaveUp !== undefined;
  }

  request<P, R, E>(type: RequestType<P, R, E>, params: P, token?: Cancellation): Promise<R> {
    if (isCancelled(token)) return Promise.reject(cancelledBeforeStart(type.method));
    let worker: WorkerProcess;
    try {
      worker = this.ensureStarted();
    } catch (err) {
      return Promise.reject(err);
    }
    return worker.send(type, params, token);
  }

  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): Disposable {
    let set = this.notificationHandlers.get(type.method);
    if (!set) this.notificationHandlers.set(type.method, (set = new Set()));
    const h = handler as Listener<unknown>;
    set.add(h);
    return { dispose: () => void set.delete(h) };
  }

  /** Fires with the new pid whenever a worker process starts (first request, crash restart, restart()). */
  onDidStart(listener: (pid: number) => void): Disposable {
    this.startListeners.add(listener);
    return { dispose: () => void this.startListeners.delete(listener) };
  }

  onDidGiveUp(listener: (event: WorkerGiveUpEvent) => void): Disposable {
    this.giveUpListeners.add(listener);
    return { dispose: () => void this.giveUpListeners.delete(listener) };
  }

  /** Starts the worker now (requests start it lazily anyway). */
  start(): void {
    this.ensureStarted();
  }

  /** Ends the current worker (requests in flight reject with CANCELLED), forgets past crashes, starts a fresh one. */
  async restart(): Promise<void> {
    if (this.disposed) throw new ProbescopeError('INTERNAL', 'The Probescope worker supervisor was disposed.');
    this.crashTimes = [];
    this.gaveUp = undefined;
    const old = this.current;
    this.current = undefined;
    if (old) await this.stop(old, 'restart');
    this.ensureStarted();
  }

  /** Ends the worker cleanly; later requests reject. Resolves once the process has exited. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const old = this.current;
    this.current = undefined;
    if (old) await this.stop(old, 'dispose');
    this.notificationHandlers.clear();
    this.startListeners.clear();
    this.giveUpListeners.clear();
  }

  private ensureStarted(): WorkerProcess {
    if (this.disposed) throw new ProbescopeError('INTERNAL', 'The Probescope worker supervisor was disposed.');
    if (this.gaveUp) throw this.gaveUp;
    if (this.current) return this.current;
    if (!existsSync(this.workerPath)) {
      throw new ProbescopeError(
        'WORKER_CRASHED',
        `The Probescope worker script ${this.workerPath} is missing. Rebuild the extension (npm run build) or reinstall it.`,
      );
    }
    const worker = new WorkerProcess(this.workerPath, this.logger, (m, p) => this.dispatch(m, p), this.env);
    this.current = worker;
    void worker.exited.then((exit) => this.onExit(worker, exit));
    const pid = worker.pid;
    this.logger.info(`Probescope worker started (pid ${pid ?? 'unknown'}).`);
    if (pid !== undefined) for (const l of [...this.startListeners]) this.safely(() => l(pid));
    return worker;
  }

  private async stop(worker: WorkerProcess, reason: 'restart' | 'dispose'): Promise<void> {
    worker.stopping = reason;
    worker.rejectPending((method) => stoppedWhileRunning(method, reason));
    const exit = await worker.stop(this.shutdownTimeoutMs);
    this.logger.info(`Probescope worker pid ${worker.pid} stopped (${describeExit(exit.code, exit.signal)}).`);
  }

  private onExit(worker: WorkerProcess, exit: ProcessExit): void {
    if (this.current === worker) this.current = undefined;
    if (worker.stopping) return;
    const how = describeExit(exit.code, exit.signal);
    const now = Date.now();
    this.crashTimes = [...this.crashTimes.filter((t) => now - t < this.windowMs), now];
    const crashes = this.crashTimes.length;
    this.logger.error(`Probescope worker pid ${worker.pid} stopped unexpectedly (${how}).`);
    if (crashes > this.maxRestarts && !this.disposed) {
      this.gaveUp = givenUp(crashes, this.windowMs);
      worker.rejectPending((method) => crashedAndGaveUp(method, how, crashes, this.windowMs));
      this.logger.error(this.gaveUp.message);
      const event: WorkerGiveUpEvent = {
        crashes,
        windowMs: this.windowMs,
        lastExit: how,
        message: this.gaveUp.message,
      };
      for (const l of [...this.giveUpListeners]) this.safely(() => l(event));
      return;
    }
    worker.rejectPending((method) => crashedWhileRunning(method, how));
    if (this.disposed || this.current) return;
    try {
      this.ensureStarted();
    } catch (err) {
      this.logger.error(`Could not restart the Probescope worker: ${(err as Error).message}`);
    }
  }

  private dispatch(method: string, params: unknown): void {
    if (method === Notifications.log.method) this.writeLog(params as LogEvent);
    for (const h of [...(this.notificationHandlers.get(method) ?? [])]) this.safely(() => h(params));
  }

  private writeLog(e: LogEvent): void {
    const line = `[worker] ${e.message}`;
    if (e.level === 'error') this.logger.error(line);
    else if (e.level === 'warn') this.logger.warn(line);
    else this.logger.info(line);
  }

  /** A throwing listener must not break supervision. */
  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logger.error(`Probescope worker listener failed: ${(err as Error).stack ?? String(err)}`);
    }
  }
}
