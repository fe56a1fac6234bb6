/**
 * Delete Probe (Probes view), after a modal confirmation; to the trash where the platform has one. Only a folder that
 * holds just a probe is deleted (checkDeletableProbe), whatever path the command is given.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { checkDeletableProbe, PROBE_FILES } from '../../core/probes/probeOutput';
import { removeOwnFolder } from '../../core/storage/folderSwap';
import { reportError } from '../workerErrors';
import type { HostCommand } from './hostCommand';
import { probeDirForCommand } from './probeArg';

export const deleteProbeCommand: HostCommand = {
  id: 'probescope.deleteProbe',
  async run(ctx, arg) {
    const dir = probeDirForCommand(ctx, arg);
    if (!dir) return;
    try {
      // A path argument could name any folder: only a folder holding just a probe is ever deleted.
      await checkDeletableProbe(dir);
    } catch (err) {
      reportError(ctx, `Deleting ${path.basename(dir)} refused`, err);
      return;
    }
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
        // No trash: remove the probe's own files one by one, then the (then empty) folder; never recursively.
        await checkDeletableProbe(dir);
        if (!(await removeOwnFolder(dir, PROBE_FILES)))
          throw new Error(`${dir} is not empty after removing the probe files`);
      }
      if (ctx.state.current.activeProbe === dir) await ctx.activeProbe.set(undefined);
      ctx.probes.refresh();
    } catch (err) {
      reportError(ctx, `Deleting ${path.basename(dir)} failed`, err);
    }
  },
};
