/** Probescope: Clear Attention Overlay (also Escape while the overlay is visible). */
import type { HostCommand } from './hostCommand';

export const clearOverlayCommand: HostCommand = {
  id: 'probescope.clearOverlay',
  run(ctx) {
    ctx.overlay.clear();
  },
};
