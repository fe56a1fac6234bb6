/**
 * Issue #8 on the real worker bundle: at start it finishes a probe save a killed process left half-swapped and logs
 * what it recovered; a training request whose outDir holds user files is refused (OUTPUT_REFUSED), files untouched.
 */
import assert from 'node:assert/strict';
import { spawnSync, fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc';
import { IPCMessageReader, IPCMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import { loadProbe, saveProbe } from '../../../src/core/probes/probeFile';
import { Notifications, Requests } from '../../../src/protocol/worker';
import { probeManifest, probeParams } from '../core/storage/helpers/probeFixture';
import { buildBundle, repoRoot } from './buildBundle';

describe('worker data safety', () => {
  let bundle: Awaited<ReturnType<typeof buildBundle>>;
  const stateDir = join(mkdtempSync(join(tmpdir(), 'ps-worker-state-')), 'state');
  before(async () => {
    bundle = await buildBundle('worker');
  });
  after(() => bundle.remove());

  test('a save killed between its renames is finished when the worker starts, and the log says so', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ps-worker-save-'));
    const dir = join(root, 'probe');
    process.env.PROBESCOPE_STATE_DIR = stateDir;
    try {
      await saveProbe(dir, probeParams(2, 1), probeManifest('old', 2));
    } finally {
      delete process.env.PROBESCOPE_STATE_DIR;
    }
    const env = { ...process.env, PROBESCOPE_STATE_DIR: stateDir };
    const killed = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'test/unit/core/storage/helpers/saveChild.ts'), dir, '3'],
      { cwd: repoRoot, env: { ...env, PROBESCOPE_TEST_KILL_AT: 'swap:after-move-old' } },
    );
    assert.equal(killed.signal, 'SIGKILL');
    assert.ok(!readdirSync(root).includes('probe'), 'no probe between the renames');

    const child = fork(bundle.path, [], { execArgv: [], env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    const logged = new Promise<string>((resolve) =>
      connection.onNotification(Notifications.log, (e) => {
        if (/^Recovered:/.test(e.message)) resolve(e.message);
      }),
    );
    connection.listen();
    try {
      assert.match(await logged, /Recovered: probe: finished an interrupted save/);
      assert.equal((await loadProbe(dir)).params.H, 3);
      assert.deepEqual(readdirSync(root), ['probe']);

      // Training into a folder with user files is refused before any work, and the files stay.
      const out = join(root, 'results');
      mkdirSync(out);
      writeFileSync(join(out, 'table.csv'), 'a,b\n');
      const data = join(root, 'data.jsonl');
      writeFileSync(data, ['{"text":"good","label":1}', '{"text":"bad","label":0}'].join('\n') + '\n');
      await assert.rejects(
        connection.sendRequest(Requests.trainProbe, {
          modelDir: join(repoRoot, 'models/tiny-gemma2'),
          dataPath: data,
          layer: 1,
          probe: 'mean',
          outDir: out,
          force: true,
        }),
        (e: unknown) => {
          assert.ok(e instanceof ResponseError, String(e));
          assert.equal((e.data as { code?: string }).code, 'OUTPUT_REFUSED');
          return true;
        },
      );
      assert.equal(readFileSync(join(out, 'table.csv'), 'utf8'), 'a,b\n');
    } finally {
      connection.dispose();
      child.kill('SIGKILL');
    }
  });
});
