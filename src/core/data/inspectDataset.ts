/** Dataset summary for the dataset panel and `train` pre-flight: class balance, length histogram, warnings. */
import type { DatasetSummary, DatasetWarning, InspectDatasetParams } from '../../protocol/types';
import { tinyClassWarnings } from './classBalance';
import { detectSplitColumn, type SplitRole } from './givenSplit';
import { loadTable } from './records';
import { compareLabels, detectFields, labelToString, textOf } from './readDataset';

const DEFAULT_TRAIN_MAX_LENGTH = 512;

/** Equal-width integer bins over [0, max]; at most 20 bins. */
export function lengthHistogram(lengths: number[], maxBins = 20): { edges: number[]; counts: number[] } {
  const max = lengths.reduce((m, x) => Math.max(m, x), 0);
  const width = Math.max(1, Math.ceil((max + 1) / maxBins));
  const bins = Math.max(1, Math.ceil((max + 1) / width));
  const edges = Array.from({ length: bins + 1 }, (_, i) => i * width);
  const counts = new Array<number>(bins).fill(0);
  for (const len of lengths) counts[Math.min(bins - 1, Math.floor(len / width))]++;
  return { edges, counts };
}

export async function inspectDataset(params: InspectDatasetParams): Promise<DatasetSummary> {
  const table = await loadTable(params.path);
  const { textField, labelField } = detectFields(table, params);
  const warnings: DatasetWarning[] = [];
  const counts = new Map<string, number>();
  const texts: string[] = [];
  let missingLabels = 0;
  let empty = 0;
  for (const row of table.rows) {
    const text = textOf(row, textField) ?? '';
    texts.push(text);
    if (text.trim() === '') empty++;
    const label = labelToString(row[labelField]);
    if (label === undefined) missingLabels++;
    else counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  const rows = table.rows.length;
  const classes = [...counts]
    .map(([label, count]) => ({ label, count }))
    .sort((a, b) => compareLabels(a.label, b.label));

  if (missingLabels > 0)
    warnings.push({
      kind: 'missing-label',
      message: `${missingLabels} row(s) have no "${labelField}"; training will refuse them.`,
    });
  if (classes.length === 1)
    warnings.push({
      kind: 'one-class',
      message: `Only one class ("${classes[0].label}"): a probe needs at least two.`,
    });
  warnings.push(...tinyClassWarnings(classes, rows));
  const seen = new Set<string>();
  let dup = 0;
  for (const t of texts) {
    if (seen.has(t)) dup++;
    else seen.add(t);
  }
  if (dup > 0)
    warnings.push({
      kind: 'duplicates',
      message: `${dup} duplicate text(s); duplicates can leak between train and test.`,
    });
  if (empty > 0) warnings.push({ kind: 'empty-text', message: `${empty} row(s) have empty text.` });

  let lengths: number[];
  let lengthUnit: DatasetSummary['lengthUnit'] = 'characters';
  if (params.modelDir) {
    // Loaded lazily: character histograms need no model code.
    const { GemmaTokenizer } = await import('../model/tokenizer');
    const tok = await GemmaTokenizer.load(params.modelDir);
    lengths = texts.map((t) => tok.encode(t).length);
    lengthUnit = 'tokens';
    const maxLength = params.maxLength ?? DEFAULT_TRAIN_MAX_LENGTH;
    const over = lengths.filter((n) => n > maxLength).length;
    if (over > 0)
      warnings.push({
        kind: 'long-text',
        message: `${over} text(s) exceed ${maxLength} tokens and will be truncated.`,
      });
  } else {
    lengths = texts.map((t) => t.length);
  }
  const splitField = detectSplitColumn(
    table.columns.map((c) => c.name),
    table.rows,
  );
  const splitCounts = splitField ? { train: 0, test: 0, validation: 0 } : undefined;
  if (splitField && splitCounts)
    for (const row of table.rows) splitCounts[String(row[splitField]).trim().toLowerCase() as SplitRole]++;
  return {
    ...(splitField ? { splitField, splitCounts } : {}),
    path: table.path,
    format: table.format,
    rows,
    columns: table.columns,
    textField,
    labelField,
    classes,
    lengthUnit,
    lengthHistogram: lengthHistogram(lengths),
    warnings,
  };
}
