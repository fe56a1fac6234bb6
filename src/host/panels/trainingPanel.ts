/**
 * The training panel (webview/training): live curves of the current run, final metrics, Stop and Retry, and a history
 * of earlier runs. One panel; messages of the current run are kept so a panel opened or reloaded mid-run replays
 * them once its script is ready. Only the current run reaches the panel: a run replaced by "Stop and Start" winds
 * down quietly (TrainingRun.supersede). After a window reload the restored panel's configuration is what Retry
 * re-runs.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  parseTrainingPanelState,
  parseTrainingWebviewMessage,
  type TrainingPanelConfig,
  type TrainingToHost,
  type TrainingToWebview,
} from '../../protocol/webview';
import type { HostContext } from '../hostContext';
import { TrainingRun, type RunRequest } from '../training/trainingRun';
import { retryRestoredRun } from '../training/restoredRun';
import { isInsideWorkspace } from '../model/workspaceTrust';
import { panelOptions, setUpPanel } from './panelHtml';

export class TrainingPanelManager implements vscode.WebviewPanelSerializer, vscode.Disposable {
  static readonly viewType = 'probescope.training';
  private panel: vscode.WebviewPanel | undefined;
  private ready = false;
  private run: TrainingRun | undefined;
  private history: TrainingToWebview[] = [];
  /** The configuration of the run a window reload interrupted (from the panel's saved state), for Retry. */
  private restored: TrainingPanelConfig | undefined;

  private disposing = false;

  constructor(private readonly ctx: HostContext) {}

  /**
   * The configuration of the run in progress, kept in the workspace state while it runs: a window reload can happen
   * while the panel's webview is hidden (its own saved state then lags behind), and the host must still know which run
   * the reload interrupted.
   */
  private static readonly RUNNING_KEY = 'probescope.trainingRunInProgress';

  get running(): boolean {
    return this.run?.status === 'running';
  }

  /**
   * Opens the panel and starts a run. A run already in progress is stopped first (after asking): it keeps its best
   * probe quietly, and the new run owns the panel from step 0 (it asks the worker once the old run has ended).
   */
  async start(request: RunRequest): Promise<void> {
    const previous = this.run;
    if (previous?.status === 'running') {
      const choice = await vscode.window.showWarningMessage(
        'A Probescope training run is in progress. Stop it (its best probe so far is kept) and start the new one?',
        { modal: true },
        'Stop and Start',
      );
      if (choice !== 'Stop and Start') return;
      if (this.run !== previous) return; // another start won the race while the dialog was open
      previous.supersede();
    }
    this.reveal();
    this.history = [];
    this.restored = undefined;
    const run = new TrainingRun(
      this.ctx,
      request,
      (m) => this.post(run, m),
      () => void this.start(request),
    );
    this.run = run;
    // Not awaited: the new run's `start` must reach the panel before anything else (the replaced run's result is
    // matched to its history row, which that `start` creates).
    void this.ctx.extension.workspaceState.update(TrainingPanelManager.RUNNING_KEY, request.config);
    // A worker that does not honour the stop must not hold the new run forever (the old run's messages stay dropped).
    try {
      await run.run(previous ? atMost(previous.done, STOP_WAIT_MS) : undefined);
    } finally {
      // A run ended by the window closing stays recorded: the next window offers Retry for it.
      if (this.run === run && !this.disposing)
        void this.ctx.extension.workspaceState.update(TrainingPanelManager.RUNNING_KEY, undefined);
    }
  }

  /**
   * Stops the current run (keeping its best probe, like the panel's Stop) and waits until it has ended, at most
   * `timeoutMs` (a worker that no longer answers is restarted anyway; the run then keeps what the worker saved).
   */
  async stopAndWait(timeoutMs = STOP_WAIT_MS): Promise<void> {
    const run = this.run;
    if (!run || run.status !== 'running') return;
    run.stop();
    await atMost(run.done, timeoutMs);
  }

  reveal(): void {
    if (this.panel) {
      this.panel.reveal(vscode.ViewColumn.Beside, true);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      TrainingPanelManager.viewType,
      'Probescope Training',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      panelOptions(this.ctx.extension.extensionUri),
    );
    this.attach(panel);
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, raw: unknown): Promise<void> {
    // The webview redraws from its own saved state; the host re-wires it, and ends a run the reload interrupted
    // (its request died with the previous extension host).
    this.attach(panel);
    const state = parseTrainingPanelState(raw);
    // The host's own record of a run in progress wins over the webview's saved state, which lags when it was hidden.
    const stored = this.ctx.extension.workspaceState.get<unknown>(TrainingPanelManager.RUNNING_KEY);
    const interrupted = !this.running
      ? parseTrainingPanelState({ status: 'running', steps: [], sweepPoints: [], config: stored })?.config
      : undefined;
    if (!this.running) this.restored = interrupted ?? state?.config;
    if ((interrupted || state?.status === 'running') && !this.running) {
      await this.ctx.extension.workspaceState.update(TrainingPanelManager.RUNNING_KEY, undefined);
      this.history = [
        {
          type: 'failed',
          // The webview drops messages of another run: name its run only when its saved state is that run.
          runId: state?.status === 'running' ? state.runId : undefined,
          message: 'The run was interrupted when the window reloaded. Retry runs the same configuration again.',
        },
      ];
    }
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel?.dispose();
    this.panel = panel;
    this.ready = false;
    setUpPanel(panel, this.ctx.extension.extensionUri, 'training', 'Probescope Training');
    panel.webview.onDidReceiveMessage((raw) => {
      const message = parseTrainingWebviewMessage(raw);
      if (!message)
        this.ctx.log.warn(`Training panel: ignored malformed message ${JSON.stringify(raw)?.slice(0, 200)}`);
      else void this.handle(message);
    });
    panel.onDidDispose(() => {
      if (this.panel === panel) this.panel = undefined;
    });
  }

  private async handle(message: TrainingToHost): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        for (const m of this.history) void this.panel?.webview.postMessage(m);
        return;
      case 'stop':
        this.run?.stop();
        return;
      case 'retry':
        if (this.running) return;
        if (this.run) await this.start(this.run.request);
        else if (this.restored) await retryRestoredRun(this.ctx, this.restored);
        return;
      case 'revealProbe':
        await revealFolder(message.dir);
        return;
    }
  }

  /** Messages of runs other than the current one are dropped (each also carries its runId for the webview). */
  private post(run: TrainingRun, message: TrainingToWebview): void {
    if (run !== this.run && message.type !== 'runResult') return;
    this.history.push(message);
    if (this.ready) void this.panel?.webview.postMessage(message);
  }

  dispose(): void {
    this.disposing = true;
    this.run?.stop();
    this.panel?.dispose();
  }
}

/** How long a stopped run may take to wind down before the next step goes ahead anyway. */
const STOP_WAIT_MS = 30_000;

/** Resolves when `p` does, or after `ms`, whichever comes first. */
async function atMost(p: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([p, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** Workspace folders are revealed in the Explorer, others in the OS file manager. */
export async function revealFolder(dir: string): Promise<void> {
  const uri = vscode.Uri.file(path.resolve(dir));
  if (isInsideWorkspace(uri.fsPath)) await vscode.commands.executeCommand('revealInExplorer', uri);
  else await vscode.commands.executeCommand('revealFileInOS', uri);
}
