/** The real worker bundle, driven over jsonrpc/IPC exactly as the host drives it, without the supervisor. */
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { CancellationTokenSource, ResponseError, type MessageConnection } from 'vscode-jsonrpc';
import { IPCMessageReader, IPCMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import { Notifications, Requests, type ProgressEvent } from '../../../src/protocol/worker';
import { version as packageVersion } from '../../../package.json';
import { buildBundle } from './buildBundle';

function startWorker(path: string): { child: ChildProcess; connection: MessageConnection } {
  const child = fork(path, [], { execArgv: [], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  connection.listen();
  return { child, connection };
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

describe('worker process over jsonrpc', () => {
  let bundle: Awaited<ReturnType<typeof buildBundle>>;
  let child: ChildProcess;
  let connection: MessageConnection;

  before(async () => {
    bundle = await buildBundle('worker');
    ({ child, connection } = startWorker(bundle.path));
  });
  after(() => {
    connection.dispose();
    child.kill('SIGKILL');
    bundle.remove();
  });

  test('version reports the package version, onnxruntime 1.30, the cpu backend and the worker pid', async () => {
    const v = await connection.sendRequest(Requests.version, undefined);
    assert.equal(v.version, packageVersion);
    assert.match(v.onnxruntime, /^1\.30\./);
    assert.equal(v.node, process.versions.node);
    assert.equal(v.pid, child.pid);
    assert.deepEqual(
      v.backends.find((b) => b.name === 'cpu'),
      { name: 'cpu', bundled: true },
    );
  });

  test('ping echoes its payload with the worker pid', async () => {
    const r = await connection.sendRequest(Requests.ping, { payload: 'héllo ✓' });
    assert.deepEqual(r, { payload: 'héllo ✓', pid: child.pid });
  });

  test('longTask sends one progress notification per step, in order, then returns the step count', async () => {
    const events: ProgressEvent[] = [];
    const sub = connection.onNotification(Notifications.progress, (e) => {
      if (e.progressId === 'count') events.push(e);
    });
    const r = await connection.sendRequest(Requests.longTask, { steps: 4, stepMs: 5, progressId: 'count' });
    sub.dispose();
    assert.deepEqual(r, { completed: 4 });
    assert.deepEqual(
      events.map((e) => [e.phase, e.done, e.total]),
      [
        ['test', 1, 4],
        ['test', 2, 4],
        ['test', 3, 4],
        ['test', 4, 4],
      ],
    );
  });

  test('cancelling longTask rejects with data.code CANCELLED long before it would finish; the worker keeps serving', async () => {
    const source = new CancellationTokenSource();
    let steps = 0;
    const sub = connection.onNotification(Notifications.progress, (e) => {
      if (e.progressId === 'cancel' && ++steps === 2) source.cancel();
    });
    const started = Date.now();
    const err = await connection
      .sendRequest(Requests.longTask, { steps: 400, stepMs: 25, progressId: 'cancel' }, source.token)
      .then(
        () => assert.fail('longTask finished despite cancellation'),
        (e: unknown) => e,
      );
    sub.dispose();
    assert.ok(err instanceof ResponseError);
    assert.deepEqual(err.data, { code: 'CANCELLED' });
    assert.ok(Date.now() - started < 400 * 25, 'cancellation must stop the loop, not wait for it');
    assert.ok(steps < 400);
    const r = await connection.sendRequest(Requests.ping, { payload: 'after' });
    assert.equal(r.pid, child.pid);
  });

  test('a ProbescopeError in a handler arrives as a ResponseError carrying its code and message', async () => {
    const err = await connection.sendRequest(Requests.longTask, { steps: -1, stepMs: 1, progressId: 'bad' }).then(
      () => assert.fail('negative steps were accepted'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ResponseError);
    assert.deepEqual(err.data, { code: 'BAD_ARGUMENT' });
    assert.match(err.message, /whole number of steps/);
  });

  test('the worker exits on its own when the host closes the IPC channel', async () => {
    const other = startWorker(bundle.path);
    await other.connection.sendRequest(Requests.ping, { payload: 'x' });
    const exit = exitOf(other.child);
    other.child.disconnect();
    assert.deepEqual(await exit, { code: 0, signal: null });
    other.connection.dispose();
  });
});
