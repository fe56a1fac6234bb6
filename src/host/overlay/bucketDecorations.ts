/**
 * The overlay's fixed decoration types: one per attention bucket plus the inline label hint, created once at
 * activation and disposed on deactivate (never per paint). Light and dark variants keep text readable: a warm
 * highlight whose alpha rises with the bucket, outlined at the top buckets so high-contrast themes show them too.
 */
import * as vscode from 'vscode';
import { BUCKET_COUNT } from './tokenWeights';

const ALPHA = [0.05, 0.14, 0.26, 0.4, 0.56, 0.72];

export function createBucketDecorations(): vscode.TextEditorDecorationType[] {
  return Array.from({ length: BUCKET_COUNT }, (_, b) =>
    vscode.window.createTextEditorDecorationType({
      rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
      borderRadius: '2px',
      light: { backgroundColor: `rgba(235, 110, 0, ${ALPHA[b] * 0.8})` },
      dark: { backgroundColor: `rgba(255, 150, 40, ${ALPHA[b] * 0.75})` },
      outlineWidth: b >= BUCKET_COUNT - 2 ? '1px' : undefined,
      outlineStyle: b >= BUCKET_COUNT - 2 ? 'solid' : undefined,
      outlineColor: b >= BUCKET_COUNT - 2 ? new vscode.ThemeColor('editor.findMatchBorder') : undefined,
      overviewRulerColor:
        b === BUCKET_COUNT - 1 ? new vscode.ThemeColor('editorOverviewRuler.findMatchForeground') : undefined,
      overviewRulerLane: vscode.OverviewRulerLane.Center,
    }),
  );
}

export function createLabelDecoration(): vscode.TextEditorDecorationType {
  return vscode.window.createTextEditorDecorationType({
    after: {
      color: new vscode.ThemeColor('editorCodeLens.foreground'),
      fontStyle: 'italic',
      margin: '0 0 0 1.5em',
    },
  });
}
