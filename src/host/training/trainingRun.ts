/**
 * One training or layer-sweep request: routes its progress and curve points to the training panel (steps batched
 * to ~10 messages/s), keeps HostState.training current, and ends as finished / stopped (Stop: the worker keeps the
 * best probe so far) / failed (with Retry). A saved probe becomes the active probe and the Probes view refreshes.
 *
 * Each run has an id (`id`, also the progressId of its worker events) that every panel message carries. A run that
 * is superseded (the user started another one and chose "Stop and Start") stops reaching the panel and HostState at
 * once; it still saves its best probe, quietly: listed in the Probes view and the log, not made active.
 */
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { Requests } from '../../protocol/worker';
import type {
  LayerSweepParams,
  LayerSweepPoint,
  TrainingStepEvent,
  TrainProbeParams,
  TrainResult,
} from '../../protocol/types';
import type { TrainingPanelConfig, TrainingStatus, TrainingToWebview } from '../../protocol/webview';
import type { HostContext } from '../hostContext';
import { keepProbeCopy, newProbeFolderName, probeKindLabel, readProbeManifest } from '../tree/probeFolder';
import { errorCode, errorMessage, isCancellation, reportError } from '../workerErrors';
import { bestSweepPoint } from '../../core/probes/sweepSelection';
import { ExtractionProgress } from './extractionProgress';

export type RunRequest =
  | { mode: 'train'; params: TrainProbeParams; config: TrainingPanelConfig }
  | { mode: 'sweep'; params: LayerSweepParams; config: TrainingPanelConfig };

const STEP_FLUSH_MS = 100;

