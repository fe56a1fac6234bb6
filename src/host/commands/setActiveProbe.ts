/** Set as Active Probe (Probes view): the probe Classify Selection uses in this workspace. */
import { readProbeManifest } from '../tree/probeFolder';
import type { HostCommand } from './hostCommand';
import { probeDirForCommand } from './probeArg';
import * as vscode from 'vscode';

export const setActiveProbeCommand: HostCommand = {
  id: 'probescope.setActiveProbe',
  async run(ctx, arg) {
    const dir = probeDirForCommand(ctx, arg);
    if (!dir) return;
    if (!(await readProbeManifest(dir))) {
      void vscode.window.showErrorMessage(`Probescope: ${dir} holds no probe.json; pick a probe from the Probes view.`);
      return;
    }
    await ctx.activeProbe.set(dir);
  },
};
