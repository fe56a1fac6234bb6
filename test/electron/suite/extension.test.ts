/** Runs inside a real VS Code extension host (Electron): the extension activates, registers its commands and talks to its worker. */
import assert from 'node:assert/strict';
import * as vscode from 'vscode';

const extensionId = 'probescope.probescope';

interface VersionResult {
  version: string;
  onnxruntime: string;
  pid: number;
}

describe('Probescope in the VS Code extension host', () => {
  before(async () => {
    const ext = vscode.extensions.getExtension(extensionId);
    assert.ok(ext, `${extensionId} is not installed in the test host`);
    await ext.activate();
  });

  it('registers every command its manifest contributes', async () => {
    const ext = vscode.extensions.getExtension(extensionId)!;
    const contributed = (ext.packageJSON.contributes.commands as { command: string }[]).map((c) => c.command);
    assert.ok(contributed.includes('probescope.showWorkerVersion'));
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(
      contributed.filter((id) => !registered.has(id)),
      [],
    );
  });

  it('Show Worker Version answers from a live worker process with the package and onnxruntime versions', async () => {
    const ext = vscode.extensions.getExtension(extensionId)!;
    const v = await vscode.commands.executeCommand<VersionResult | undefined>('probescope.showWorkerVersion');
    assert.ok(v, 'the command returned nothing (see the Probescope output channel)');
    assert.equal(v.version, ext.packageJSON.version);
    assert.match(v.onnxruntime, /^\d+\.\d+\.\d+/);
    assert.notEqual(v.pid, process.pid);
    assert.equal(process.kill(v.pid, 0), true);
  });
});
