/**
 * The dataset panel (webview/dataset): summary, class balance, length histogram, warnings, paged rows with search,
 * column and split choices, and a Train button. One panel; opening another file re-targets it.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Requests } from '../../protocol/worker';
import {
  parseDatasetPanelState,
  parseDatasetWebviewMessage,
  type DatasetToHost,
  type DatasetHubView,
  type DatasetToWebview,
  type SplitSettings,
} from '../../protocol/webview';
import type { HubDatasetInfo } from '../../protocol/types';
import type { HostContext } from '../hostContext';
import { isInsideWorkspace } from '../model/workspaceTrust';
import { errorMessage } from '../workerErrors';
import { panelOptions, setUpPanel } from './panelHtml';

export interface DatasetChoice {
  path: string;
  textField?: string;
  labelField?: string;
  split: SplitSettings;
  /** A split column the dataset ships with (detected by inspectDataset): Train Probe offers it as the split. */
  splitField?: string;
  /** Set when the file is a split of a Hugging Face dataset (Open Dataset from Hugging Face). */
  hub?: DatasetHubView;
}

export class DatasetPanelManager implements vscode.WebviewPanelSerializer, vscode.Disposable {
  static readonly viewType = 'probescope.dataset';
  private panel: vscode.WebviewPanel | undefined;
  private dataset: DatasetChoice | undefined;
  private inspection: vscode.CancellationTokenSource | undefined;

  constructor(private readonly ctx: HostContext) {}

  /** The dataset of the open panel (Train Probe uses it instead of asking). */
  get current(): DatasetChoice | undefined {
    return this.panel ? this.dataset : undefined;
  }

  /** Opens (or re-targets) the panel on a local file, or on a downloaded split of a Hub dataset. */
  open(file: string, hub?: HubDatasetInfo): void {
    this.dataset = { path: file, split: { testSplit: 0.25, seed: 0 }, hub: hub && hubView(hub) };
    const title = panelTitle(this.dataset);
    if (this.panel) {
      this.panel.title = title;
      this.panel.reveal();
      this.post({ type: 'hub', hub: this.dataset.hub ?? null });
      void this.inspect();
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      DatasetPanelManager.viewType,
      title,
      vscode.ViewColumn.Active,
      panelOptions(this.ctx.extension.extensionUri),
    );
    this.attach(panel);
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, raw: unknown): Promise<void> {
    const state = parseDatasetPanelState(raw);
    if (!state) {
      panel.dispose();
      return;
    }
    this.dataset = {
      path: state.path,
      textField: state.textField,
      labelField: state.labelField,
      split: state.split,
      hub: state.hub,
    };
    this.attach(panel);
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel?.dispose();
    this.panel = panel;
    setUpPanel(panel, this.ctx.extension.extensionUri, 'dataset', panel.title);
    panel.webview.onDidReceiveMessage((raw) => {
      const message = parseDatasetWebviewMessage(raw);
      if (!message) this.ctx.log.warn(`Dataset panel: ignored malformed message ${JSON.stringify(raw)?.slice(0, 200)}`);
      else void this.handle(message);
    });
    panel.onDidDispose(() => {
      if (this.panel === panel) this.panel = undefined;
      this.inspection?.cancel();
    });
  }

  private async handle(message: DatasetToHost): Promise<void> {
    const d = this.dataset;
    if (!d) return;
    switch (message.type) {
      case 'ready':
        this.post({ type: 'hub', hub: d.hub ?? null });
        await this.inspect();
        return;
      case 'setHubSplit':
        await this.switchHubSplit(d, message.config, message.split);
        return;
      case 'setColumns':
        d.textField = message.textField;
        d.labelField = message.labelField;
        await this.inspect();
        return;
      case 'setSplit':
        d.split = { testSplit: message.testSplit, seed: message.seed };
        return;
      case 'requestRows':
        await this.rows(d, message);
        return;
      case 'train':
        await vscode.commands.executeCommand('probescope.trainProbe', { ...d });
        return;
      case 'openFile': {
        // A Hub split in several shards is a folder (HubDatasetInfo.dataPath): show it in the OS file manager.
        const isFolder =
          (await vscode.workspace.fs.stat(vscode.Uri.file(d.path)).then(
            (s) => s.type,
            () => 0,
          )) & vscode.FileType.Directory;
        await vscode.commands.executeCommand(isFolder ? 'revealFileInOS' : 'vscode.open', vscode.Uri.file(d.path));
        return;
      }
    }
  }

