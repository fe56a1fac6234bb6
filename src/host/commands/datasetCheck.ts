/**
 * Checks a dataset file right after it is picked (workspace list or Browse…), before the next picker: the extension
 * must be one Probescope reads, and the worker must be able to read it (columns found, labels present). A problem is
 * returned as a sentence for the user; the picker then opens again.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Requests } from '../../protocol/worker';
import type { HostContext } from '../hostContext';
import { errorMessage, isCancellation } from '../workerErrors';
import { datasetExtensionProblem } from './datasetExtensions';

export { DATASET_DIALOG_EXTENSIONS, DATASET_EXTENSIONS, datasetExtensionProblem } from './datasetExtensions';

/** The extension check, then the worker reads the file (columns and labels, lengths in characters: no model load). */
export function datasetChecker(
  ctx: HostContext,
  fields: { textField?: string; labelField?: string } = {},
): (file: string) => Promise<string | undefined> {
  return async (file) => {
    const bad = datasetExtensionProblem(file);
    if (bad) return bad;
    try {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: `Probescope: checking ${path.basename(file)}` },
        () => ctx.worker.request(Requests.inspectDataset, { path: file, ...fields }),
      );
      return undefined;
    } catch (err) {
      if (isCancellation(err)) return undefined;
      return `${path.basename(file)} cannot be used: ${errorMessage(err)}`;
    }
  };
}
