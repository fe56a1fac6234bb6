/**
 * Probescope: Show Worker Version — `Probescope worker <version> · onnxruntime <v> · pid <pid> · runs on cpu · not
 * available: webgpu (why); cuda (why)…`: only what can run here is listed as such, the rest with the reason.
 */
import * as vscode from 'vscode';
import { describeProviders } from '../../protocol/providerText';
import { Requests } from '../../protocol/worker';
import { reportError } from '../workerErrors';
import type { HostCommand } from './hostCommand';

export const showWorkerVersionCommand: HostCommand = {
  id: 'probescope.showWorkerVersion',
  async run(ctx) {
    try {
      const v = await ctx.worker.request(Requests.version, undefined);
      const providers = v.executionProviders ? ` · ${describeProviders(v.executionProviders)}` : '';
      const message = `Probescope worker ${v.version} · onnxruntime ${v.onnxruntime} · pid ${v.pid}${providers}`;
      ctx.log.info(`${message} · node ${v.node}`);
      ctx.state.update({ workerPid: v.pid });
      void vscode.window.showInformationMessage(message);
      return v;
    } catch (err) {
      reportError(ctx, 'The worker did not answer', err);
      return undefined;
    }
  },
};
