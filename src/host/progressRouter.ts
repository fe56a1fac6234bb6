/**
 * Routes the worker's progress / trainingStep notifications to whoever started the request, by `progressId`.
 */
import { randomUUID } from 'node:crypto';
import type { ProgressEvent, TrainingStepEvent } from '../protocol/types';

export interface ProgressListener {
  onProgress?(e: ProgressEvent): void;
  onStep?(e: TrainingStepEvent): void;
}

export class ProgressRouter {
  private readonly listeners = new Map<string, ProgressListener>();

  /**
   * Routes events whose progressId is `id` (default: a fresh one) to `listener`; dispose() stops routing it. A
   * training run passes its run id, so every event of the run carries it.
   */
  listen(listener: ProgressListener, id?: string): { progressId: string; dispose(): void } {
    const progressId = id ?? randomUUID();
    this.listeners.set(progressId, listener);
    return { progressId, dispose: () => this.listeners.delete(progressId) };
  }

  dispatchProgress(e: ProgressEvent): void {
    this.listeners.get(e.progressId)?.onProgress?.(e);
  }

  dispatchStep(e: TrainingStepEvent): void {
    this.listeners.get(e.progressId)?.onStep?.(e);
  }
}
