/**
 * For tests that compare a command's streamed read of a dataset with its in-memory read: `bothWays` runs a function
 * with every file read into memory, then with every file streamed in batches of 7 rows; `mixedTable` is a small table
 * with the cases the dataset rules handle (duplicates, empty and blank texts, missing labels, a big-number text).
 */
import { extractionTextsConfig } from '../../../../src/core/data/extractionTexts';
import { readDatasetConfig } from '../../../../src/core/data/readDataset';
import { trainingRowsConfig } from '../../../../src/core/data/trainingRows';
import { Literal, type Cell } from './tableFiles';

/** Runs `fn` with every file read in memory (memo threshold ∞), then streamed (threshold 0, batches of 7 rows). */
export async function bothWays<T>(fn: () => Promise<T>): Promise<{ memory: T; streamed: T }> {
  const saved = {
    memo: readDatasetConfig.memoMaxBytes,
    batch: trainingRowsConfig.batchRows,
    extraction: extractionTextsConfig.batchRows,
  };
  try {
    readDatasetConfig.memoMaxBytes = Infinity;
    const memory = await fn();
    return { memory, streamed: await streamed(fn) };
  } finally {
    readDatasetConfig.memoMaxBytes = saved.memo;
    trainingRowsConfig.batchRows = saved.batch;
    extractionTextsConfig.batchRows = saved.extraction;
  }
}

/** Runs `fn` with every file streamed (threshold 0, batches of 7 rows). */
export async function streamed<T>(fn: () => Promise<T>): Promise<T> {
  const saved = {
    memo: readDatasetConfig.memoMaxBytes,
    batch: trainingRowsConfig.batchRows,
    extraction: extractionTextsConfig.batchRows,
  };
  try {
    readDatasetConfig.memoMaxBytes = 0;
    trainingRowsConfig.batchRows = 7;
    extractionTextsConfig.batchRows = 7;
    return await fn();
  } finally {
    readDatasetConfig.memoMaxBytes = saved.memo;
    trainingRowsConfig.batchRows = saved.batch;
    extractionTextsConfig.batchRows = saved.extraction;
  }
}

/** 60 rows: duplicates (some across labels), empty and blank texts, missing labels (rows 22, 41), a big-number text. */
export function mixedTable(format?: string): { text: Cell[]; label: Cell[] } {
  const text: Cell[] = [];
  const label: Cell[] = [];
  for (let i = 0; i < 60; i++) {
    text.push(
      i % 11 === 3
        ? ''
        : i % 13 === 5
          ? '   '
          : i % 7 === 0
            ? `repeated text ${i % 3}`
            : i === 17
              ? format === 'parquet'
                ? '98765432109876543211'
                : new Literal('98765432109876543211')
              : `sample ${i}: ${'word '.repeat(1 + (i % 4))}é`,
    );
    label.push(i === 22 || i === 41 ? null : ['pos', 'neg', 'mid'][(i * 7) % 3]);
  }
  return { text, label };
}

/** The file rows (0-based) mixedTable keeps: a text that is not empty or blank, and a label. */
export function mixedTableKeptRows(): number[] {
  return Array.from({ length: 60 }, (_, i) => i).filter((i) => i % 11 !== 3 && i % 13 !== 5 && i !== 22 && i !== 41);
}
