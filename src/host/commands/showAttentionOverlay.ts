/**
 * Probescope: Show Attention Overlay — the attention panel for the selection (classified now) or, without one,
 * for the last classification.
 */
import * as vscode from 'vscode';
import type { HostCommand } from './hostCommand';
import { classifyInEditor } from './classifySelection';

export const showAttentionOverlayCommand: HostCommand = {
  id: 'probescope.showAttentionOverlay',
  async run(ctx) {
    const editor = vscode.window.activeTextEditor;
    const hasSelection = editor && !editor.selection.isEmpty;
    const c = hasSelection || !ctx.overlay.last ? editor && (await classifyInEditor(ctx, editor)) : ctx.overlay.last;
    if (!c) {
      if (!editor) void vscode.window.showInformationMessage('Probescope: select text to see its attention.');
      return;
    }
    ctx.attentionPanel.show({ text: c.text, result: c.result, classes: c.classes, probeName: c.probeName });
  },
};
