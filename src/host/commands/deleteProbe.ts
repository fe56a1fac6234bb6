/** Delete Probe (Probes view), after a modal confirmation; to the trash where the platform has one. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { reportError } from '../workerErrors';
import type { HostCommand } from './hostCommand';
import { probeDirForCommand } from './probeArg';

export const deleteProbeCommand: HostCommand = {
  id: 'probescope.deleteProbe',
  async run(ctx, arg) {
    const dir = probeDirForCommand(ctx, arg);
    if (!dir) return;
    const choice = await vscode.window.showWarningMessage(
      `Delete the probe "${path.basename(dir)}"?`,
      { modal: true, detail: dir },
      'Delete',
    );
    if (choice !== 'Delete') return;
    const uri = vscode.Uri.file(dir);
    try {
      try {
        await vscode.workspace.fs.delete(uri, { recursive: true, useTrash: true });
      } catch {
        await vscode.workspace.fs.delete(uri, { recursive: true, useTrash: false });
      }
      if (ctx.state.current.activeProbe === dir) await ctx.activeProbe.set(undefined);
      ctx.probes.refresh();
    } catch (err) {
      reportError(ctx, `Deleting ${path.basename(dir)} failed`, err);
    }
  },
};
