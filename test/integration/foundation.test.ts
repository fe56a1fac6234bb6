/**
 * Foundation in the real host: the extension installed from its platform VSIX into code-server (VS Code 1.100) runs
 * its worker with the packaged native onnxruntime-node, and reports through notifications and its output channel.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test, type TestContext } from 'node:test';
import {
  capturingFailures,
  hostSkipReason,
  listVsix,
  openHost,
  runCommand,
  screenshot,
  showOutputChannel,
  waitForNotification,
  type Host,
} from './harness';

describe('Probescope installed from its VSIX in code-server', { skip: hostSkipReason() }, () => {
  let host: Host;
  let workerPid = 0;
  before(async () => {
    host = await openHost({ files: { 'notes.txt': 'The movie was wonderful.\n' } });
  });
  after(async () => {
    await host?.close();
  });

  const step = (t: TestContext, body: () => Promise<void>) => capturingFailures(host, t, body);

  test('the VSIX holds the bundles, the tiny model, the examples and only the linux-x64 onnxruntime binaries', () => {
    const entries = listVsix(host.vsix)
      .filter((e) => e.startsWith('extension/'))
      .map((e) => e.slice('extension/'.length));
    for (const f of [
      'package.json',
      'dist/extension.js',
      'dist/worker.js',
      'dist/cli.js',
      'models/tiny-gemma2/model.onnx',
      'models/tiny-gemma2/tokenizer.json',
      'models/tiny-gemma2/config.json',
      'examples/span-sentiment.jsonl',
      'node_modules/onnxruntime-node/package.json',
      'node_modules/onnxruntime-node/dist/index.js',
      'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node',
      'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1',
      'node_modules/onnxruntime-common/package.json',
      'node_modules/onnxruntime-common/dist/cjs/index.js',
    ]) {
      assert.ok(entries.includes(f), `${f} is missing from the VSIX`);
    }
    assert.ok(
      entries.some((e) => e.startsWith('media/')),
      'media/ is missing',
    );
    const packages = new Set(entries.filter((e) => e.startsWith('node_modules/')).map((e) => e.split('/')[1]));
    assert.deepEqual([...packages].sort(), ['onnxruntime-common', 'onnxruntime-node']);
    const binaries = entries.filter((e) => e.startsWith('node_modules/onnxruntime-node/bin/'));
    assert.deepEqual(
      binaries.filter((e) => !e.startsWith('node_modules/onnxruntime-node/bin/napi-v6/linux/x64/')),
      [],
    );
    const unwanted = entries.filter((e) =>
      /^(src|test|webview|bench|scripts|\.ci|\.code-server)\/|\.map$|\.ts$/.test(e),
    );
    assert.deepEqual(unwanted, []);
  });

  test('"Show Worker Version" from the palette shows the worker and onnxruntime versions', async (t) => {
    await step(t, async () => {
      const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
        version: string;
      };
      const ortVersion = (
        JSON.parse(
          readFileSync(new URL('../../node_modules/onnxruntime-node/package.json', import.meta.url), 'utf8'),
        ) as {
          version: string;
        }
      ).version;
      await runCommand(host.page, 'Probescope: Show Worker Version');
      const text = await waitForNotification(host.page, /Probescope worker \S+ · onnxruntime \S+ · pid \d+/, 60_000);
      assert.ok(text.includes(`Probescope worker ${manifest.version} · onnxruntime ${ortVersion} · pid `), text);
      workerPid = Number(/pid (\d+)/.exec(text)![1]);
      await screenshot(host.page, 'foundation-worker-version');
    });
  });

  test('the worker runs the native onnxruntime that was installed from the VSIX', () => {
    assert.ok(workerPid > 0, 'needs the pid from the previous test');
    // /proc/<pid>/maps lists the shared objects the process has loaded, with their paths.
    const maps = readFileSync(`/proc/${workerPid}/maps`, 'utf8');
    const binding = maps.split('\n').find((l) => l.includes('onnxruntime_binding.node'));
    assert.ok(binding, 'the worker has not loaded onnxruntime_binding.node');
    assert.ok(binding.includes(`${host.extensionsDir}/probescope.probescope-`), binding);
  });

  test('the "Probescope" output channel shows the worker log', async (t) => {
    await step(t, async () => {
      const text = await showOutputChannel(host.page, 'Probescope', /onnxruntime/);
      // The supervisor's start line and the version line, both about the worker that answered.
      assert.ok(text.includes(`Probescope worker started (pid ${workerPid})`), text);
      assert.match(text, new RegExp(`onnxruntime \\S+ · pid ${workerPid}`));
      await screenshot(host.page, 'foundation-output-channel');
    });
  });
});
