/**
 * The attention panel (webview/attention): the classified text with one row per head, the probability, a head
 * selector kept in sync with the editor overlay, and export (the webview renders; the host writes the file).
 */
import { writeFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import {
  PNG_DATA_URL_PREFIX,
  parseAttentionPanelState,
  parseAttentionWebviewMessage,
  type AttentionShowPayload,
  type AttentionToHost,
  type AttentionToWebview,
  type HeadSelection,
} from '../../protocol/webview';
import type { HostContext } from '../hostContext';
import { panelOptions, setUpPanel } from './panelHtml';

export class AttentionPanelManager implements vscode.WebviewPanelSerializer, vscode.Disposable {
  static readonly viewType = 'probescope.attention';
  private panel: vscode.WebviewPanel | undefined;
  private payload: AttentionShowPayload | undefined;

  constructor(private readonly ctx: HostContext) {}

  show(payload: AttentionShowPayload): void {
    this.payload = payload;
    if (this.panel) {
      this.panel.reveal(vscode.ViewColumn.Beside, true);
      this.sendShow();
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      AttentionPanelManager.viewType,
      'Probescope Attention',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      panelOptions(this.ctx.extension.extensionUri),
    );
    this.attach(panel);
  }

  /** Called when Choose Attention Heads changes the selection. */
  setHead(head: HeadSelection): void {
    this.post({ type: 'setHead', head });
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, raw: unknown): Promise<void> {
    this.payload = parseAttentionPanelState(raw)?.show;
    this.attach(panel);
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel?.dispose();
    this.panel = panel;
    setUpPanel(panel, this.ctx.extension.extensionUri, 'attention', 'Probescope Attention');
    panel.webview.onDidReceiveMessage((raw) => {
      const message = parseAttentionWebviewMessage(raw);
      if (!message) this.ctx.log.warn('Attention panel: ignored malformed message');
      else void this.handle(message);
    });
    panel.onDidDispose(() => {
      if (this.panel === panel) this.panel = undefined;
    });
  }

  private sendShow(): void {
    if (this.payload) this.post({ type: 'show', head: this.ctx.overlay.heads, ...this.payload });
  }

  private async handle(message: AttentionToHost): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.sendShow();
        return;
      case 'selectHead':
        if (message.head !== this.ctx.overlay.heads) this.ctx.overlay.setHead(message.head);
        return;
      case 'exportHtml':
        await this.save('html', Buffer.from(message.html, 'utf8'));
        return;
      case 'exportPng':
        await this.save('png', Buffer.from(message.dataUrl.slice(PNG_DATA_URL_PREFIX.length), 'base64'));
        return;
      case 'exportSvg':
        await this.save('svg', Buffer.from(message.svg, 'utf8'));
        return;
      case 'copied':
        void vscode.window.showInformationMessage('Probescope: attention HTML copied to the clipboard.');
        return;
    }
  }

  private async save(ext: 'html' | 'png' | 'svg', bytes: Buffer): Promise<void> {
    const base = vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = `${(this.payload?.probeName ?? 'attention').replace(/[^\w.-]+/g, '_')}-attention.${ext}`;
    const target = await vscode.window.showSaveDialog({
      defaultUri: base ? vscode.Uri.joinPath(base, name) : undefined,
      filters: { html: { HTML: ['html'] }, png: { 'PNG image': ['png'] }, svg: { 'SVG image': ['svg'] } }[ext],
      saveLabel: 'Export',
    });
    if (!target) return;
    const tmp = `${target.fsPath}.${process.pid}.tmp`;
    await writeFile(tmp, bytes);
    await vscode.workspace.fs.rename(vscode.Uri.file(tmp), target, { overwrite: true });
    void vscode.window.showInformationMessage(`Probescope: saved ${vscode.workspace.asRelativePath(target)}.`);
  }

  private post(message: AttentionToWebview): void {
    void this.panel?.webview.postMessage(message);
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
