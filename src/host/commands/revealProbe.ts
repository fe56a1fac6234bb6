/** Reveal Probe Folder (Probes view): in the Explorer when inside the workspace, else in the OS file manager. */
import { revealFolder } from '../panels/trainingPanel';
import type { HostCommand } from './hostCommand';
import { probeDirFromArg } from './probeArg';

export const revealProbeCommand: HostCommand = {
  id: 'probescope.revealProbe',
  async run(_ctx, arg) {
    const dir = probeDirFromArg(arg);
    if (dir) await revealFolder(dir);
  },
};
