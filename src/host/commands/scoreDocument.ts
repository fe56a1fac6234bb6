/**
 * Probescope: Score Document / Score Selection — per-token scores of the active probe over the whole document (any
 * length: the worker covers it with overlapping windows) or the selection, painted by ScoreController. Progress
 * counts window batches and the notification's Cancel stops the worker between batches. Works in any text editor:
 * files, untitled editors, notebook cells; the model follows the Restricted Mode rules of Classify Selection.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Requests } from '../../protocol/worker';
import type { HostContext } from '../hostContext';
import type { DocumentScores } from '../scores/scoreController';
import { readProbeManifest } from '../tree/probeFolder';
import { isCancellation, reportError } from '../workerErrors';
import { ensureActiveProbe, modelFor } from './classifySelection';
import type { HostCommand } from './hostCommand';

export const scoreDocumentCommand: HostCommand = {
  id: 'probescope.scoreDocument',
  async run(ctx) {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage('Probescope: open a document to score.');
      return undefined;
    }
    return scoreInEditor(ctx, editor.document, undefined, { interactive: true });
  },
};

export const scoreSelectionCommand: HostCommand = {
  id: 'probescope.scoreSelection',
  async run(ctx) {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.selection.isEmpty) {
      void vscode.window.showInformationMessage('Probescope: select the text to score (or use Score Document).');
      return undefined;
    }
    return scoreInEditor(ctx, editor.document, editor.selection, { interactive: true });
  },
};

/**
 * Scores `range` of `doc` (the whole document when undefined) and paints it; the DocumentScores painted, or undefined
 * when nothing ran (no probe, no model, empty text, cancelled, failed, or the text changed meanwhile).
 */
export async function scoreInEditor(
  ctx: HostContext,
  doc: vscode.TextDocument,
  range: vscode.Range | undefined,
  opts: {
    interactive: boolean;
    /** Score with this probe (a re-score keeps the painted one), not the active one. */ probeDir?: string;
  },
): Promise<DocumentScores | undefined> {
  // The version of this very text, read with it (the awaits below let edits in).
  const text = range ? doc.getText(range) : doc.getText();
  const version = doc.version;
  if (!text.trim()) {
    if (opts.interactive) void vscode.window.showInformationMessage('Probescope: there is no text to score.');
    return undefined;
  }
  const probeDir = opts.probeDir ?? (opts.interactive ? await ensureActiveProbe(ctx) : ctx.activeProbe.get());
  if (!probeDir) return undefined;
  const manifest = await readProbeManifest(probeDir);
  const modelDir = await modelFor(ctx, manifest?.model.dir);
  if (!modelDir) return undefined;
  const probeName = manifest?.name || path.basename(probeDir);
  try {
    const result = await vscode.window.withProgress(
      {
        location: opts.interactive ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window,
        title: `Probescope: scoring ${range ? 'the selection' : path.basename(doc.uri.path)} with ${probeName}`,
        cancellable: true,
      },
      async (progress, token) => {
        let last = 0;
        const route = ctx.progress.listen({
          onProgress: (e) => {
            const pct = e.total > 0 ? (100 * e.done) / e.total : 0;
            progress.report({ message: `windows ${e.done}/${e.total}`, increment: pct - last });
            last = pct;
          },
        });
        try {
          return await ctx.worker.request(
            Requests.scoreText,
            {
              probeDir,
              text,
              modelDir,
              executionProvider: ctx.settings().executionProvider,
              progressId: route.progressId,
              // Whole documents: an edit re-scores only the windows after the first changed token.
              ...(range ? {} : { reuseKey: doc.uri.toString() }),
            },
            token,
          );
        } finally {
          route.dispose();
        }
      },
    );
    // A document closed meanwhile keeps nothing (its URI may come back as another document at the same version).
    if (doc.isClosed) return undefined;
    // Offsets hold only for the version that was scored: an edit meanwhile re-scores (whole documents) or drops it.
    if (doc.version !== version) {
      if (!range) ctx.scores.rescoreLater(doc, probeDir);
      else if (opts.interactive)
        void vscode.window.showWarningMessage('Probescope: the document changed while scoring; score it again.');
      return undefined;
    }
    const scores: DocumentScores = {
      uri: doc.uri,
      version,
      baseOffset: range ? doc.offsetAt(range.start) : 0,
      text,
      wholeDocument: !range,
      result,
      probeDir,
      probeName,
    };
    ctx.scores.show(doc, scores);
    ctx.state.update({ lastError: null });
    return scores;
  } catch (err) {
    if (!isCancellation(err)) reportError(ctx, 'Scoring failed', err);
    return undefined;
  }
}
