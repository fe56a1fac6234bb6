/** Probescope: Restart Worker — ends the worker (requests in flight are cancelled) and starts a fresh one. */
import * as vscode from 'vscode';
import { reportError } from '../workerErrors';
import type { HostCommand } from './hostCommand';

export const restartWorkerCommand: HostCommand = {
  id: 'probescope.restartWorker',
  async run(ctx) {
    try {
      await ctx.worker.restart();
      ctx.state.update({ workerPid: ctx.worker.pid ?? null, lastError: null });
      void vscode.window.showInformationMessage(`Probescope: worker restarted (pid ${ctx.worker.pid ?? '?'}).`);
    } catch (err) {
      reportError(ctx, 'Restarting the worker failed', err);
    }
  },
};
