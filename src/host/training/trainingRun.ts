/**
 * One training or layer-sweep request: routes its progress and curve points to the training panel (steps batched
 * to ~10 messages/s), keeps HostState.training current, and ends as finished / stopped (Stop: the worker keeps the
 * best probe so far) / failed (with Retry). A saved probe becomes the active probe and the Probes view refreshes.
 */
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
  status: TrainingStatus = 'running';
  private readonly cancel = new vscode.CancellationTokenSource();
  private stopRequested = false;
  private pendingSteps: TrainingStepEvent[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private lastStep = 0;

  constructor(
    private readonly ctx: HostContext,
    readonly request: RunRequest,
    private readonly post: (m: TrainingToWebview) => void,
    private readonly onRetry: () => void,
  ) {}

  stop(): void {
    if (this.status !== 'running') return;
    this.stopRequested = true;
    this.ctx.log.info('Training: stop requested; the worker keeps the best probe so far.');
    this.cancel.cancel();
  }

  async run(): Promise<void> {
    const { ctx, request } = this;
    this.post({ type: 'start', config: request.config });
    this.setState({ state: 'running', steps: 0 });
    const title = request.mode === 'train' ? 'Probescope: preparing activations' : 'Probescope: layer sweep';
    const notification = new ExtractionProgress(title, () => this.stop());
    const route = ctx.progress.listen({
      onProgress: (e) => {
        notification.update(e);
        this.post({ type: 'progress', event: e });
      },
      onStep: (e) => {
        notification.done();
        this.lastStep = Math.max(this.lastStep, e.step);
        this.pendingSteps.push(e);
        this.flushTimer ??= setTimeout(() => this.flushSteps(), STEP_FLUSH_MS);
      },
    });
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
        if (best) void this.offerBestSweepProbe(best, request.params.dataPath);
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
    if (manifest && this.request.mode === 'train') await this.adopt(outDir);
    else this.ctx.probes.refresh();
    this.post({ type: 'stopped' });
    this.setState({ state: 'stopped', steps: this.lastStep, testAccuracy: manifest?.metrics?.test?.accuracy });
  }

  private failed(err: unknown): void {
    this.status = 'failed';
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

  private setState(training: NonNullable<HostContext['state']['current']['training']>): void {
    this.ctx.state.update({ training });
  }
}
