/**
 * The training panel (webview/training): live curves of the current run, final metrics, Stop and Retry. One panel;
 * messages of the current run are kept so a panel opened or reloaded mid-run replays them once its script is ready.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  parseTrainingPanelState,
  parseTrainingWebviewMessage,
  type TrainingToHost,
  type TrainingToWebview,
} from '../../protocol/webview';
import type { HostContext } from '../hostContext';
import { TrainingRun, type RunRequest } from '../training/trainingRun';
import { isInsideWorkspace } from '../model/workspaceTrust';
import { panelOptions, setUpPanel } from './panelHtml';

export class TrainingPanelManager implements vscode.WebviewPanelSerializer, vscode.Disposable {
  static readonly viewType = 'probescope.training';
  private panel: vscode.WebviewPanel | undefined;
  private ready = false;
  private run: TrainingRun | undefined;
  private history: TrainingToWebview[] = [];

  constructor(private readonly ctx: HostContext) {}

  get running(): boolean {
    return this.run?.status === 'running';
  }

  /** Opens the panel and starts a run; a run already in progress is stopped first (after asking). */
  async start(request: RunRequest): Promise<void> {
    if (this.running) {
      const choice = await vscode.window.showWarningMessage(
        'A Probescope training run is in progress. Stop it and start the new one?',
        { modal: true },
        'Stop and Start',
      );
      if (choice !== 'Stop and Start') return;
      this.run?.stop();
    }
    this.reveal();
    this.history = [];
    const run = new TrainingRun(
      this.ctx,
      request,
      (m) => this.post(m),
      () => void this.start(request),
    );
    this.run = run;
    await run.run();
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
    if (parseTrainingPanelState(raw)?.status === 'running' && !this.running) {
      this.history = [
        {
          type: 'failed',
          message: 'The run was interrupted when the window reloaded. Start it again with "Probescope: Train Probe".',
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
        if (this.run && !this.running) await this.start(this.run.request);
        return;
      case 'revealProbe':
        await revealFolder(message.dir);
        return;
    }
  }

  private post(message: TrainingToWebview): void {
    this.history.push(message);
    if (this.ready) void this.panel?.webview.postMessage(message);
  }

  dispose(): void {
    this.run?.stop();
    this.panel?.dispose();
  }
}

/** Workspace folders are revealed in the Explorer, others in the OS file manager. */
export async function revealFolder(dir: string): Promise<void> {
  const uri = vscode.Uri.file(path.resolve(dir));
  if (isInsideWorkspace(uri.fsPath)) await vscode.commands.executeCommand('revealInExplorer', uri);
  else await vscode.commands.executeCommand('revealFileInOS', uri);
}
