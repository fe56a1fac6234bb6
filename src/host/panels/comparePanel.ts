/**
 * The Compare Probes view (webview/compare): one panel showing the latest comparison; Export CSV / Markdown write
 * the table (comparisonTable.ts) where the user chooses, atomically (temp file + rename).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseCompareWebviewMessage, type CompareToHost, type CompareToWebview } from '../../protocol/compareWebview';
import type { ProbeComparison } from '../../protocol/types';
import { comparisonCsv, comparisonMarkdown } from '../../core/evaluation/comparisonTable';
import type { HostContext } from '../hostContext';
import { panelOptions, setUpPanel } from './panelHtml';

export class ComparePanel {
  static readonly viewType = 'probescope.compare';
  private static current: ComparePanel | undefined;
  private comparison: ProbeComparison | undefined;
  private last: CompareToWebview | undefined;
  private ready = false;

  private constructor(
    private readonly ctx: HostContext,
    private readonly panel: vscode.WebviewPanel,
  ) {
    setUpPanel(panel, ctx.extension.extensionUri, 'compare', panel.title);
    panel.webview.onDidReceiveMessage((raw) => {
      const m = parseCompareWebviewMessage(raw);
      if (!m) ctx.log.warn(`Compare panel: ignored malformed message ${JSON.stringify(raw)?.slice(0, 200)}`);
      else void this.handle(m);
    });
    panel.onDidDispose(() => {
      if (ComparePanel.current === this) ComparePanel.current = undefined;
    });
  }

  /** The open panel, or a new one beside the editor. */
  static show(ctx: HostContext): ComparePanel {
    if (ComparePanel.current) {
      ComparePanel.current.panel.reveal(vscode.ViewColumn.Active);
      return ComparePanel.current;
    }
    const panel = vscode.window.createWebviewPanel(
      ComparePanel.viewType,
      'Compare Probes',
      vscode.ViewColumn.Active,
      panelOptions(ctx.extension.extensionUri),
    );
    ctx.extension.subscriptions.push(panel);
    return (ComparePanel.current = new ComparePanel(ctx, panel));
  }

  busy(message: string): void {
    this.post({ type: 'busy', message });
  }

  failed(message: string): void {
    this.post({ type: 'error', message });
  }

  show(comparison: ProbeComparison): void {
    this.comparison = comparison;
    this.post({ type: 'comparison', comparison });
  }

  private post(m: CompareToWebview): void {
    // Until the script says ready only the latest message matters; it is replayed then.
    this.last = m;
    if (this.ready) void this.panel.webview.postMessage(m);
  }

  private async handle(m: CompareToHost): Promise<void> {
    if (m.type === 'ready') {
      this.ready = true;
      if (this.last) void this.panel.webview.postMessage(this.last);
      return;
    }
    const c = this.comparison;
    if (!c) return;
    const ext = m.format === 'csv' ? 'csv' : 'md';
    const base = path.basename(c.data).replace(/\.[^.]+$/, '');
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(path.join(path.dirname(c.data), `${base}-probe-comparison.${ext}`)),
      filters: m.format === 'csv' ? { CSV: ['csv'] } : { Markdown: ['md'] },
      saveLabel: `Export ${m.format === 'csv' ? 'CSV' : 'Markdown'}`,
    });
    if (!target) return;
    try {
      const text = m.format === 'csv' ? comparisonCsv(c) : comparisonMarkdown(c);
      const tmp = `${target.fsPath}.${process.pid}.tmp`;
      await fs.writeFile(tmp, text);
      await fs.rename(tmp, target.fsPath);
      this.ctx.log.info(`Compare Probes: exported ${target.fsPath}`);
      void vscode.window.showInformationMessage(`Probescope: comparison saved to ${path.basename(target.fsPath)}.`);
    } catch (err) {
      void vscode.window.showErrorMessage(`Probescope: could not save the comparison: ${(err as Error).message}`);
    }
  }
}