  private async inspect(): Promise<void> {
    const d = this.dataset;
    if (!d) return;
    this.inspection?.cancel();
    const cts = (this.inspection = new vscode.CancellationTokenSource());
    this.post({ type: 'busy', busy: true, message: `Reading ${path.basename(d.path)}…` });
    const model = this.ctx.model.current();
    // Token lengths need the tokenizer; in Restricted Mode a workspace model is not touched (characters instead).
    const modelDir = vscode.workspace.isTrusted || !isInsideWorkspace(model.dir) ? model.dir : undefined;
    try {
      const summary = await this.ctx.worker.request(
        Requests.inspectDataset,
        {
          path: d.path,
          textField: d.textField,
          labelField: d.labelField,
          modelDir,
          maxLength: this.ctx.settings().maxLength,
        },
        cts.token,
      );
      if (cts.token.isCancellationRequested) return;
      d.textField = summary.textField;
      d.labelField = summary.labelField;
      d.splitField = summary.splitField;
      this.post({ type: 'summary', summary, split: d.split });
    } catch (err) {
      if (!cts.token.isCancellationRequested) this.post({ type: 'error', message: errorMessage(err) });
    } finally {
      if (!cts.token.isCancellationRequested) this.post({ type: 'busy', busy: false });
    }
  }

  private async rows(d: DatasetChoice, m: Extract<DatasetToHost, { type: 'requestRows' }>): Promise<void> {
    if (!d.textField || !d.labelField) return;
    try {
      const result = await this.ctx.worker.request(Requests.datasetRows, {
        path: d.path,
        textField: d.textField,
        labelField: d.labelField,
        offset: m.offset,
        limit: m.limit,
        search: m.search || undefined,
      });
      this.post({ type: 'rows', requestId: m.requestId, offset: m.offset, search: m.search, result });
    } catch (err) {
      this.post({ type: 'error', message: errorMessage(err) });
    }
  }

  /** Downloads another config/split of the panel's Hub dataset (cache first) and shows it. */
  private async switchHubSplit(d: DatasetChoice, config: string, split: string): Promise<void> {
    if (!d.hub || (d.hub.config === config && d.hub.split === split)) return;
    this.post({ type: 'busy', busy: true, message: `Fetching ${d.hub.repoId} ${config}/${split}…` });
    try {
      const info = await this.ctx.worker.request(Requests.openHubDataset, { repoId: d.hub.repoId, config, split });
      if (this.dataset !== d) return;
      d.path = info.dataPath;
      d.hub = hubView(info);
      d.textField = undefined;
      d.labelField = undefined;
      if (this.panel) this.panel.title = panelTitle(d);
      this.post({ type: 'hub', hub: d.hub });
      await this.inspect();
    } catch (err) {
      this.post({ type: 'busy', busy: false });
      this.post({ type: 'error', message: errorMessage(err) });
      this.post({ type: 'hub', hub: d.hub ?? null }); // the pickers go back to what is shown
    }
  }

  private post(message: DatasetToWebview): void {
    void this.panel?.webview.postMessage(message);
  }

  dispose(): void {
    this.panel?.dispose();
  }
}

/** What the panel shows of a Hub dataset: id, licence, the chosen config/split and the others to pick from. */
export function hubView(info: HubDatasetInfo): DatasetHubView {
  return {
    repoId: info.repoId,
    config: info.config,
    split: info.split,
    configs: info.configs.map((c) => ({ name: c.name, splits: c.splits.map((s) => s.name) })),
    ...(info.license ? { license: info.license } : {}),
  };
}

function panelTitle(d: DatasetChoice): string {
  return d.hub ? `Dataset: ${d.hub.repoId} (${d.hub.config}/${d.hub.split})` : `Dataset: ${path.basename(d.path)}`;
}
