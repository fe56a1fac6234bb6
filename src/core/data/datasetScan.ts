/**
 * scanDataset: the dataset rules of readDataset/datasetFromTable applied while streaming the file in batches
 * (records.scanTable), for the dataset panel's summary (inspectDataset). It never holds the table or the texts:
 * per distinct raw label value it keeps counts, the first five row locators, a histogram of text lengths and a
 * 53-bit hash per kept text (8 bytes a row, for the duplicate count), so memory grows with the number of labels and
 * of rows × 8 bytes, not with the file's bytes.
 *
 * Results equal datasetFromTable's (same warnings, same messages, same classes), with one approximation: duplicate
 * texts are counted by hash (two different texts share a 53-bit hash with probability ≈ n² / 2^54; 4.6 M rows:
 * ≈ 0.1 %, which would add 1 to the count). Columns are chosen on the first batch and checked against the whole
 * file's constant-column facts at the end; if the whole file would choose differently, the file is scanned again
 * with the right columns.
 */
import * as path from 'node:path';
import type { DatasetColumnInfo, DatasetWarning } from '../../protocol/types';
import { ProbescopeError } from '../errors';
import { cellText, isMissing } from './cellValues';
import { detectFields, LABEL_NAMES, TEXT_NAMES, type FieldChoice } from './fieldDetection';
import { SPLIT_COLUMN_NAMES, SPLIT_ROLES, type SplitRole } from './givenSplit';
import { normaliseLabelColumn } from './labelColumn';
import { singletonLabelWarning } from './classBalance';
import { duplicatesWarning, labelSpellingsWarning, notTextError, noUsableRowsError } from './readDataset';
import { scanTable, type DatasetFormat, type DatasetReadOptions, type RawTable, type RowBatch } from './records';

export interface DatasetScan {
  path: string;
  format: DatasetFormat;
  textField: string;
  labelField: string;
  columns: DatasetColumnInfo[];
  /** Rows in the file, kept or not. */
  rowCount: number;
  /** Kept examples per label (label spelled as training spells it). */
  classes: Map<string, number>;
  /** Kept examples per text length (`lengthOf`, default: UTF-16 code units as String.length). */
  lengths: Map<number, number>;
  kept: number;
  /** The same warnings, in the same order, as datasetFromTable. */
  warnings: DatasetWarning[];
  splitField?: string;
  splitCounts?: Record<SplitRole, number>;
  /** The label of each distinct raw label value (the `distinct` of onText), undefined when that value is missing. */
  distinctLabels: (string | undefined)[];
  /** How many rows onText saw whose label is missing (they are skipped). */
  missingLabels: number;
}

export interface ScanDatasetOptions extends DatasetReadOptions {
  textField?: string;
  labelField?: string;
  /** Length of a kept text for the histogram (e.g. its token count); default `text.length`. */
  lengthOf?: (text: string) => number;
  /** Rows per batch (CSV/JSON; Parquet streams one row group at a time). Default 8192. */
  batchRows?: number;
  /**
   * Each batch as the rules see it (e.g. with a rendered chat column added: chatDataset.ts); applied before anything
   * else, on every pass. Default: the batch as read.
   */
  transformBatch?: (batch: RowBatch) => RowBatch;
  /** Count duplicate texts by hash (8 bytes a row; default true). False: no duplicates warning (the caller counts). */
  countDuplicates?: boolean;
  /** Called at the start of each pass over the file (a second pass happens when the columns are chosen again). */
  onPass?: () => void;
  /**
   * Called for every row whose text is kept before the label rule runs (label decided at the end: see
   * DatasetScan.distinctLabels), in file order: the file row, the index of its distinct raw label, the text and the
   * batch with the row's index in it.
   */
  onText?: (fileRow: number, distinct: number, text: string, batch: RowBatch, i: number) => void;
}

/** A 53-bit hash of a string (two 32-bit multiplicative hashes, FNV-1a and a murmur-style mix). */
export function textHash(s: string): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 13;
  }
  return (h1 >>> 0) * 0x200000 + ((h2 >>> 0) & 0x1fffff);
}

class Float64List {
  data = new Float64Array(256);
  length = 0;
  push(x: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = x;
  }
}

/** A key that is equal for raw cells that every label rule treats alike (type and spelling). */
function labelKey(v: unknown): string {
  switch (typeof v) {
    case 'undefined':
      return 'u';
    case 'string':
      return 's' + v;
    case 'number':
      return 'n' + String(v);
    case 'bigint':
      return 'b' + String(v);
    case 'boolean':
      return 'o' + String(v);
    default:
      if (v === null) return 'z';
      try {
        return 'j' + JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));
      } catch {
        return 'x' + String(v);
      }
  }
}

