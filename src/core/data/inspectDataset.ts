/** Dataset summary for the dataset panel and `train` pre-flight: class balance, length histogram, warnings. */
import type { DatasetSummary, DatasetWarning, InspectDatasetParams } from '../../protocol/types';
import { tinyClassWarnings } from './classBalance';
import { detectSplitColumn, type SplitRole } from './givenSplit';
import { loadTable } from './records';
import { compareLabels, datasetFromTable } from './readDataset';

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
  const opts = { encoding: params.encoding, delimiter: params.delimiter, quote: params.quote };
  const table = await loadTable(params.path, opts);
  // The same rules as training (readDataset): skipped rows, label normalisation, notes, duplicates.
  const ds = datasetFromTable(table, { ...opts, textField: params.textField, labelField: params.labelField });
  const { textField, labelField, texts } = ds;
  const warnings: DatasetWarning[] = [...ds.warnings];
  const counts = new Map<string, number>();
  for (const label of ds.labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  const rows = ds.rowCount;
  const kept = texts.length;
  const classes = [...counts]
    .map(([label, count]) => ({ label, count }))
    .sort((a, b) => compareLabels(a.label, b.label));

  if (classes.length === 1)
    warnings.push({
      kind: 'one-class',
      message: `Only one class ("${classes[0].label}"): a probe needs at least two.`,
    });
  warnings.push(...tinyClassWarnings(classes, kept));

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
    (name) => table.column(name),
  );
  const splitCounts = splitField ? { train: 0, test: 0, validation: 0 } : undefined;
  if (splitField && splitCounts)
    for (const v of table.column(splitField)) splitCounts[String(v).trim().toLowerCase() as SplitRole]++;
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
