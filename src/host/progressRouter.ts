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

  /** A fresh id and a disposable that stops routing it. */
  listen(listener: ProgressListener): { progressId: string; dispose(): void } {
    const progressId = randomUUID();
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
