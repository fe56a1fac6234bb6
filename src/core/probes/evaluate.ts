/** evaluateProbe: a saved probe's metrics on a (new) dataset, whose labels must be among the probe's classes. */
import * as os from 'node:os';
import * as path from 'node:path';
import type { EvalParams, SplitMetrics } from '../../protocol/types';
import { readDatasetForModel } from '../chat/chatDataset';
import { ProbescopeError } from '../errors';
import { probeComputer } from './computerCache';
import { buildActivations, examplesFrom, type CacheHooks } from './probeData';
import { probeWithModel } from './runtime';
import { evaluateExamples } from './trainProbe';

export async function evaluateProbe(params: EvalParams, hooks: CacheHooks = {}): Promise<SplitMetrics> {
  const { probe, manifest, folder } = await probeWithModel(params.probeDir, params.modelDir);
  // A probe trained on chat-formatted text is evaluated on text formatted the same way.
  const ds = await readDatasetForModel(
    params.dataPath,
    {
      textField: params.textField ?? (manifest.training.textField as string | undefined),
      labelField: params.labelField ?? (manifest.training.labelField as string | undefined),
      chat: typeof manifest.training.chat === 'string' ? manifest.training.chat : undefined,
    },
    folder.dir,
  );
  const classIndex = new Map(manifest.classes.map((c, i) => [c, i]));
  const unknown = [...new Set(ds.labels.filter((l) => !classIndex.has(l)))];
  if (unknown.length > 0) {
    throw new ProbescopeError(
      'DATASET_INVALID',
      `${ds.path} has labels the probe was not trained on: ${unknown.slice(0, 5).join(', ')} (probe classes: ${manifest.classes.join(', ')}).`,
    );
  }
  const cache = await buildActivations(
    folder,
    [manifest.layer],
    ds.texts,
    {
      cacheDir: params.cacheDir ?? path.join(os.tmpdir(), 'probescope-cache'),
      maxLength: typeof manifest.training.maxLength === 'number' ? manifest.training.maxLength : undefined,
      executionProvider: params.executionProvider,
    },
    hooks,
  );
  const labels = ds.labels.map((l) => classIndex.get(l)!);
  const examples = examplesFrom(
    cache,
    manifest.layer,
    manifest.probe,
    ds.texts.map((_, i) => i),
    labels,
  );
  cache.close();
  hooks.onProgress?.({ phase: 'evaluate', done: 0, total: examples.length });
  const computer = await probeComputer({ H: probe.H, C: probe.C, D: probe.D }, params.executionProvider);
  const m = await evaluateExamples(computer, probe, examples, manifest.classes, manifest.probe === 'attention');
  hooks.onProgress?.({ phase: 'evaluate', done: examples.length, total: examples.length });
  return m;
}
