/**
 * Two status bar items driven by HostState: the model and layer ("$(beaker) tiny-gemma2 · L3", click → Select
 * Model) and the current classification ("$(symbol-class) positive 0.93", click → Show Attention Overlay).
 */
import * as vscode from 'vscode';
import type { HostSnapshot, HostState } from '../state/hostState';

export class StatusItems implements vscode.Disposable {
  private readonly model = vscode.window.createStatusBarItem('probescope.model', vscode.StatusBarAlignment.Right, 100);
  private readonly classification = vscode.window.createStatusBarItem(
    'probescope.classification',
    vscode.StatusBarAlignment.Right,
    99,
  );
  private readonly subscription: { dispose(): void };

  constructor(state: HostState) {
    this.model.name = 'Probescope Model';
    this.model.command = 'probescope.selectModel';
    this.classification.name = 'Probescope Classification';
    this.classification.command = 'probescope.showAttentionOverlay';
    this.subscription = state.onDidChange((s) => this.render(s));
    this.render(state.current);
  }

  private render(s: Readonly<HostSnapshot>): void {
    if (s.model) {
      this.model.text = `$(beaker) ${s.model.id} · L${s.model.layer}`;
      this.model.tooltip = `Probescope model ${s.model.id}, layer ${s.model.layer} — click to change`;
      this.model.show();
    } else {
      this.model.hide();
    }
    if (s.overlay) {
      this.classification.text = `$(symbol-class) ${s.overlay.label} ${s.overlay.probability.toFixed(2)}`;
      this.classification.tooltip = 'Probescope classification of the selection — click to open the attention panel';
      this.classification.show();
    } else {
      this.classification.hide();
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.model.dispose();
    this.classification.dispose();
  }
}
