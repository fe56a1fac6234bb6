/** WorkerSupervisor against the real worker bundle: lazy start, cancellation, crashes, the give-up rule, shutdown. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ProbescopeError } from '../../../../src/core/errors';
import { WorkerSupervisor, type WorkerGiveUpEvent } from '../../../../src/host/worker/workerSupervisor';
import { Notifications, Requests, type ProgressEvent } from '../../../../src/protocol/worker';
import { buildBundle } from '../../worker/buildBundle';

class CapturingLogger {
  readonly info: string[] = [];
  readonly warn: string[] = [];
  readonly error: string[] = [];
  readonly output: string[] = [];
  readonly logger = {
    info: (m: string) => void this.info.push(m),
    warn: (m: string) => void this.warn.push(m),
    error: (m: string) => void this.error.push(m),
    append: (chunk: string) => void this.output.push(chunk),
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Fails instead of hanging when `p` does not settle within `ms` (a hang guard, not a speed target). */
async function settledWithin<T>(p: Promise<T>, ms: number, what: string): Promise<{ value?: T; error?: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([
      p.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
      guard,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves with the first progress event of `progressId`, so a test acts while the task is surely running. */
function firstProgress(worker: WorkerSupervisor, progressId: string): Promise<ProgressEvent> {
  return new Promise((resolve) => {
    const sub = worker.onNotification(Notifications.progress, (e) => {
      if (e.progressId !== progressId) return;
      sub.dispose();
      resolve(e);
    });
  });
}

function nextStart(worker: WorkerSupervisor): Promise<number> {
  return new Promise((resolve) => {
    const sub = worker.onDidStart((pid) => {
      sub.dispose();
      resolve(pid);
    });
  });
}

describe('WorkerSupervisor with the real worker', () => {
  let bundle: Awaited<ReturnType<typeof buildBundle>>;
  const supervisors: WorkerSupervisor[] = [];
  const make = (opts: Partial<ConstructorParameters<typeof WorkerSupervisor>[0]> = {}) => {
    const logger = new CapturingLogger();
    const worker = new WorkerSupervisor({ workerPath: bundle.path, logger: logger.logger, ...opts });
    supervisors.push(worker);
    return { worker, logger };
  };

  before(async () => {
    bundle = await buildBundle('worker');
  });
  after(async () => {
    await Promise.all(supervisors.map((s) => s.dispose()));
    bundle.remove();
  });

  test('starts the worker lazily on the first request and reports its pid', async () => {
    const { worker, logger } = make();
    assert.equal(worker.pid, undefined);
    const started = nextStart(worker);
    const v = await worker.request(Requests.version, undefined);
    assert.equal(v.pid, worker.pid);
    assert.equal(await started, v.pid);
    assert.ok(logger.info.some((m) => m.includes(`pid ${v.pid}`)));
    const p = await worker.request(Requests.ping, { payload: 'round trip' });
    assert.deepEqual(p, { payload: 'round trip', pid: v.pid });
  });

  test('forwards progress notifications to subscribers until they unsubscribe', async () => {
    const { worker } = make();
    const seen: number[] = [];
    const sub = worker.onNotification(Notifications.progress, (e) => void seen.push(e.done));
    await worker.request(Requests.longTask, { steps: 3, stepMs: 1, progressId: 'a' });
    sub.dispose();
    await worker.request(Requests.longTask, { steps: 2, stepMs: 1, progressId: 'b' });
    assert.deepEqual(seen, [1, 2, 3]);
  });

  test('an AbortSignal cancels longTask with CANCELLED and the same worker answers the next ping', async () => {
    const { worker } = make();
    const controller = new AbortController();
    const running = worker.request(
      Requests.longTask,
      { steps: 400, stepMs: 25, progressId: 'abort' },
      controller.signal,
    );
    await firstProgress(worker, 'abort');
    const pid = worker.pid;
    controller.abort();
    const { error } = await settledWithin(running, 5_000, 'cancelled longTask');
    assert.ok(error instanceof ProbescopeError);
    assert.equal(error.code, 'CANCELLED');
    assert.equal((await worker.request(Requests.ping, { payload: 'still here' })).pid, pid);
  });

  test('a vscode-style CancellationToken cancels too, and one already cancelled never starts the request', async () => {
    const { worker } = make();
    const listeners: (() => void)[] = [];
    const token = {
      isCancellationRequested: false,
      onCancellationRequested(l: () => void) {
        listeners.push(l);
        return { dispose: () => undefined };
      },
    };
    const running = worker.request(Requests.longTask, { steps: 400, stepMs: 25, progressId: 'tok' }, token);
    await firstProgress(worker, 'tok');
    token.isCancellationRequested = true;
    listeners.forEach((l) => l());
    const { error } = await settledWithin(running, 5_000, 'cancelled longTask');
    assert.equal((error as ProbescopeError).code, 'CANCELLED');

    const fresh = make().worker;
    const pre = await fresh.request(Requests.ping, { payload: 'x' }, AbortSignal.abort()).catch((e: unknown) => e);
    assert.equal((pre as ProbescopeError).code, 'CANCELLED');
    assert.equal(fresh.pid, undefined, 'a pre-cancelled request must not even start the worker');
  });

  test('worker errors keep their ProbescopeError code and message', async () => {
    const { worker } = make();
    const err = await worker
      .request(Requests.longTask, { steps: 1.5, stepMs: 0, progressId: 'e' })
      .catch((e: unknown) => e);
    assert.ok(err instanceof ProbescopeError);
    assert.equal(err.code, 'BAD_ARGUMENT');
    assert.match(err.message, /whole number of steps/);
  });

  test('SIGKILL mid-longTask rejects the pending request promptly with WORKER_CRASHED; the next request runs on a new pid', async () => {
    const { worker, logger } = make();
    const running = worker.request(Requests.longTask, { steps: 400, stepMs: 25, progressId: 'kill' });
    await firstProgress(worker, 'kill');
    const oldPid = worker.pid!;
    const restarted = nextStart(worker);
    process.kill(oldPid, 'SIGKILL');
    const { error } = await settledWithin(running, 2_000, 'request of a killed worker');
    assert.ok(error instanceof ProbescopeError);
    assert.equal(error.code, 'WORKER_CRASHED', error.message);
    assert.equal(
      error.message,
      'The Probescope worker stopped unexpectedly (signal SIGKILL) while running a diagnostic task. It has been restarted; run the command again.',
    );
    const newPid = await restarted;
    assert.notEqual(newPid, oldPid);
    const p = await worker.request(Requests.ping, { payload: 'again' });
    assert.equal(p.pid, newPid);
    assert.ok(logger.error.some((m) => m.includes(`pid ${oldPid} stopped unexpectedly (signal SIGKILL)`)));
  });

  test('notification subscriptions survive a crash restart', async () => {
    const { worker } = make();
    const seen: string[] = [];
    worker.onNotification(Notifications.progress, (e) => void seen.push(`${e.progressId}:${e.done}`));
    await worker.request(Requests.longTask, { steps: 1, stepMs: 0, progressId: 'before' });
    const restarted = nextStart(worker);
    process.kill(worker.pid!, 'SIGKILL');
    await restarted;
    await worker.request(Requests.longTask, { steps: 1, stepMs: 0, progressId: 'after' });
    assert.deepEqual(seen, ['before:1', 'after:1']);
  });

  test('six crashes within the window make it give up with a clear error and one event; restart() resets it', async () => {
    const { worker } = make({ maxRestarts: 5, restartWindowMs: 180_000 });
    const giveUps: WorkerGiveUpEvent[] = [];
    worker.onDidGiveUp((e) => void giveUps.push(e));
    await worker.request(Requests.ping, { payload: '0' });
    for (let i = 1; i <= 5; i++) {
      const restarted = nextStart(worker);
      process.kill(worker.pid!, 'SIGKILL');
      await settledWithin(restarted, 5_000, `restart after crash ${i}`);
    }
    assert.equal(giveUps.length, 0, 'five crashes are still restarted');
    const running = worker.request(Requests.longTask, { steps: 400, stepMs: 25, progressId: 'last' });
    await firstProgress(worker, 'last');
    const lastPid = worker.pid!;
    process.kill(lastPid, 'SIGKILL');
    const { error } = await settledWithin(running, 2_000, 'request of the sixth crash');
    assert.equal((error as ProbescopeError).code, 'WORKER_CRASHED');
    assert.match((error as Error).message, /while running a diagnostic task\. It stopped 6 times within 3 minutes/);
    assert.match((error as Error).message, /"Probescope: Restart Worker"/);
    assert.equal(giveUps.length, 1);
    assert.equal(giveUps[0]!.crashes, 6);
    assert.equal(giveUps[0]!.lastExit, 'signal SIGKILL');
    assert.equal(worker.pid, undefined);
    assert.equal(worker.hasGivenUp, true);

    const refused = await worker.request(Requests.ping, { payload: 'x' }).catch((e: unknown) => e);
    assert.equal((refused as ProbescopeError).code, 'WORKER_CRASHED');
    assert.match((refused as Error).message, /not running\. It stopped 6 times within 3 minutes.*Restart Worker/);

    await worker.restart();
    assert.equal(worker.hasGivenUp, false);
    const p = await worker.request(Requests.ping, { payload: 'back' });
    assert.notEqual(p.pid, lastPid);
  });

  test('restart() replaces a healthy worker and cancels what it was running', async () => {
    const { worker } = make();
    const running = worker.request(Requests.longTask, { steps: 400, stepMs: 25, progressId: 'r' });
    await firstProgress(worker, 'r');
    const oldPid = worker.pid!;
    const outcome = settledWithin(running, 5_000, 'request of a restarted worker');
    await worker.restart();
    const { error } = await outcome;
    assert.equal((error as ProbescopeError).code, 'CANCELLED');
    assert.match((error as Error).message, /restarted while running a diagnostic task/);
    assert.equal(alive(oldPid), false);
    assert.notEqual(worker.pid, oldPid);
    assert.equal((await worker.request(Requests.ping, { payload: 'p' })).pid, worker.pid);
  });

  test('cancelling a request after dispose() closed the channel neither throws nor touches the channel', async () => {
    const { worker, logger } = make();
    const listeners: (() => void)[] = [];
    let subscribed = 0;
    const token = {
      isCancellationRequested: false,
      onCancellationRequested(l: () => void) {
        listeners.push(l);
        subscribed++;
        return { dispose: () => void subscribed-- };
      },
    };
    const running = worker.request(Requests.longTask, { steps: 400, stepMs: 25, progressId: 'late' }, token);
    await firstProgress(worker, 'late');
    const outcome = settledWithin(running, 5_000, 'request of a disposed worker');
    await worker.dispose();
    const { error } = await outcome;
    assert.equal((error as ProbescopeError).code, 'CANCELLED');
    assert.doesNotMatch((error as Error).message, /probescope\//, 'no protocol method name in the message');
    // A window reload: the training panel stops its run after the worker went away.
    assert.equal(subscribed, 0, 'the ended request no longer listens to its token');
    token.isCancellationRequested = true;
    assert.doesNotThrow(() => listeners.forEach((l) => l()));
    assert.deepEqual(
      [...logger.warn, ...logger.error].filter((m) => /closed|disposed/i.test(m)),
      [],
    );
  });

  test('dispose() ends the worker process and later requests reject', async () => {
    const { worker } = make();
    const { pid } = await worker.request(Requests.ping, { payload: 'p' });
    assert.equal(alive(pid), true);
    await worker.dispose();
    assert.equal(alive(pid), false);
    assert.equal(worker.pid, undefined);
    await assert.rejects(worker.request(Requests.ping, { payload: 'p' }), /disposed/);
  });

  test('dispose() falls back to SIGTERM when a busy worker does not exit after its channel closes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'probescope-worker-'));
    const preload = join(dir, 'busy.cjs');
    // 100 ms after its first request the worker's event loop blocks for 20 s, so it cannot notice the closed channel.
    writeFileSync(
      preload,
      `process.once('message', () => setTimeout(() => { const end = Date.now() + 20000; while (Date.now() < end); }, 100));`,
    );
    try {
      const { worker, logger } = make({
        env: { ...process.env, NODE_OPTIONS: `--require ${preload}` },
        shutdownTimeoutMs: 300,
      });
      const { pid } = await worker.request(Requests.ping, { payload: 'p' });
      await new Promise((r) => setTimeout(r, 400));
      await settledWithin(worker.dispose(), 5_000, 'dispose of a busy worker');
      assert.equal(alive(pid), false);
      assert.ok(logger.warn.some((m) => m.includes('sending SIGTERM')));
      assert.ok(logger.info.some((m) => m.includes(`pid ${pid} stopped (signal SIGTERM)`)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an uncaught exception in the worker reaches the log via stderr and counts as a crash (exit code 70), then it restarts', async () => {
    // A preload that throws once, 100 ms after the first request arrives; the marker file keeps the restart healthy.
    const dir = mkdtempSync(join(tmpdir(), 'probescope-worker-'));
    const preload = join(dir, 'throw-once.cjs');
    const marker = join(dir, 'thrown');
    writeFileSync(
      preload,
      `const fs = require('node:fs');
if (!fs.existsSync(${JSON.stringify(marker)})) {
  fs.writeFileSync(${JSON.stringify(marker)}, '');
  process.once('message', () => setTimeout(() => { throw new Error('boom from the preload'); }, 100));
}`,
    );
    try {
      const { worker, logger } = make({ env: { ...process.env, NODE_OPTIONS: `--require ${preload}` } });
      const running = worker.request(Requests.longTask, { steps: 400, stepMs: 25, progressId: 'boom' });
      const firstPid = worker.pid;
      const restarted = nextStart(worker);
      const { error } = await settledWithin(running, 10_000, 'request of a worker that threw');
      assert.equal((error as ProbescopeError).code, 'WORKER_CRASHED');
      assert.match((error as Error).message, /stopped unexpectedly \(exit code 70\) while running a diagnostic task/);
      const stderr = logger.output.join('');
      assert.match(stderr, /\[worker\] uncaught exception, exiting: Error: boom from the preload/);
      const newPid = await restarted;
      assert.notEqual(newPid, firstPid);
      assert.equal((await worker.request(Requests.ping, { payload: 'p' })).pid, newPid);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a missing worker script rejects with a message naming the path', async () => {
    const worker = new WorkerSupervisor({
      workerPath: '/nonexistent/dist/worker.js',
      logger: new CapturingLogger().logger,
    });
    const err = await worker.request(Requests.ping, { payload: 'p' }).catch((e: unknown) => e);
    assert.equal((err as ProbescopeError).code, 'WORKER_CRASHED');
    assert.match((err as Error).message, /\/nonexistent\/dist\/worker\.js is missing/);
  });
});