interface DistinctLabel {
  value: unknown;
  /** Where it first occurs (for an error about the value). */
  where: string;
  all: number;
  kept: number;
  first: [number, string][];
  lengths: Map<number, number>;
  hashes: Float64List;
}

const CANDIDATES = new Set([...TEXT_NAMES, ...LABEL_NAMES]);

/** One pass over the file with the columns fixed (or chosen from the first batch when `fields` is undefined). */
class ScanPass {
  fields?: FieldChoice;
  sampleError?: unknown;
  readonly distinct: DistinctLabel[] = [];
  readonly byKey = new Map<string, number>();
  readonly noText = { count: 0, first: [] as string[] };
  textError?: ProbescopeError;
  /** Constant-column facts of candidate columns over the whole file. */
  readonly constancy = new Map<string, { first?: string; present: number; differs: boolean }>();
  readonly splits = new Map<string, { ok: boolean; counts: Record<SplitRole, number> }>();

  constructor(
    private readonly opts: ScanDatasetOptions,
    fields: FieldChoice | undefined,
  ) {
    this.fields = fields;
  }

  /** Columns a transformBatch added (not in the file). */
  readonly added = new Map<string, DatasetColumnInfo>();

  onBatch(raw: RowBatch): void {
    const batch = this.opts.transformBatch ? this.opts.transformBatch(raw) : raw;
    if (batch !== raw)
      for (const c of batch.columns) if (!raw.columns.some((r) => r.name === c.name)) this.added.set(c.name, c);
    this.trackColumns(batch);
    if (!this.fields && this.sampleError === undefined) {
      try {
        this.fields = detectFields(batch, this.opts);
      } catch (err) {
        this.sampleError = err;
      }
    }
    if (this.fields) this.addRows(batch, this.fields);
  }

  private trackColumns(batch: RowBatch): void {
    for (const { name } of batch.columns) {
      const lower = name.trim().toLowerCase();
      const values = batch.column(name);
      if (CANDIDATES.has(lower)) {
        let st = this.constancy.get(name);
        if (!st) this.constancy.set(name, (st = { present: 0, differs: false }));
        for (let i = 0; i < batch.rowCount && !st.differs; i++) {
          const v = values[i];
          if (isMissing(v)) continue;
          const s = cellText(v) ?? labelKey(v);
          st.present++;
          if (st.first === undefined) st.first = s;
          else if (s !== st.first) st.differs = true;
        }
      }
      if (SPLIT_COLUMN_NAMES.includes(lower)) {
        let st = this.splits.get(name);
        if (!st) this.splits.set(name, (st = { ok: batch.start === 0, counts: { train: 0, test: 0, validation: 0 } }));
        for (let i = 0; i < batch.rowCount && st.ok; i++) {
          const s = String(values[i] ?? '')
            .trim()
            .toLowerCase();
          if ((SPLIT_ROLES as readonly string[]).includes(s)) st.counts[s as SplitRole]++;
          else st.ok = false;
        }
      }
    }
  }

  private addRows(batch: RowBatch, fields: FieldChoice): void {
    const tv = batch.column(fields.textField);
    const lv = batch.column(fields.labelField);
    const lengthOf = this.opts.lengthOf ?? ((t: string) => t.length);
    for (let i = 0; i < batch.rowCount; i++) {
      const v = lv[i];
      const key = labelKey(v);
      let d = this.byKey.get(key);
      if (d === undefined) {
        d = this.distinct.length;
        this.byKey.set(key, d);
        this.distinct.push({
          value: v,
          where: batch.where(i),
          all: 0,
          kept: 0,
          first: [],
          lengths: new Map(),
          hashes: new Float64List(),
        });
      }
      const label = this.distinct[d];
      label.all++;
      const t = tv[i];
      const text = cellText(t);
      if (text === undefined && t !== null && t !== undefined && !(typeof t === 'number' && Number.isNaN(t))) {
        this.textError ??= notTextError(path.basename(batch.path), batch.where(i), fields.textField, t);
        continue;
      }
      if (text === undefined || text.trim() === '') {
        this.noText.count++;
        if (this.noText.first.length < 5) this.noText.first.push(batch.where(i));
        continue;
      }
      label.kept++;
      if (label.first.length < 5) label.first.push([batch.start + i, batch.where(i)]);
      const len = lengthOf(text);
      label.lengths.set(len, (label.lengths.get(len) ?? 0) + 1);
      if (this.opts.countDuplicates !== false) label.hashes.push(textHash(text));
      this.opts.onText?.(batch.start + i, d, text, batch, i);
    }
  }

  /** The file's constant-column facts as a tiny table that detectFields reads exactly as it reads the whole file. */
  constancyTable(table: RawTable): RawTable {
    const synth = (name: string): unknown[] => {
      const st = this.constancy.get(name);
      if (!st || st.first === undefined) return [];
      if (st.differs) return ['a', 'b'];
      return st.present >= 2 ? [st.first, st.first] : [st.first];
    };
    return { ...table, rowCount: Math.min(table.rowCount, 3), column: synth, rows: [] };
  }
}

