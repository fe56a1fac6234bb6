/**
 * The classification's label and probability as a CodeLens above the classified text ("Probescope: positive 0.93 ·
 * <probe>"): readable however the editor wraps lines (the inline hint after the text is cut off in wrapped editors).
 * Clicking it opens the attention panel. Follows HostState.overlay, so it goes whenever the overlay goes.
 */
import * as vscode from 'vscode';
import type { HostState, OverlayState } from '../state/hostState';

export class LabelCodeLens implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private overlay: OverlayState | null;
  private readonly subscription: { dispose(): void };

  constructor(state: HostState) {
    this.overlay = state.current.overlay;
    this.subscription = state.onDidChange((s) => {
      if (s.overlay === this.overlay) return;
      this.overlay = s.overlay;
      this.changed.fire();
    });
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const o = this.overlay;
    if (!o || o.uri !== document.uri.toString() || o.ranges.length === 0) return [];
    const line = Math.min(...o.ranges.map((r) => r.start[0]));
    const probe = o.probeName ? ` · ${o.probeName}` : '';
    return [
      new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
        title: `Probescope: ${o.label} ${o.probability.toFixed(2)}${probe}`,
        tooltip: 'Label and probability of the classified text — click to open the attention panel',
        command: 'probescope.showAttentionOverlay',
      }),
    ];
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
