/**
 * Checks a dataset file right after it is picked (workspace list or Browse…), before the next picker: the extension
 * must be one Probescope reads, and the worker must be able to read it (columns found, labels present). A problem is
 * returned as a sentence for the user; the picker then opens again.
 */
import { statSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Requests } from '../../protocol/worker';
import type { HostContext } from '../hostContext';
import { errorMessage, isCancellation } from '../workerErrors';

export const DATASET_EXTENSIONS = ['jsonl', 'ndjson', 'json', 'csv', 'tsv', 'tab', 'txt', 'parquet'] as const;
/** The Browse dialog's filter: the dataset types and their gzip-compressed files (`train.jsonl.gz`). */
export const DATASET_DIALOG_EXTENSIONS = [...DATASET_EXTENSIONS, 'gz'];

/**
 * A sentence naming the problem when `file` is not of a type the dataset readers take (src/core/data; a `.gz` of one
 * is read too), else undefined.
 */
export function datasetExtensionProblem(file: string): string | undefined {
  // A folder (of Parquet shards: shardFolderPicks.ts) has no extension; the worker's read decides whether it is one.
  if (isFolder(file)) return undefined;
  const ext = path.extname(file.replace(/\.gz$/i, '')).slice(1).toLowerCase();
  if ((DATASET_EXTENSIONS as readonly string[]).includes(ext)) return undefined;
  return (
    `${path.basename(file)} is not a dataset Probescope can read` +
    `${ext ? ` (.${ext})` : ''}: choose a JSONL, JSON, CSV, TSV or Parquet file with a text column and a label column.`
  );
}

function isFolder(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

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
