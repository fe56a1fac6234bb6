/** Dataset summary for the dataset panel and `train` pre-flight: class balance, length histogram, warnings. */
import type { DatasetSummary, DatasetWarning, InspectDatasetParams } from '../../protocol/types';
import { tinyClassWarnings } from './classBalance';
import { scanDataset } from './datasetScan';
import { compareLabels } from './readDataset';

const DEFAULT_TRAIN_MAX_LENGTH = 512;

/** Equal-width integer bins over [0, max]; at most 20 bins. */
export function lengthHistogram(lengths: number[], maxBins = 20): { edges: number[]; counts: number[] } {
  const counts = new Map<number, number>();
  for (const len of lengths) counts.set(len, (counts.get(len) ?? 0) + 1);
  return lengthHistogramOfCounts(counts, maxBins);
}

/** lengthHistogram from (length → how many texts) counts. */
export function lengthHistogramOfCounts(
  lengthCounts: ReadonlyMap<number, number>,
  maxBins = 20,
): { edges: number[]; counts: number[] } {
  let max = 0;
  for (const len of lengthCounts.keys()) max = Math.max(max, len);
  const width = Math.max(1, Math.ceil((max + 1) / maxBins));
  const bins = Math.max(1, Math.ceil((max + 1) / width));
  const edges = Array.from({ length: bins + 1 }, (_, i) => i * width);
  const counts = new Array<number>(bins).fill(0);
  for (const [len, n] of lengthCounts) counts[Math.min(bins - 1, Math.floor(len / width))] += n;
  return { edges, counts };
}

/**
 * The dataset panel's summary, streamed (scanDataset): memory does not grow with the file's bytes (see datasetScan.ts),
 * and the rules, warnings and classes are those of training (readDataset).
 */
export async function inspectDataset(params: InspectDatasetParams): Promise<DatasetSummary> {
  let lengthOf: ((t: string) => number) | undefined;
  let lengthUnit: DatasetSummary['lengthUnit'] = 'characters';
  if (params.modelDir) {
    // Loaded lazily: character histograms need no model code.
    const { GemmaTokenizer } = await import('../model/tokenizer');
    const tok = await GemmaTokenizer.load(params.modelDir);
    lengthOf = (t) => tok.encode(t).length;
    lengthUnit = 'tokens';
  }
  const ds = await scanDataset(params.path, {
    encoding: params.encoding,
    delimiter: params.delimiter,
    quote: params.quote,
    textField: params.textField,
    labelField: params.labelField,
    lengthOf,
  });
  const warnings: DatasetWarning[] = [...ds.warnings];
  const classes = [...ds.classes]
    .map(([label, count]) => ({ label, count }))
    .sort((a, b) => compareLabels(a.label, b.label));
  if (classes.length === 1)
    warnings.push({
      kind: 'one-class',
      message: `Only one class ("${classes[0].label}"): a probe needs at least two.`,
    });
  warnings.push(...tinyClassWarnings(classes, ds.kept));
  if (params.modelDir) {
    const maxLength = params.maxLength ?? DEFAULT_TRAIN_MAX_LENGTH;
    let over = 0;
    for (const [len, count] of ds.lengths) if (len > maxLength) over += count;
    if (over > 0)
      warnings.push({
        kind: 'long-text',
        message: `${over} text(s) exceed ${maxLength} tokens and will be truncated.`,
      });
  }
  return {
    ...(ds.splitField ? { splitField: ds.splitField, splitCounts: ds.splitCounts } : {}),
    path: ds.path,
    format: ds.format,
    rows: ds.rowCount,
    columns: ds.columns,
    textField: ds.textField,
    labelField: ds.labelField,
    classes,
    lengthUnit,
    lengthHistogram: lengthHistogramOfCounts(ds.lengths),
    warnings,
  };
}
