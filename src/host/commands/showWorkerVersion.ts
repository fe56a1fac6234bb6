/** Probescope: Show Worker Version — `Probescope worker <version> · onnxruntime <v> · pid <pid>`. */
import * as vscode from 'vscode';
import { Requests } from '../../protocol/worker';
import { reportError } from '../workerErrors';
import type { HostCommand } from './hostCommand';

export const showWorkerVersionCommand: HostCommand = {
  id: 'probescope.showWorkerVersion',
  async run(ctx) {
    try {
      const v = await ctx.worker.request(Requests.version, undefined);
      const message = `Probescope worker ${v.version} · onnxruntime ${v.onnxruntime} · pid ${v.pid}`;
      ctx.log.info(`${message} · node ${v.node} · backends ${v.backends.map((b) => b.name).join(', ')}`);
      ctx.state.update({ workerPid: v.pid });
      void vscode.window.showInformationMessage(message);
      return v;
    } catch (err) {
      reportError(ctx, 'The worker did not answer', err);
      return undefined;
    }
  },
};
