/**
 * The overlay's fixed decoration types: one per attention bucket plus the inline label hint, created once at
 * activation and disposed on deactivate (never per paint). Bucket backgrounds are theme colours contributed in
 * package.json (`probescope.attentionBucket1..6`, with dark, light and both high-contrast defaults), so they follow the
 * theme and users can restyle them with workbench.colorCustomizations; the top buckets are outlined with the theme's
 * find-match border, which high-contrast themes draw.
 */
import * as vscode from 'vscode';
import { BUCKET_COUNT, bucketColorId } from './tokenWeights';

export function createBucketDecorations(): vscode.TextEditorDecorationType[] {
  return Array.from({ length: BUCKET_COUNT }, (_, b) =>
    vscode.window.createTextEditorDecorationType({
      rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
      borderRadius: '2px',
      backgroundColor: new vscode.ThemeColor(bucketColorId(b)),
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
