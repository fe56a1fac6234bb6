/**
 * The Probes view: one item per saved probe (name, kind, layer, test accuracy); the active one is marked.
 * Refreshes on file changes in the probes folder, on settings changes and when the active probe changes.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ProbeSummary } from '../../protocol/types';
import type { ActiveProbe } from './activeProbe';
import { listProbes } from '../../core/probes/listProbes';
import { probeKindLabel } from './probeFolder';

export class ProbeItem extends vscode.TreeItem {
  constructor(
    readonly probe: ProbeSummary,
    active: boolean,
  ) {
    const m = probe.manifest;
    super(m.name || path.basename(probe.dir), vscode.TreeItemCollapsibleState.None);
    const acc = m.metrics?.test?.accuracy;
    const kind = probeKindLabel(m.probe, m.heads);
    // No explicit `id`: overlapping refreshes (watcher create + change + active change) then re-register the same
    // ids, which VS Code rejects, after which context-menu commands arrive without their item.
    this.description = `${kind} · L${m.layer}${typeof acc === 'number' ? ` · ${(acc * 100).toFixed(1)}%` : ''}`;
    this.contextValue = active ? 'probe-active' : 'probe';
    this.iconPath = new vscode.ThemeIcon(active ? 'pass-filled' : 'symbol-class');
    this.resourceUri = vscode.Uri.file(probe.dir);
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${this.label}**${active ? ' (active)' : ''}\n\n`);
    md.appendMarkdown(
      `| | |\n|---|---|\n| model | ${m.model?.id ?? '?'} |\n| layer | ${m.layer} |\n| kind | ${kind} |\n`,
    );
    md.appendMarkdown(`| classes | ${(m.classes ?? []).join(', ')} |\n`);
    if (typeof acc === 'number') md.appendMarkdown(`| test accuracy | ${(acc * 100).toFixed(1)}% |\n`);
    if (m.metrics?.test?.roc_auc !== undefined)
      md.appendMarkdown(`| ROC-AUC | ${m.metrics.test.roc_auc.toFixed(3)} |\n`);
    this.tooltip = md;
    this.command = { command: 'probescope.setActiveProbe', title: 'Set as Active Probe', arguments: [this] };
  }
}

export class ProbesTreeProvider implements vscode.TreeDataProvider<ProbeItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private watcher: vscode.FileSystemWatcher | undefined;
  private items: ProbeItem[] = [];
  /** Set by extension.ts: commands fall back to its selection when VS Code passes no item. */
  view: vscode.TreeView<ProbeItem> | undefined;

  constructor(
    private readonly probesFolder: () => string,
    private readonly active: ActiveProbe,
  ) {
    active.onDidChange(() => this.refresh());
    this.watch();
  }

  /** Re-creates the file watcher after probesFolder changed. */
  watch(): void {
    this.watcher?.dispose();
    const pattern = new vscode.RelativePattern(vscode.Uri.file(this.probesFolder()), '*/probe.json');
    this.watcher = vscode.workspace.createFileSystemWatcher(pattern);
    const refresh = (): void => this.refresh();
    this.watcher.onDidCreate(refresh);
    this.watcher.onDidChange(refresh);
    this.watcher.onDidDelete(refresh);
  }

  private pending: NodeJS.Timeout | undefined;

  /** Coalesces bursts (a probe save fires create + change + active change) into one tree refresh. */
  refresh(): void {
    clearTimeout(this.pending);
    this.pending = setTimeout(() => this.changed.fire(), 50);
  }

  /** The probes shown last (after the latest getChildren). */
  get current(): readonly ProbeItem[] {
    return this.items;
  }

  async list(): Promise<ProbeSummary[]> {
    return listProbes(this.probesFolder());
  }

  getTreeItem(item: ProbeItem): vscode.TreeItem {
    return item;
  }

  async getChildren(parent?: ProbeItem): Promise<ProbeItem[]> {
    if (parent) return [];
    const activeDir = this.active.get();
    this.items = (await this.list()).map((p) => new ProbeItem(p, p.dir === activeDir));
    return this.items;
  }

  dispose(): void {
    clearTimeout(this.pending);
    this.watcher?.dispose();
    this.changed.dispose();
  }
}
