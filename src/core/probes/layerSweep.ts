/**
 * layerSweep: test accuracy (with its 95 % interval) and validation score for every (layer, probe kind); activations for
 * all layers are extracted once. bestSweepPoint (sweepSelection.ts) picks the best by validation.
 */
import * as path from 'node:path';
import type { LayerSweepParams, LayerSweepPoint } from '../../protocol/types';
import { readTrainingRows } from '../chat/chatDataset';
import { concatSources, type TextSource } from '../data/textSource';
import { testFileReadOptions } from './trainingSplits';
import { throwIfAborted } from '../errors';
import { cacheKindFor } from '../activations/pooledCache';
import { buildActivations, defaultCacheDir } from './probeData';
import { cachedModelFolder } from './runtime';
import { trainProbeRun, type TrainHooks } from './trainProbe';

export async function layerSweep(
  params: LayerSweepParams,
  hooks: TrainHooks = {},
): Promise<{ points: LayerSweepPoint[] }> {
  const folder = await cachedModelFolder(params.modelDir);
  const outDir = path.resolve(params.outDir);
  const cache = await buildActivations(
    folder,
    params.layers,
    await sweepTexts(params, folder.dir, hooks),
    {
      cacheDir: params.cacheDir ?? defaultCacheDir(path.join(outDir, 'x')),
      maxLength: params.maxLength,
      executionProvider: params.executionProvider,
      batchSize: params.batchSize,
      // Sweeps of mean/last probes cache one vector per example and layer (pooledCache.ts); the plan is logged first.
      kind: cacheKindFor(params.kinds.map((k) => k.probe)),
      dtype: params.cacheDtype,
    },
    hooks,
  );
  // The split (and its warnings: shared texts, tiny classes, validation notes) is the same for every point of the
  // sweep, so each warning line is said once, not once per probe.
  const said = new Set<string>();
  const onLog = (m: string): void => {
    if (m.startsWith('warning: ')) {
      if (said.has(m)) return;
      said.add(m);
    }
    hooks.onLog?.(m);
  };
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
            // The sweep's own sub-folders: a probe from an earlier sweep there is replaced, anything else refused.
            force: true,
            outDir: path.join(outDir, `layer-${layer}-${kind.probe}${kind.probe === 'attention' ? `-${heads}h` : ''}`),
          },
          { signal: hooks.signal, onLog },
          { cache },
        );
        points.push({
          layer,
          probe: kind.probe,
          heads,
          accuracy: r.test.accuracy,
          rocAuc: r.test.roc_auc,
          outDir: r.outDir,
          ...(r.test.ci95?.accuracy ? { accuracyCi95: r.test.ci95.accuracy } : {}),
          ...(r.validation ? { valAccuracy: r.validation.accuracy, valLoss: r.validation.loss } : {}),
        });
      }
    }
  } finally {
    cache.close();
  }
  hooks.onProgress?.({ phase: 'sweep', done: total, total });
  return { points };
}

/**
 * Every text the sweep's probes read, in the order of their split plans (trainingSplits.ts planSplits): the dataset's
 * kept rows, then the --test-data file's, read as planSplits reads them (readTrainingRows: a large file is streamed,
 * its texts read again from the file during extraction). The dataset's and test file's warnings are logged here, once.
 */
async function sweepTexts(params: LayerSweepParams, modelDir: string, hooks: TrainHooks): Promise<TextSource> {
  const rows = await readTrainingRows(
    params.dataPath,
    {
      textField: params.textField,
      labelField: params.labelField,
      chat: params.chat,
      encoding: params.encoding,
      delimiter: params.delimiter,
      quote: params.quote,
    },
    modelDir,
  );
  // The sweep needs no text groups here (each point plans its own split): a streamed read drops its text keys.
  rows.ownGroups?.();
  for (const w of rows.ds.warnings) hooks.onLog?.(`Dataset: ${w.message}`);
  if (!params.testDataPath) return rows.texts;
  const test = await readTrainingRows(
    params.testDataPath,
    {
      textField: rows.ds.textField,
      labelField: rows.ds.labelField,
      chat: params.chat,
      // As trainProbeRun's split plan reads it: the shared cache must hold exactly those texts.
      ...testFileReadOptions(params),
    },
    modelDir,
  );
  test.ownGroups?.();
  for (const w of test.ds.warnings) hooks.onLog?.(`Test data: ${w.message}`);
  return concatSources(rows.texts, test.texts);
}
