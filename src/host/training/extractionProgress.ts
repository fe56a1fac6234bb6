/**
 * A cancellable notification for the slow phases before training (download, tokenize, extract): done/total,
 * examples per second and ETA. It closes when training starts or the run ends; cancelling it cancels the run.
 */
import * as vscode from 'vscode';
import type { ProgressEvent } from '../../protocol/types';
import { describeProgress } from './progressText';

export { describeProgress };

const SLOW_PHASES = new Set<ProgressEvent['phase']>(['download', 'tokenize', 'extract', 'evaluate', 'test']);

export class ExtractionProgress {
  private report: ((e: ProgressEvent) => void) | undefined;
  private close: (() => void) | undefined;
  private closed = false;
  private lastDone = 0;

  constructor(title: string, onCancel: () => void) {
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      (progress, token) =>
        new Promise<void>((resolve) => {
          token.onCancellationRequested(() => {
            onCancel();
            resolve();
          });
          this.close = resolve;
          if (this.closed) resolve();
          this.report = (e) => {
            const fraction = e.total > 0 ? e.done / e.total : 0;
            const increment = e.total > 0 ? Math.max(0, (e.done - this.lastDone) / e.total) * 100 : undefined;
            this.lastDone = e.done;
            progress.report({ message: describeProgress(e, fraction), increment });
          };
        }),
    );
  }

  /** Forwards slow-phase events; the first training-phase event closes the notification. */
  update(e: ProgressEvent): void {
    if (this.closed) return;
    if (SLOW_PHASES.has(e.phase)) this.report?.(e);
    else this.done();
  }

  done(): void {
    this.closed = true;
    this.close?.();
  }
}
