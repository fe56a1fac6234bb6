/**
 * The score painter's fixed decoration types, created once: one per colour level and side (theme colours
 * `probescope.scoreNegative1..4` / `probescope.scorePositive1..4`, a diverging scale centred on the threshold) and one
 * overview-ruler mark for firing spans (`probescope.scoreFiringRuler`).
 */
import * as vscode from 'vscode';
import { SCORE_LEVELS, scoreColorId } from './scorePaint';

/** Index of a level −LEVELS..−1, 1..LEVELS in the array createScoreDecorations returns. */
export const levelSlot = (level: number): number => (level < 0 ? -level - 1 : SCORE_LEVELS + level - 1);

export function createScoreDecorations(): vscode.TextEditorDecorationType[] {
  const sides = [
    ...Array.from({ length: SCORE_LEVELS }, (_, k) => ['negative', k + 1] as const),
    ...Array.from({ length: SCORE_LEVELS }, (_, k) => ['positive', k + 1] as const),
  ];
  return sides.map(([side, level]) =>
    vscode.window.createTextEditorDecorationType({
      rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
      borderRadius: '2px',
      backgroundColor: new vscode.ThemeColor(scoreColorId(side, level)),
    }),
  );
}

export function createFiringRulerDecoration(): vscode.TextEditorDecorationType {
  return vscode.window.createTextEditorDecorationType({
    overviewRulerColor: new vscode.ThemeColor('probescope.scoreFiringRuler'),
    overviewRulerLane: vscode.OverviewRulerLane.Right,
    outlineWidth: '1px',
    outlineStyle: 'dotted',
    outlineColor: new vscode.ThemeColor('probescope.scoreFiringRuler'),
  });
}
