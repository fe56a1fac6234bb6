/**
 * The engine requests: thin adapters over src/core. A request's `progressId` routes the core's progress and
 * training-step hooks to notifications; its CancellationToken becomes the core's AbortSignal (see adapt.ts).
 * The engine (and onnxruntime's native addon) loads on the first engine request, so a fresh worker answers
 * version/ping at once and a crash restart is quick.
 */
import type { MessageConnection, RequestType } from 'vscode-jsonrpc';
import type { GemmaTokenizer } from '../core';
import {
  Notifications,
  Requests,
  type ProgressEvent,
  type TrainingStepEvent,
  type WorkerErrorData,
} from '../protocol/worker';
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
  /** A request answered by the core (loaded on first use), its errors mapped by adapt(). */
  const on = <P, R>(
    type: RequestType<P, R, WorkerErrorData>,
    run: (c: Core, p: P, signal: AbortSignal) => Promise<R> | R,
  ): void => {
    connection.onRequest(
      type,
      adapt(type.method, async (p: P, signal) => run(await core(), p, signal)),
    );
  };
  /** A long request: the core's progress, training-step and log hooks become notifications tagged with its progressId. */
  const long = <P extends { progressId?: string }, R>(
    type: RequestType<P, R, WorkerErrorData>,
    run: (c: Core, p: P, hooks: Hooks) => Promise<R>,
  ): void => on(type, (c, p, signal) => run(c, p, hooksFor(connection, p.progressId, signal)));

  on(Requests.loadModel, (c, p) => c.loadModel(p.modelDir, { executionProvider: p.executionProvider }));
  long(Requests.downloadModel, (c, p, h) => c.downloadModel(p, h));
  on(Requests.tokenize, async (c, p) => ({ tokens: (await tokenizerFor(c, p.modelDir)).encode(p.text) }));
  on(Requests.inspectDataset, (c, p) => c.inspectDataset(p));
  on(Requests.datasetRows, (c, p) => c.datasetRows(p));
  long(Requests.trainProbe, (c, p, h) => c.trainProbeRun(p, h));
  long(Requests.evalProbe, (c, p, h) => c.evaluateProbe(p, h));
  on(Requests.classify, (c, p, signal) => c.classifyText(p, { signal }));
  long(Requests.layerSweep, (c, p, h) => c.layerSweep(p, h));
  long(Requests.compareProbes, (c, p, h) => c.compareProbes(p, h));
  long(Requests.scoreText, (c, p, h) =>
    c.scoreText(p, {
      signal: h.signal,
      onWindows: (done, total) => h.onProgress({ phase: 'extract', done, total, message: 'windows' }),
    }),
  );
  on(Requests.listProbes, (c, p) => c.listProbes(p.dir));
  on(Requests.listModelVariants, (c, p, signal) => c.listModelVariants(p, { signal }));
  long(Requests.openHubDataset, (c, p, h) => c.openHubDataset(p, h));
}
