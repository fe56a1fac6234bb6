/** Refresh the Probes view (it also refreshes on probe.json changes in the probes folder). */
import type { HostCommand } from './hostCommand';

export const refreshProbesCommand: HostCommand = {
  id: 'probescope.refreshProbes',
  run(ctx) {
    ctx.probes.refresh();
  },
};
