/**
 * The file types the dataset pickers offer and accept (no vscode import: unit-tested against the core readers'
 * formatOf, so the editor never refuses a file the CLI reads, nor offers one it refuses).
 */
import { statSync } from 'node:fs';
import * as path from 'node:path';

export const DATASET_EXTENSIONS = ['jsonl', 'ndjson', 'json', 'csv', 'tsv', 'tab', 'txt', 'parquet', 'pq'] as const;
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
