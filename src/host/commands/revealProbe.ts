/** Reveal Probe Folder (Probes view): in the Explorer when inside the workspace, else in the OS file manager. */
import { revealFolder } from '../panels/trainingPanel';
import type { HostCommand } from './hostCommand';
import { probeDirForCommand } from './probeArg';

export const revealProbeCommand: HostCommand = {
  id: 'probescope.revealProbe',
  async run(ctx, arg) {
    const dir = probeDirForCommand(ctx, arg);
    if (dir) await revealFolder(dir);
  },
};
