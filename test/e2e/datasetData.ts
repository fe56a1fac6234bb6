/** A generated 100k-row dataset and a stub host that pages it like src/core/data's datasetRows (offset/limit/search). */
import type { DatasetRowsResult, DatasetSummary } from '../../src/protocol/types';

export const ROWS = 100_000;
export const LABELS = ['negative', 'positive', 'neutral'];
const WORDS = ['probe', 'attention', 'token', 'layer', 'residual', 'gemma', 'linear', 'softmax', 'head', 'vector'];

export function rowText(i: number): string {
  const words = Array.from({ length: 5 + (i % 17) }, (_, k) => WORDS[(i * 7 + k * 3) % WORDS.length]);
  return `Example ${i}: ${words.join(' ')}${i % 1000 === 0 ? ' needle' : ''}`;
}
export const rowLabel = (i: number): string => LABELS[i % 3];

export function summary(path = '/data/reviews-100k.jsonl'): DatasetSummary {
  return {
    path,
    format: 'jsonl',
    rows: ROWS,
    columns: [
      { name: 'text', kind: 'string' },
      { name: 'label', kind: 'string' },
      { name: 'title', kind: 'string' },
      { name: 'score', kind: 'number' },
    ],
    textField: 'text',
    labelField: 'label',
    classes: LABELS.map((label, k) => ({ label, count: Math.floor(ROWS / 3) + (k === 0 ? ROWS % 3 : 0) })),
    lengthUnit: 'tokens',
    lengthHistogram: {
      edges: Array.from({ length: 21 }, (_, k) => k * 8),
      counts: Array.from({ length: 20 }, (_, k) => Math.round(9000 * Math.exp(-((k - 6) ** 2) / 18))),
    },
    warnings: [
      { kind: 'duplicates', message: '212 texts appear more than once; duplicates can leak between train and test.' },
      { kind: 'long-text', message: '37 texts are longer than 512 tokens and will be truncated.' },
    ],
  };
}

let lastSearch = '';
let lastMatches: number[] | undefined;
export function rowsPage(offset: number, limit: number, search: string): DatasetRowsResult {
  if (!search) {
    const end = Math.min(ROWS, offset + limit);
    const rows = [];
    for (let i = offset; i < end; i++) rows.push({ index: i, text: rowText(i), label: rowLabel(i) });
    return { rows, total: ROWS };
  }
  if (search !== lastSearch || !lastMatches) {
    const needle = search.toLowerCase();
    lastMatches = [];
    for (let i = 0; i < ROWS; i++) {
      if (rowText(i).toLowerCase().includes(needle) || rowLabel(i).includes(needle)) lastMatches.push(i);
    }
    lastSearch = search;
  }
  const slice = lastMatches.slice(offset, offset + limit);
  return { rows: slice.map((i) => ({ index: i, text: rowText(i), label: rowLabel(i) })), total: lastMatches.length };
}
