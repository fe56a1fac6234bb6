/**
 * Probescope: Classify Selection — classifies the selection (or the current line) with the active probe and paints
 * the attention overlay; offers to train or pick a probe when none is active.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Requests } from '../../protocol/worker';
import type { HostContext } from '../hostContext';
import type { Classification } from '../overlay/overlayController';
import { readProbeManifest } from '../tree/probeFolder';
import { isInsideWorkspace } from '../model/workspaceTrust';
import { isCancellation, reportError } from '../workerErrors';
import type { HostCommand } from './hostCommand';

export const classifySelectionCommand: HostCommand = {
  id: 'probescope.classifySelection',
  async run(ctx) {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage('Probescope: open a file and select text to classify.');
      return;
    }
    await classifyInEditor(ctx, editor);
  },
};

/** Classifies the editor's selection (or current line) and shows the overlay; undefined when nothing ran. */
export async function classifyInEditor(
  ctx: HostContext,
  editor: vscode.TextEditor,
): Promise<Classification | undefined> {
  const doc = editor.document;
  const range = editor.selection.isEmpty ? doc.lineAt(editor.selection.active.line).range : editor.selection;
  const text = doc.getText(range);
  if (!text.trim()) {
    void vscode.window.showInformationMessage(
      'Probescope: the selection (or current line) is empty; select text to classify.',
    );
    return undefined;
  }
  const probeDir = await ensureActiveProbe(ctx);
  if (!probeDir) return undefined;
  const manifest = await readProbeManifest(probeDir);
  const modelDir = await modelFor(ctx, manifest?.model.dir);
  if (!modelDir) return undefined;
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'Probescope: classifying…' },
      () =>
        ctx.worker.request(Requests.classify, {
          probeDir,
          text,
          modelDir,
          executionProvider: ctx.settings().executionProvider,
        }),
    );
    // The document may have changed while the worker ran: offsets would point at other text.
    if (doc.getText(range) !== text) {
      void vscode.window.showWarningMessage('Probescope: the text changed during classification; classify it again.');
      return undefined;
    }
    // The engine scores the whole text (overlapping windows); should a worker ever cover less, say so: the overlay
    // only paints tokens, so the uncovered rest stays unpainted.
    const covered = result.coverage?.coveredChars ?? text.length;
    if (covered < text.length) {
      void vscode.window.showWarningMessage(
        `Probescope: only the first ${covered} of ${text.length} characters were classified; the rest is unpainted.`,
      );
    }
    const classification: Classification = {
      uri: doc.uri,
      baseOffset: doc.offsetAt(range.start),
      text,
      result,
      probeDir,
      probeName: manifest?.name || path.basename(probeDir),
      classes: manifest?.classes ?? Object.keys(result.probabilities),
      version: doc.version,
    };
    ctx.overlay.show(doc, classification);
    ctx.state.update({ lastError: null });
    return classification;
  } catch (err) {
    if (!isCancellation(err)) reportError(ctx, 'Classification failed', err);
    return undefined;
  }
}

export async function ensureActiveProbe(ctx: HostContext): Promise<string | undefined> {
  const active = ctx.activeProbe.get();
  if (active) return active;
  const probes = await ctx.probes.list();
  const actions = probes.length ? ['Choose Probe…', 'Train Probe'] : ['Train Probe'];
  const choice = await vscode.window.showInformationMessage(
    probes.length
      ? 'Probescope: no active probe. Choose one or train a new one.'
      : 'Probescope: no probe yet. Train one first.',
    ...actions,
  );
  if (choice === 'Train Probe') await vscode.commands.executeCommand('probescope.trainProbe');
  if (choice !== 'Choose Probe…') return undefined;
  const picked = await vscode.window.showQuickPick(
    probes.map((p) => ({
      label: p.manifest.name || path.basename(p.dir),
      description: `${p.manifest.probe} · L${p.manifest.layer}`,
      dir: p.dir,
    })),
    { title: 'Probescope: Active Probe', ignoreFocusOut: true },
  );
  if (!picked) return undefined;
  await ctx.activeProbe.set(picked.dir);
  return picked.dir;
}

/**
 * The probe's own model folder when it still exists and may be loaded (Restricted Mode refuses workspace folders),
 * else the selected model.
 */
export async function modelFor(ctx: HostContext, recorded: string | undefined): Promise<string | undefined> {
  if (recorded && (await exists(path.join(recorded, 'config.json')))) {
    if (vscode.workspace.isTrusted || !isInsideWorkspace(recorded)) return recorded;
  }
  return (await ctx.model.forUse())?.dir;
}

async function exists(p: string): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(vscode.Uri.file(p));
    return true;
  } catch {
    return false;
  }
}
