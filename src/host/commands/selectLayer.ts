/** Probescope: Select Layer — the residual layer used by default for training (layerSemantics.ts: L = after block L). */
import { ModelSelection } from '../model/modelSelection';
import type { HostCommand } from './hostCommand';
import { pickLayer } from './quickPicks';

export const selectLayerCommand: HostCommand = {
  id: 'probescope.selectLayer',
  async run(ctx) {
    const m = ctx.model.current();
    const layer = await pickLayer(
      await ModelSelection.numLayers(m.dir),
      m.layer,
      { title: 'Probescope: Select Layer' },
      false,
    );
    if (layer !== undefined) await ctx.model.setLayer(layer);
  },
};
