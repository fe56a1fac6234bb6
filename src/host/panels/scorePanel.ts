/**
 * The score panel (webview/scores): the active document's token scores against position, the decision and 1 % FPR
 * thresholds, the
 * editor's cursor, a click that reveals the place in the editor, and the top firing spans. Follows new scores
 * (ScoreController.onDidShow) and the cursor of the scored document's editor.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  parseScorePanelToHost,
  type ScorePanelPayload,
  type ScorePanelToHost,
  type ScorePanelToWebview,
} from '../../protocol/scorePanel';
import type { HostContext } from '../hostContext';
import type { Painted } from '../scores/scoreController';
import { fprNote } from '../scores/fprNote';
import { topSpans } from '../scores/scorePaint';
import { panelOptions, setUpPanel } from './panelHtml';

const TOP_SPANS = 20;

export class ScorePanelManager implements vscode.Disposable {
  static readonly viewType = 'probescope.scores';
  private panel: vscode.WebviewPanel | undefined;
  private painted: Painted | undefined;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly ctx: HostContext) {
    this.subscriptions = [
      ctx.scores.onDidShow((p) => {
        if (!this.panel) return;
        this.painted = p;
        this.sendShow();
      }),
      vscode.window.onDidChangeTextEditorSelection((e) => this.followCursor(e.textEditor)),
    ];
  }

  /** Opens (or refreshes) the panel for the active editor's scores; false when that document has none. */
  show(): boolean {
    const editor = vscode.window.activeTextEditor;
    const p = editor && this.ctx.scores.current(editor.document);
    if (!p) return false;
    this.painted = p;
    if (this.panel) {
      this.panel.reveal(vscode.ViewColumn.Beside, true);
      this.sendShow();
      return true;
    }
    const panel = vscode.window.createWebviewPanel(
      ScorePanelManager.viewType,
      'Probescope Scores',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      panelOptions(this.ctx.extension.extensionUri),
    );
    this.panel = panel;
    setUpPanel(panel, this.ctx.extension.extensionUri, 'scores', 'Probescope Scores');
    panel.webview.onDidReceiveMessage((raw) => {
      const m = parseScorePanelToHost(raw);
      if (!m) this.ctx.log.warn('Score panel: ignored malformed message');
      else void this.handle(m);
    });
    panel.onDidDispose(() => {
      if (this.panel === panel) this.panel = undefined;
    });
    return true;
  }

  private payload(p: Painted): ScorePanelPayload {
    const s = p.scores;
    return {
      documentName: path.basename(s.uri.path) || s.uri.toString(),
      probeName: s.probeName,
      className: `${s.result.class}${s.result.versus ? ' vs rest' : ''}`,
      threshold: s.result.threshold,
      ...(s.result.fprThreshold.available
        ? {
            fprThreshold: {
              value: s.result.fprThreshold.value,
              fpr: s.result.fprThreshold.fpr,
              tpr: s.result.fprThreshold.tpr,
              negatives: s.result.fprThreshold.negatives,
            },
          }
        : {}),
      fprNote: fprNote(s.result),
      firingThreshold: p.firingThreshold,
      logit: s.result.logit,
      scores: p.units.map((u) => u.score),
      offsets: p.starts,
      spans: topSpans(p.spans, TOP_SPANS).map((x) => ({
        start: s.baseOffset + x.start,
        end: s.baseOffset + x.end,
        peak: x.peak,
        text: s.text.slice(x.start, x.end),
      })),
    };
  }

  private sendShow(): void {
    if (this.painted) this.post({ type: 'show', ...this.payload(this.painted) });
  }

  private followCursor(editor: vscode.TextEditor): void {
    const p = this.painted;
    if (!this.panel || !p || editor.document.uri.toString() !== p.scores.uri.toString()) return;
    const offset = editor.document.offsetAt(editor.selection.active);
    let lo = 0;
    let hi = p.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (p.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    this.post({ type: 'cursor', point: p.starts.length ? lo : -1 });
  }

  private async handle(m: ScorePanelToHost): Promise<void> {
    if (m.type === 'ready') {
      this.sendShow();
      return;
    }
    const p = this.painted;
    if (!p) return;
    const doc = await vscode.workspace.openTextDocument(p.scores.uri);
    // The editor showing the document (a notebook cell's editor too), focused so the cursor is seen; else a new one.
    const shown = vscode.window.visibleTextEditors.find((e) => e.document === doc);
    // (showTextDocument on a cell's document would open it outside its notebook: a visible cell editor is used as is.)
    const editor =
      shown && doc.uri.scheme === 'vscode-notebook-cell'
        ? shown
        : await vscode.window.showTextDocument(doc, {
            viewColumn: shown?.viewColumn ?? vscode.ViewColumn.One,
            preserveFocus: false,
          });
    const start = doc.positionAt(m.offset);
    const end = doc.positionAt(m.end ?? m.offset);
    editor.selection = new vscode.Selection(start, end);
    editor.revealRange(new vscode.Range(start, end), vscode.TextEditorRevealType.InCenter);
  }

  private post(message: ScorePanelToWebview): void {
    void this.panel?.webview.postMessage(message);
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.panel?.dispose();
  }
}
