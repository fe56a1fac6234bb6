/**
 * Restricted mode: an ONNX model folder inside an untrusted workspace is not loaded silently. The user is told why
 * and offered the bundled model or the trust editor.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';

export function isInsideWorkspace(p: string): boolean {
  const target = path.resolve(p);
  return (vscode.workspace.workspaceFolders ?? []).some((f) => {
    const rel = path.relative(f.uri.fsPath, target);
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  });
}

/** True when the folder may be loaded now; otherwise explains, and returns 'bundled' if the user picks that. */
export async function checkModelTrust(dir: string): Promise<'ok' | 'bundled' | 'refused'> {
  if (vscode.workspace.isTrusted || !isInsideWorkspace(dir)) return 'ok';
  const choice = await vscode.window.showWarningMessage(
    `Probescope does not load the model in "${dir}" because this workspace is in Restricted Mode: a model folder ` +
      'from an untrusted workspace is code-adjacent (custom graphs, tokenizers). Trust the workspace to use it, or ' +
      'use the bundled tiny model.',
    { modal: true },
    'Use Bundled Model',
    'Manage Workspace Trust',
  );
  if (choice === 'Use Bundled Model') return 'bundled';
  if (choice === 'Manage Workspace Trust') await vscode.commands.executeCommand('workbench.trust.manage');
  return 'refused';
}
