/** Probescope: Show Log — the Probescope output channel (worker stderr and host log). */
import type { HostCommand } from './hostCommand';

export const showLogCommand: HostCommand = {
  id: 'probescope.showLog',
  run(ctx) {
    ctx.log.show();
  },
};
