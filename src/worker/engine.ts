/**
 * The engine requests: thin adapters over src/core. A request's `progressId` routes the core's progress and
 * training-step hooks to notifications; its CancellationToken becomes the core's AbortSignal (see adapt.ts).
 * The engine (and onnxruntime's native addon) loads on the first engine request, so a fresh worker answers
 * version/ping at once and a crash restart is quick.
 */
import type { MessageConnection } from 'vscode-jsonrpc';
import type { GemmaTokenizer } from '../core';
import { Notifications, Requests, type ProgressEvent, type TrainingStepEvent } from '../protocol/worker';
import { adapt } from './adapt';

type Core = typeof import('../core');
let corePromise: Promise<Core> | undefined;
const core = (): Promise<Core> => (corePromise ??= import('../core'));

interface Hooks {
  onProgress(e: Omit<ProgressEvent, 'progressId'>): void;
  onStep(e: Omit<TrainingStepEvent, 'progressId'>): void;
  onLog(message: string): void;
  signal: AbortSignal;
}

function hooksFor(connection: MessageConnection, progressId: string | undefined, signal: AbortSignal): Hooks {
  return {
    onProgress: (e) => {
      if (progressId !== undefined) void connection.sendNotification(Notifications.progress, { ...e, progressId });
    },
    onStep: (e) => {
      if (progressId !== undefined) void connection.sendNotification(Notifications.trainingStep, { ...e, progressId });
    },
    onLog: (message) => void connection.sendNotification(Notifications.log, { level: 'info', message }),
    signal,
  };
}

/** Tokenizers are cheap to keep and slow-ish to load (tokenizer.json is megabytes for real Gemma). */
const tokenizers = new Map<string, Promise<GemmaTokenizer>>();
function tokenizerFor(core: Core, modelDir: string): Promise<GemmaTokenizer> {
  let t = tokenizers.get(modelDir);
  if (!t) {
    t = core.GemmaTokenizer.load(modelDir);
    t.catch(() => tokenizers.delete(modelDir));
    tokenizers.set(modelDir, t);
  }
  return t;
}

export function registerEngine(connection: MessageConnection): void {
  connection.onRequest(
    Requests.loadModel,
    adapt(Requests.loadModel.method, async (p) =>
      (await core()).loadModel(p.modelDir, { executionProvider: p.executionProvider }),
    ),
  );
  connection.onRequest(
    Requests.downloadModel,
    adapt(Requests.downloadModel.method, async (p, signal) =>
      (await core()).downloadModel(p, hooksFor(connection, p.progressId, signal)),
    ),
  );
  connection.onRequest(
    Requests.tokenize,
    adapt(Requests.tokenize.method, async (p) => ({
      tokens: (await tokenizerFor(await core(), p.modelDir)).encode(p.text),
    })),
  );
  connection.onRequest(
    Requests.inspectDataset,
    adapt(Requests.inspectDataset.method, async (p) => (await core()).inspectDataset(p)),
  );
  connection.onRequest(
    Requests.datasetRows,
    adapt(Requests.datasetRows.method, async (p) => (await core()).datasetRows(p)),
  );
  connection.onRequest(
    Requests.trainProbe,
    adapt(Requests.trainProbe.method, async (p, signal) =>
      (await core()).trainProbeRun(p, hooksFor(connection, p.progressId, signal)),
    ),
  );
  connection.onRequest(
    Requests.evalProbe,
    adapt(Requests.evalProbe.method, async (p, signal) =>
      (await core()).evaluateProbe(p, hooksFor(connection, p.progressId, signal)),
    ),
  );
  connection.onRequest(
    Requests.classify,
    adapt(Requests.classify.method, async (p, signal) => (await core()).classifyText(p, { signal })),
  );
  connection.onRequest(
    Requests.layerSweep,
    adapt(Requests.layerSweep.method, async (p, signal) =>
      (await core()).layerSweep(p, hooksFor(connection, p.progressId, signal)),
    ),
  );
  connection.onRequest(
    Requests.compareProbes,
    adapt(Requests.compareProbes.method, async (p, signal) =>
      (await core()).compareProbes(p, hooksFor(connection, p.progressId, signal)),
    ),
  );
  connection.onRequest(
    Requests.scoreText,
    adapt(Requests.scoreText.method, async (p, signal) => {
      const hooks = hooksFor(connection, p.progressId, signal);
      return (await core()).scoreText(p, {
        signal,
        onWindows: (done, total) => hooks.onProgress({ phase: 'extract', done, total, message: 'windows' }),
      });
    }),
  );
  connection.onRequest(
    Requests.listProbes,
    adapt(Requests.listProbes.method, async (p) => (await core()).listProbes(p.dir)),
  );
  connection.onRequest(
    Requests.listModelVariants,
    adapt(Requests.listModelVariants.method, async (p, signal) => (await core()).listModelVariants(p, { signal })),
  );
  connection.onRequest(
    Requests.openHubDataset,
    adapt(Requests.openHubDataset.method, async (p, signal) =>
      (await core()).openHubDataset(p, hooksFor(connection, p.progressId, signal)),
    ),
  );
}
