/**
 * Probescope: Restart Worker — ends the worker (requests in flight are cancelled) and starts a fresh one. While a
 * training run or layer sweep is active it asks first, then stops the run the way the panel's Stop does (the worker
 * saves the best probe so far) and restarts once the run has ended.
 */
import * as vscode from 'vscode';
import { reportError } from '../workerErrors';
import type { HostCommand } from './hostCommand';

export const restartWorkerCommand: HostCommand = {
  id: 'probescope.restartWorker',
  async run(ctx) {
    if (ctx.trainingPanel.running) {
      const choice = await vscode.window.showWarningMessage(
        'A Probescope training run is in progress. Restarting the worker stops it; the best probe so far is kept, as with Stop.',
        { modal: true },
        'Stop Run and Restart',
      );
      if (choice !== 'Stop Run and Restart') return;
      await ctx.trainingPanel.stopAndWait();
    }
    try {
      await ctx.worker.restart();
      ctx.state.update({ workerPid: ctx.worker.pid ?? null, lastError: null });
      void vscode.window.showInformationMessage(`Probescope: worker restarted (pid ${ctx.worker.pid ?? '?'}).`);
    } catch (err) {
      reportError(ctx, 'Restarting the worker failed', err);
    }
  },
};
