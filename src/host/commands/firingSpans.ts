/** Next / Previous Firing Span (score above the threshold) in the active editor's token scores; Clear Scores. */
import * as vscode from 'vscode';
import type { HostCommand } from './hostCommand';
import type { HostContext } from '../hostContext';

function jump(ctx: HostContext, direction: 'next' | 'previous'): boolean {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return false;
  const moved = ctx.scores.jump(editor, direction);
  if (!moved) {
    const scored = ctx.scores.current(editor.document) !== undefined;
    void vscode.window.showInformationMessage(
      scored
        ? 'Probescope: no token of this document passes the threshold.'
        : 'Probescope: score the document first (Probescope: Score Document).',
    );
  }
  return moved;
}

export const nextFiringSpanCommand: HostCommand = {
  id: 'probescope.nextFiringSpan',
  run: (ctx) => jump(ctx, 'next'),
};

export const previousFiringSpanCommand: HostCommand = {
  id: 'probescope.previousFiringSpan',
  run: (ctx) => jump(ctx, 'previous'),
};

export const clearScoresCommand: HostCommand = {
  id: 'probescope.clearScores',
  run: (ctx) => ctx.scores.clear(vscode.window.activeTextEditor?.document.uri),
};

export const showScorePanelCommand: HostCommand = {
  id: 'probescope.showScorePanel',
  run: (ctx) => {
    if (!ctx.scorePanel.show())
      void vscode.window.showInformationMessage(
        'Probescope: score the document first (Probescope: Score Document), then open the score panel.',
      );
  },
};