const rowsList = (shown: string[], count: number) => shown.join(', ') + (count > 5 ? `, … (${count} in all)` : '');

/** Streams `file` and returns what inspectDataset shows; errors as readDataset's (see the file comment). */
export async function scanDataset(file: string, opts: ScanDatasetOptions = {}): Promise<DatasetScan> {
  let pass = new ScanPass(opts, undefined);
  const run = async (p: ScanPass): Promise<RawTable> => {
    opts.onPass?.();
    const r = await scanTable(file, opts, { batchRows: opts.batchRows ?? 8192, onBatch: (b) => p.onBatch(b) });
    if (r.stopped) throw new Error('unreachable: the dataset scan never stops early');
    return p.added.size > 0 ? { ...r.table, columns: [...r.table.columns, ...p.added.values()] } : r.table;
  };
  let table = await run(pass);
  // The whole file's facts decide; rescan only when they choose other columns than the first batch did.
  const exact = detectFields(pass.constancyTable(table), opts);
  if (!pass.fields || pass.fields.textField !== exact.textField || pass.fields.labelField !== exact.labelField) {
    pass = new ScanPass(opts, { textField: exact.textField, labelField: exact.labelField });
    table = await run(pass);
  }
  const { textField, labelField } = exact;
  const name = path.basename(table.path);
  const warnings: DatasetWarning[] = [...table.notes];
  if (exact.note) warnings.push(exact.note);
  const labels = normaliseLabelColumn(
    pass.distinct.map((d) => d.value),
    {
      file: name,
      field: labelField,
      where: (d) => pass.distinct[d].where,
      weights: pass.distinct.map((d) => d.all),
    },
  );
  if (pass.textError) throw pass.textError;
  const classes = new Map<string, number>();
  const lengths = new Map<number, number>();
  const missing: [number, string][] = [];
  let missingCount = 0;
  let kept = 0;
  let hashCount = 0;
  pass.distinct.forEach((d, i) => {
    const label = labels.labels[i];
    if (label === undefined) {
      missingCount += d.kept;
      missing.push(...d.first);
      return;
    }
    if (d.kept === 0) return;
    kept += d.kept;
    classes.set(label, (classes.get(label) ?? 0) + d.kept);
    for (const [len, c] of d.lengths) lengths.set(len, (lengths.get(len) ?? 0) + c);
    hashCount += d.hashes.length;
  });
  const hashes = new Float64Array(hashCount);
  let at = 0;
  pass.distinct.forEach((d, i) => {
    if (labels.labels[i] === undefined) return;
    hashes.set(d.hashes.data.subarray(0, d.hashes.length), at);
    at += d.hashes.length;
  });
  hashes.sort();
  let duplicates = 0;
  for (let i = 1; i < hashes.length; i++) if (hashes[i] === hashes[i - 1]) duplicates++;

  if (pass.noText.count > 0)
    warnings.push({
      kind: 'empty-text',
      message: `Skipped ${pass.noText.count} row(s) whose "${textField}" is empty or whitespace-only: ${rowsList(pass.noText.first, pass.noText.count)}.`,
    });
  if (missingCount > 0) {
    const shown = missing
      .sort((a, b) => a[0] - b[0])
      .slice(0, 5)
      .map(([, w]) => w);
    warnings.push({
      kind: 'missing-label',
      message: `Skipped ${missingCount} row(s) with no "${labelField}" (empty, NaN, None, null, NA, …): ${rowsList(shown, missingCount)}.`,
    });
  }
  if (labels.unwrapped > 0)
    warnings.push({
      kind: 'list-label',
      message: `"${labelField}" holds one-item lists; ${labels.unwrapped} were unwrapped to their item.`,
    });
  if (labels.sameValue.length > 0) warnings.push(labelSpellingsWarning(labelField, labels.sameValue));
  if (duplicates > 0) warnings.push(duplicatesWarning(duplicates));
  const idLike = singletonLabelWarning(labelField, classes.values(), kept);
  if (idLike) warnings.push(idLike);
  if (kept === 0) throw noUsableRowsError(name, textField, labelField, pass.noText.count, missingCount);
  const splitField = table.columns.map((c) => c.name).find((n) => pass.splits.get(n)?.ok);
  return {
    path: table.path,
    format: table.format,
    textField,
    labelField,
    columns: table.columns,
    rowCount: table.rowCount,
    classes,
    lengths,
    kept,
    warnings,
    ...(splitField ? { splitField, splitCounts: pass.splits.get(splitField)!.counts } : {}),
    distinctLabels: labels.labels,
    missingLabels: missingCount,
  };
}
