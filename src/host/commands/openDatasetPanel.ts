/**
 * Probescope: Open Dataset Panel — for the Explorer's file, the active editor's dataset, or a picked one.
 */
import * as vscode from 'vscode';
import type { HostCommand } from './hostCommand';
import { pickDatasetFile } from './quickPicks';

const DATASET = /\.(jsonl|ndjson|json|csv|tsv|tab|parquet)(\.gz)?$/i;

export const openDatasetPanelCommand: HostCommand = {
  id: 'probescope.openDatasetPanel',
  async run(ctx, arg) {
    const fromArg = arg instanceof vscode.Uri ? arg.fsPath : typeof arg === 'string' ? arg : undefined;
    const active = vscode.window.activeTextEditor?.document.uri;
    const fromEditor = active?.scheme === 'file' && DATASET.test(active.fsPath) ? active.fsPath : undefined;
    const file = fromArg ?? fromEditor ?? (await pickDatasetFile({ title: 'Probescope: Open Dataset Panel' }));
    if (file) ctx.datasetPanel.open(file);
  },
};
