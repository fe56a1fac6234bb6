/**
 * The services commands and panels share, built once in extension.ts. Commands receive this instead of reaching
 * for globals, so each command file reads as "what the user asked for".
 */
import type * as vscode from 'vscode';
import type { NotificationType, RequestType } from 'vscode-jsonrpc';
import type { ModelSelection } from './model/modelSelection';
import type { OverlayController } from './overlay/overlayController';
import type { AttentionPanelManager } from './panels/attentionPanel';
import type { DatasetPanelManager } from './panels/datasetPanel';
import type { TrainingPanelManager } from './panels/trainingPanel';
import type { ScorePanelManager } from './panels/scorePanel';
import type { ProgressRouter } from './progressRouter';
import type { ScoreController } from './scores/scoreController';
import type { ProbescopeSettings } from './settings';
import type { HostState } from './state/hostState';
import type { ActiveProbe } from './tree/activeProbe';
import type { ProbesTreeProvider } from './tree/probesTreeProvider';

/** The part of the worker supervisor (src/host/worker) the host uses. */
export interface WorkerClient {
  readonly pid: number | undefined;
  request<P, R, E>(type: RequestType<P, R, E>, params: P, token?: vscode.CancellationToken): Promise<R>;
  restart(): Promise<unknown> | unknown;
}

export interface HostContext {
  readonly extension: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly worker: WorkerClient;
  readonly state: HostState;
  readonly progress: ProgressRouter;
  readonly model: ModelSelection;
  readonly activeProbe: ActiveProbe;
  readonly probes: ProbesTreeProvider;
  readonly overlay: OverlayController;
  readonly datasetPanel: DatasetPanelManager;
  readonly trainingPanel: TrainingPanelManager;
  readonly attentionPanel: AttentionPanelManager;
  /** Token scores painted over documents (Score Document / Score Selection). */
  readonly scores: ScoreController;
  readonly scorePanel: ScorePanelManager;
  settings(): ProbescopeSettings;
}

export type { NotificationType };