export class TrainingRun {
  readonly id = randomUUID();
  status: TrainingStatus = 'running';
  private readonly cancel = new vscode.CancellationTokenSource();
  private stopRequested = false;
  private superseded = false;
  private ended = false;
  private resolveDone!: () => void;
  /** Resolves once the run has ended (its request answered or failed, its probe adopted or not). */
  readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));
  private pendingSteps: TrainingStepEvent[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private lastStep = 0;

  constructor(
    private readonly ctx: HostContext,
    readonly request: RunRequest,
    private readonly postToPanel: (m: TrainingToWebview) => void,
    private readonly onRetry: () => void,
  ) {}

  /** Stop (keep the best probe so far). Safe at any time: after the run ended, or after the worker went away. */
  stop(): void {
    if (this.status !== 'running' || this.ended || this.stopRequested) return;
    this.stopRequested = true;
    this.ctx.log.info('Training: stop requested; the worker keeps the best probe so far.');
    try {
      this.cancel.cancel();
    } catch (err) {
      // The worker's channel is gone (window reload, worker restart): its request is rejected anyway.
      this.ctx.log.warn(`Training: the stop request did not reach the worker (${errorMessage(err)}).`);
    }
  }

  /** Stops the run and detaches it from the panel and HostState: another run owns them from now on. */
  supersede(): void {
    this.superseded = true;
    this.stop();
  }

  /**
   * Runs the request. `after`: the superseded run to wait for before the worker is asked (the panel already shows
   * this run from step 0 meanwhile).
   */
  async run(after?: Promise<void>): Promise<void> {
    try {
      await this.runInner(after);
    } finally {
      this.ended = true;
      this.resolveDone();
    }
  }

  private post(m: TrainingToWebview): void {
    if (!this.superseded) this.postToPanel({ ...m, runId: this.id });
  }

  private async runInner(after: Promise<void> | undefined): Promise<void> {
    const { ctx, request } = this;
    this.post({ type: 'start', config: request.config });
    this.setState({ state: 'running', steps: 0 });
    if (after) await after;
    if (this.stopRequested) {
      this.status = 'stopped';
      this.post({ type: 'stopped' });
      this.setState({ state: 'stopped', steps: 0 });
      this.cancel.dispose();
      return;
    }
    const title = request.mode === 'train' ? 'Probescope: preparing activations' : 'Probescope: layer sweep';
    const notification = new ExtractionProgress(title, () => this.stop());
    const route = ctx.progress.listen(
      {
        onProgress: (e) => {
          if (!this.superseded) notification.update(e);
          this.post({ type: 'progress', event: e });
        },
        onStep: (e) => {
          notification.done();
          this.lastStep = Math.max(this.lastStep, e.step);
          this.pendingSteps.push(e);
          this.flushTimer ??= setTimeout(() => this.flushSteps(), STEP_FLUSH_MS);
        },
      },
      this.id,
    );
    try {
      if (request.mode === 'train') {
        const result = await ctx.worker.request(
          Requests.trainProbe,
          { ...request.params, progressId: route.progressId },
          this.cancel.token,
        );
        this.flushSteps();
        await this.finished(result, this.stopRequested ? 'stopped' : 'finished');
      } else {
        const { points } = await ctx.worker.request(
          Requests.layerSweep,
          { ...request.params, progressId: route.progressId },
          this.cancel.token,
        );
        for (const point of points) this.post({ type: 'sweepPoint', point });
        this.post({ type: 'sweepFinished', points });
        this.status = 'finished';
        const best = bestSweepPoint(points);
        this.setState({ state: 'finished', steps: this.lastStep, testAccuracy: best?.point.accuracy });
        ctx.probes.refresh();
        if (best && !this.superseded) void this.offerBestSweepProbe(best, request.params.dataPath);
      }
    } catch (err) {
      this.flushSteps();
      if (this.stopRequested && isCancellation(err)) await this.stoppedWithoutResult();
      else this.failed(err);
    } finally {
      notification.done();
      route.dispose();
      this.cancel.dispose();
    }
  }

  private async finished(result: TrainResult, status: 'finished' | 'stopped'): Promise<void> {
    this.status = status;
    if (this.superseded) {
      this.ctx.probes.refresh();
      this.postToPanel({ type: 'runResult', result, runId: this.id });
      this.ctx.log.info(
        `Training stopped for a new run: its best probe (${result.probe} L${result.layer}, test accuracy ` +
          `${result.test.accuracy.toFixed(4)}) was saved in ${result.outDir}.`,
      );
      return;
    }
    // The saved probe is active before the run reads as finished, so nothing observes "finished" without it.
    await this.adopt(result.outDir);
    this.post(status === 'finished' ? { type: 'finished', result } : { type: 'stopped', result });
    this.setState({ state: status, steps: result.steps, testAccuracy: result.test.accuracy });
    this.ctx.log.info(
      `Training ${status}: ${result.probe} L${result.layer}, test accuracy ${result.test.accuracy.toFixed(4)} → ${result.outDir}`,
    );
    const acc = `${(result.test.accuracy * 100).toFixed(1)}%`;
    void vscode.window
      .showInformationMessage(
        `Probescope: probe saved (test accuracy ${acc}). It is now the active probe.`,
        'Classify Selection',
      )
      .then((choice) => choice && vscode.commands.executeCommand('probescope.classifySelection'));
  }

  /** Stop arrived before the worker answered with a result: keep whatever probe it managed to save. */
  private async stoppedWithoutResult(): Promise<void> {
    this.status = 'stopped';
    const outDir = this.request.params.outDir;
    const manifest = await readProbeManifest(outDir);
    if (manifest && this.request.mode === 'train' && !this.superseded) await this.adopt(outDir);
    else this.ctx.probes.refresh();
    this.post({ type: 'stopped' });
    this.setState({ state: 'stopped', steps: this.lastStep, testAccuracy: manifest?.metrics?.test?.accuracy });
  }

  private failed(err: unknown): void {
    this.status = 'failed';
    if (this.superseded) {
      this.ctx.log.warn(`Training stopped for a new run ended with an error: ${errorMessage(err)}`);
      return;
    }
    const code = errorCode(err);
    this.post({ type: 'failed', message: errorMessage(err), code });
    this.setState({ state: 'failed', steps: this.lastStep });
    reportError(this.ctx, this.request.mode === 'train' ? 'Training failed' : 'Layer sweep failed', err, this.onRetry);
  }

  /**
   * Sweep probes stay in the cache; the best one (by validation accuracy: bestSweepPoint) can be kept: copied into the
   * probes folder, listed in the Probes view and made active.
   */
  private async offerBestSweepProbe(
    chosen: { point: LayerSweepPoint; by: 'validation' | 'test' },
    dataPath: string,
  ): Promise<void> {
    const best = chosen.point;
    if (!best.outDir) return;
    const kind = probeKindLabel(best.probe, best.heads);
    const basis =
      chosen.by === 'validation'
        ? `chosen by validation accuracy ${((best.valAccuracy ?? 0) * 100).toFixed(1)}%`
        : 'chosen on the test split (no validation scores), so that number is optimistic';
    const choice = await vscode.window.showInformationMessage(
      `Probescope: layer sweep finished. Best: ${kind} at layer ${best.layer}, test accuracy ` +
        `${(best.accuracy * 100).toFixed(1)}% (${basis}).`,
      'Keep Best Probe',
    );
    if (choice !== 'Keep Best Probe') return;
    try {
      const name = newProbeFolderName(best.probe, best.layer, dataPath);
      const dir = await keepProbeCopy(best.outDir, this.ctx.settings().probesFolder, name);
      await this.ctx.activeProbe.set(dir);
      this.ctx.probes.refresh();
      this.ctx.log.info(`Layer sweep: kept ${best.outDir} as ${dir}`);
    } catch (err) {
      reportError(this.ctx, 'Keeping the sweep probe failed', err);
    }
  }

  private async adopt(outDir: string): Promise<void> {
    if (this.request.mode !== 'train') return;
    await this.ctx.activeProbe.set(outDir);
    this.ctx.probes.refresh();
  }

  private flushSteps(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pendingSteps.length === 0) return;
    const points = this.pendingSteps;
    this.pendingSteps = [];
    this.post({ type: 'steps', points });
    this.setState({ state: 'running', steps: this.lastStep });
  }

  private setState(training: Omit<NonNullable<HostContext['state']['current']['training']>, 'runId'>): void {
    if (!this.superseded) this.ctx.state.update({ training: { ...training, runId: this.id } });
  }
}
