/** layerSweep: test accuracy for every (layer, probe kind); activations for all layers are extracted once. */
import * as path from 'node:path';
import type { LayerSweepParams, LayerSweepPoint } from '../../protocol/types';
import { readDatasetForModel } from '../chat/chatDataset';
import { throwIfAborted } from '../errors';
import { buildActivations, defaultCacheDir } from './probeData';
import { cachedModelFolder } from './runtime';
import { trainProbeRun, type TrainHooks } from './trainProbe';

export async function layerSweep(
  params: LayerSweepParams,
  hooks: TrainHooks = {},
): Promise<{ points: LayerSweepPoint[] }> {
  const folder = await cachedModelFolder(params.modelDir);
  const ds = await readDatasetForModel(
    params.dataPath,
    { textField: params.textField, labelField: params.labelField, chat: params.chat },
    folder.dir,
  );
  const outDir = path.resolve(params.outDir);
  const cache = await buildActivations(
    folder,
    params.layers,
    ds.texts,
    {
      cacheDir: params.cacheDir ?? defaultCacheDir(path.join(outDir, 'x')),
      maxLength: params.maxLength,
      executionProvider: params.executionProvider,
      batchSize: params.batchSize,
    },
    hooks,
  );
  const points: LayerSweepPoint[] = [];
  const total = params.layers.length * params.kinds.length;
  try {
    for (const layer of params.layers) {
      for (const kind of params.kinds) {
        throwIfAborted(hooks.signal);
        hooks.onProgress?.({ phase: 'sweep', done: points.length, total, message: `layer ${layer}, ${kind.probe}` });
        const heads = kind.probe === 'attention' ? (kind.heads ?? 8) : 1;
        const r = await trainProbeRun(
          {
            ...params,
            layer,
            probe: kind.probe,
            heads,
            outDir: path.join(outDir, `layer-${layer}-${kind.probe}${kind.probe === 'attention' ? `-${heads}h` : ''}`),
          },
          { signal: hooks.signal, onLog: hooks.onLog },
          { cache },
        );
        points.push({
          layer,
          probe: kind.probe,
          heads,
          accuracy: r.test.accuracy,
          rocAuc: r.test.roc_auc,
          outDir: r.outDir,
        });
      }
    }
  } finally {
    cache.close();
  }
  hooks.onProgress?.({ phase: 'sweep', done: total, total });
  return { points };
}
