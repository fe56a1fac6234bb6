/**
 * Probescope's extension entry: wires settings, the worker supervisor, the output channel, commands, panels, the
 * Probes view, the status bar and the overlay. Behaviour lives in the files imported here.
 */
import * as vscode from 'vscode';
import { Notifications } from '../protocol/worker';
import { allCommands } from './commands';
import type { HostContext } from './hostContext';
import { ModelSelection } from './model/modelSelection';
import { LabelCodeLens } from './overlay/labelCodeLens';
import { OverlayController } from './overlay/overlayController';
import { AttentionPanelManager } from './panels/attentionPanel';
import { DatasetPanelManager } from './panels/datasetPanel';
import { TrainingPanelManager } from './panels/trainingPanel';
import { ProgressRouter } from './progressRouter';
import { scoreInEditor } from './commands/scoreDocument';
import { ScoreController } from './scores/scoreController';
import { ScorePanelManager } from './panels/scorePanel';
import { readSettings } from './settings';
import { shutdownSafeLog } from './hostLog';
import { HostState } from './state/hostState';
import { TestStateFile } from './state/testStateFile';
import { StatusItems } from './statusBar/statusItems';
import { ActiveProbe } from './tree/activeProbe';
import { PROBE_METRICS_SCHEME, ProbeMetricsDocuments } from './tree/probeMetricsDocument';
import { ProbesTreeProvider } from './tree/probesTreeProvider';
import { WorkerSupervisor } from './worker/workerSupervisor';
import { WorkerLog } from './workerLog';

let supervisor: WorkerSupervisor | undefined;

export function activate(context: vscode.ExtensionContext): HostContext {
  const log = shutdownSafeLog(vscode.window.createOutputChannel('Probescope', { log: true }));
  const state = new HostState();
  const testState = process.env.PROBESCOPE_TEST_STATE;
  if (testState) {
    const file = new TestStateFile(testState);
    context.subscriptions.push(state.onDidChange((s) => file.write(s)));
    file.write(state.current);
  }

  const worker = new WorkerSupervisor({
    workerPath: context.asAbsolutePath('dist/worker.js'),
    logger: new WorkerLog(log),
  });
  supervisor = worker;
  const progress = new ProgressRouter();
  const model = new ModelSelection(context, state);
  const activeProbe = new ActiveProbe(context.workspaceState, state);
  const settings = () => readSettings(context);
  const partial = {
    extension: context,
    log,
    worker,
    state,
    progress,
    model,
    activeProbe,
    settings,
    probes: new ProbesTreeProvider(() => settings().probesFolder, activeProbe),
    overlay: new OverlayController(state, settings().attentionHeads),
  };
  const ctx = partial as unknown as { -readonly [K in keyof HostContext]: HostContext[K] };
  ctx.datasetPanel = new DatasetPanelManager(ctx);
  ctx.trainingPanel = new TrainingPanelManager(ctx);
  ctx.attentionPanel = new AttentionPanelManager(ctx);
  ctx.scores = new ScoreController(
    state,
    (doc, probeDir) => void scoreInEditor(ctx, doc, undefined, { interactive: false, probeDir }),
  );
  ctx.scorePanel = new ScorePanelManager(ctx);

  context.subscriptions.push(
    log,
    activeProbe,
    ctx.probes,
    ctx.overlay,
    ctx.datasetPanel,
    ctx.trainingPanel,
    ctx.attentionPanel,
    ctx.scores,
    ctx.scorePanel,
    new StatusItems(state),
    ...allCommands.map((c) => vscode.commands.registerCommand(c.id, (...args: unknown[]) => c.run(ctx, ...args))),
    (ctx.probes.view = vscode.window.createTreeView('probescope.probes', {
      treeDataProvider: ctx.probes,
      canSelectMany: true,
    })),
    vscode.window.registerWebviewPanelSerializer(DatasetPanelManager.viewType, ctx.datasetPanel),
    vscode.window.registerWebviewPanelSerializer(TrainingPanelManager.viewType, ctx.trainingPanel),
    vscode.window.registerWebviewPanelSerializer(AttentionPanelManager.viewType, ctx.attentionPanel),
    vscode.workspace.registerTextDocumentContentProvider(PROBE_METRICS_SCHEME, new ProbeMetricsDocuments()),
    worker.onNotification(Notifications.progress, (e) => progress.dispatchProgress(e)),
    worker.onNotification(Notifications.trainingStep, (e) => progress.dispatchStep(e)),
    worker.onDidStart((pid) => state.update({ workerPid: pid })),
    worker.onDidGiveUp((e) => {
      state.update({ workerPid: null, lastError: e.message });
      void vscode.window.showErrorMessage(e.message, 'Restart Worker', 'Show Log').then((choice) => {
        if (choice === 'Restart Worker') void vscode.commands.executeCommand('probescope.restartWorker');
        else if (choice === 'Show Log') log.show(true);
      });
    }),
    ctx.overlay.onDidChangeHead((head) => ctx.attentionPanel.setHead(head)),
    activeProbe.onDidChange((dir) => ctx.overlay.forgetOtherProbes(dir)),
    registerLabelCodeLens(state),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('probescope')) return;
      model.publish();
      if (e.affectsConfiguration('probescope.probesFolder')) ctx.probes.watch();
      if (e.affectsConfiguration('probescope.attentionHeads')) ctx.overlay.setHead(settings().attentionHeads);
      ctx.probes.refresh();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => model.publish()),
  );

  model.publish();
  try {
    worker.start();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log.error(message);
    state.update({ lastError: message });
  }
  return ctx;
}

function registerLabelCodeLens(state: HostState): vscode.Disposable {
  const lens = new LabelCodeLens(state);
  return vscode.Disposable.from(lens, vscode.languages.registerCodeLensProvider('*', lens));
}

/** Ends the worker process cleanly (VS Code waits for the returned promise). */
export async function deactivate(): Promise<void> {
  await supervisor?.dispose();
  supervisor = undefined;
}
