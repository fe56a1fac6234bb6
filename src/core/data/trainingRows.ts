/**
 * TrainingRows: what a training run needs of a dataset to plan its splits — a label and a text key per kept row, the
 * split values when a split field is given — and its texts as a TextSource, streamed again when extraction needs them.
 *
 * Two ways to get them, with the same results:
 * - `trainingRowsOf(dataset)`: from a Dataset read into memory (readDataset; small files);
 * - `scanTrainingRows(file)`: streamed (scanDataset, one batch at a time). While scanning it keeps per row with a text
 *   the file row (4 bytes), the index of its distinct raw label (4), a 106-bit MD5 key of its text (16) and its split
 *   value's index (2, with a split field), in chunks of 64 Ki values (typed arrays, outside the JS heap). Then the
 *   rows with a missing label are dropped in place (no copy), one grouping pass numbers identical texts (4 bytes a
 *   row, and a transient hash table of about 5.3) and the labels go into one exact typed array of codes (LabelCodes, 4
 *   bytes a row). After the split plan takes the groups, a kept row holds its file row (4), its group id (4) and its
 *   label code (4);
 *   the plan adds its index lists (Uint32Array, 4 bytes a row in all). The texts are not held: `texts.scan` reads the file
 *   again and yields the kept rows' texts in order. Memory therefore grows with the number of rows, not with the
 *   file's bytes; the split code avoids growing JS arrays so that little per-row garbage waits for the GC.
 * Identical texts are grouped by their 106-bit key (a collision between two different texts has probability
 * ≈ n² / 2^107: nil for any real dataset); within one in-memory file they are grouped by the texts themselves.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { DatasetWarning } from '../../protocol/types';
import { ProbescopeError } from '../errors';
import { cellText } from './cellValues';
import { scanDataset, type ScanDatasetOptions } from './datasetScan';
import { textGroups } from './groupedSplit';
import { givenField } from './fieldDetection';
import { duplicatesWarning, type Dataset, type ReadDatasetOptions } from './readDataset';
import { scanTable, type RowBatch } from './records';
import { arraySource, changedWhileRead, textsInMemory, type TextSource } from './textSource';
import { LabelCodes } from './labelCodes';

/** A Dataset without its per-row arrays (what probe.json and the logs use). */
export type DatasetSummary = Omit<Dataset, 'texts' | 'labels' | 'sourceRows' | 'splits'>;

/** 106-bit keys of texts (two 53-bit halves of an MD5), one pair per row. */
export interface TextKeys {
  hi: Float64Array;
  lo: Float64Array;
}

export interface TrainingRows {
  ds: DatasetSummary;
  texts: TextSource;
  /** Label per kept row (as training spells it), as codes into its distinct names (4 bytes a row). */
  labels: LabelCodes;
  /** With a split field: its raw value per kept row. */
  splits?: readonly unknown[];
  /**
   * The 106-bit text keys of the kept rows (computed from the texts when held in memory). A streamed read hands its
   * keys over once (16 bytes a row it then no longer holds): call it once.
   */
  keys(): Promise<TextKeys>;
  /**
   * A streamed read's group ids over its own rows (groupsByKey of its keys, computed once while scanning for the
   * duplicate count). Handing them over drops the keys (16 bytes a row): call either this or keys(), once.
   */
  ownGroups?(): Int32Array;
  /**
   * The file row (0-based, as Dataset.sourceRows) of each kept row, in order, for reports that name rows (eval,
   * compare). A streamed read copies them from the file rows it keeps anyway (a Uint32Array: 4 bytes a row).
   */
  sourceRows?(): ArrayLike<number>;
}

/** The 106-bit key of one text (MD5 of its UTF-8 bytes, two 53-bit halves). */
export function textKey(text: string): [number, number] {
  const d = createHash('md5').update(text).digest();
  return [d.readUIntBE(0, 6) * 32 + (d[6] >>> 3), d.readUIntBE(7, 6) * 32 + (d[13] >>> 3)];
}

/** TrainingRows of a dataset already in memory. */
export function trainingRowsOf(ds: Dataset): TrainingRows {
  const { texts, labels, sourceRows, splits, ...summary } = ds;
  return {
    ds: summary,
    texts: arraySource(texts),
    labels: LabelCodes.from(labels),
    sourceRows: () => sourceRows,
    ...(splits ? { splits } : {}),
    keys: async () => {
      const hi = new Float64Array(texts.length);
      const lo = new Float64Array(texts.length);
      texts.forEach((t, i) => ([hi[i], lo[i]] = textKey(t)));
      return { hi, lo };
    },
  };
}

/**
 * Group id per row of the concatenated parts (identical texts share an id; ids numbered by first occurrence, as
 * textGroups numbers them, so the grouped splits come out the same). All in memory: textGroups on the texts; else by
 * the 106-bit keys (see the file comment).
 */
export async function trainingGroups(parts: TrainingRows[]): Promise<ArrayLike<number>> {
  const inMemory = parts.map((p) => textsInMemory(p.texts));
  if (inMemory.every((t) => t !== undefined)) return textGroups(inMemory.flatMap((t) => [...t!]));
  if (parts.length === 1 && parts[0].ownGroups) return parts[0].ownGroups();
  const keys = await Promise.all(parts.map((p) => p.keys()));
  if (keys.length === 1) return groupsByKey(keys[0].hi, keys[0].lo);
  const n = keys.reduce((a, k) => a + k.hi.length, 0);
  const hi = new Float64Array(n);
  const lo = new Float64Array(n);
  let at = 0;
  for (const k of keys) {
    hi.set(k.hi, at);
    lo.set(k.lo, at);
    at += k.hi.length;
  }
  return groupsByKey(hi, lo);
}

/**
 * Group ids by first occurrence for rows with equal (hi, lo) keys: one pass in row order through an open-addressing
 * table of row numbers (linear probing at a load of at most 3/4: 4/3 slots a row of 4 bytes; expected probes ≈ 2.5 for
 * a key seen before, ≈ 8.5 for a new one, Knuth's TAOCP 6.4). Everything is a typed array outside the JS heap (a sort
 * with a comparator would copy the rows into two 8-byte-a-row work arrays on the heap). `distinct` = the number of
 * different keys (ids are 0 … distinct − 1).
 */
function keyGroups(
  n: number,
  hi: (i: number) => number,
  lo: (i: number) => number,
): { groups: Int32Array; distinct: number } {
  const cap = Math.max(2, Math.ceil((4 * n) / 3) + 1);
  const slots = new Uint32Array(cap); // 1 + the first row with the key in this slot; 0 = empty
  const groups = new Int32Array(n);
  let distinct = 0;
  for (let i = 0; i < n; i++) {
    // lo holds 53 bits of an MD5: its low 32 bits (ToUint32) are uniform, a good slot hash.
    const h = hi(i);
    const l = lo(i);
    for (let s = (l >>> 0) % cap; ; s = s + 1 === cap ? 0 : s + 1) {
      const r = slots[s];
      if (r === 0) {
        slots[s] = i + 1;
        groups[i] = distinct++;
        break;
      }
      if (hi(r - 1) === h && lo(r - 1) === l) {
        groups[i] = groups[r - 1];
        break;
      }
    }
  }
  return { groups, distinct };
}

/** Group ids by first occurrence for rows with equal (hi, lo) keys (keyGroups; 4 bytes a row). */
export function groupsByKey(hi: Float64Array, lo: Float64Array): Int32Array {
  return keyGroups(
    hi.length,
    (i) => hi[i],
    (i) => lo[i],
  ).groups;
}

/**
 * A typed list in fixed chunks of CHUNK values: growing never copies (a doubling array would hold up to twice its
 * values, and three times while it grows), and `take` moves the values into one exact array, freeing chunk by chunk.
 */
const CHUNK = 1 << 16;
class List<T extends Float64Array | Uint32Array | Uint16Array> {
  length = 0;
  private chunks: (T | undefined)[] = [];
  constructor(private readonly make: (n: number) => T) {}
  push(x: number): void {
    const c = this.length >>> 16;
    if (c === this.chunks.length) this.chunks.push(this.make(CHUNK));
    this.chunks[c]![this.length++ & (CHUNK - 1)] = x;
  }
  get(k: number): number {
    return this.chunks[k >>> 16]![k & (CHUNK - 1)];
  }
  set(k: number, x: number): void {
    this.chunks[k >>> 16]![k & (CHUNK - 1)] = x;
  }
  /** Keeps the values at the indices `keep` accepts, in order, in place (no copy); trailing chunks are dropped. */
  compact(keep: (k: number) => boolean): void {
    let at = 0;
    for (let k = 0; k < this.length; k++) if (keep(k)) this.set(at++, this.get(k));
    this.chunks.length = Math.ceil(at / CHUNK);
    this.length = at;
  }
  clear(): void {
    this.chunks = [];
    this.length = 0;
  }
  /** The values at the indices `keep` accepts, in one exact array; the list is emptied as it goes. */
  take(n: number, keep: (k: number) => boolean): T {
    const out = this.make(n);
    let at = 0;
    for (let c = 0; c < this.chunks.length; c++) {
      const chunk = this.chunks[c]!;
      const end = Math.min(CHUNK, this.length - c * CHUNK);
      for (let j = 0; j < end; j++) if (keep(c * CHUNK + j)) out[at++] = chunk[j];
      this.chunks[c] = undefined;
    }
    this.clear();
    return out;
  }
}

/** Rows per streamed batch (tests lower it so small files span several batches). */
export const trainingRowsConfig = { batchRows: 8192 };

export interface ScanTrainingOptions extends ReadDatasetOptions {
  /** Each batch as the rules see it (chat rendering adds a column: chatDataset.ts). */
  transformBatch?: (batch: RowBatch) => RowBatch;
  /** Rows per batch read (default trainingRowsConfig.batchRows). */
  batchRows?: number;
}

/** TrainingRows by streaming `file` (see the file comment); the same rules, warnings and errors as readDataset. */
export async function scanTrainingRows(file: string, opts: ScanTrainingOptions = {}): Promise<TrainingRows> {
  const rows = new List((n) => new Uint32Array(n));
  const distinct = new List((n) => new Uint32Array(n));
  const hi = new List((n) => new Float64Array(n));
  const lo = new List((n) => new Float64Array(n));
  const splitCodes = new List((n) => new Uint16Array(n));
  const splitValues: unknown[] = [];
  const splitIndex = new Map<string, number>();
  const splitField = opts.splitField;
  let splitBatch: RowBatch | undefined;
  let splitColumn: readonly unknown[] = [];
  const batchRows = opts.batchRows ?? trainingRowsConfig.batchRows;
  const scanOpts: ScanDatasetOptions = {
    encoding: opts.encoding,
    delimiter: opts.delimiter,
    quote: opts.quote,
    textField: opts.textField,
    labelField: opts.labelField,
    batchRows,
    countDuplicates: false,
    transformBatch: opts.transformBatch,
    onPass: () => [rows, distinct, hi, lo, splitCodes].forEach((l) => l.clear()),
    onText: (fileRow, d, text, batch, i) => {
      rows.push(fileRow);
      distinct.push(d);
      const [h, l] = textKey(text);
      hi.push(h);
      lo.push(l);
      if (splitField === undefined) return;
      if (batch !== splitBatch) {
        // Named as readDataset names it (givenField: `meta.split`, a header with spaces); resolved on each batch's
        // columns (JSON rows may add it late), once per batch (a dotted field's values are computed per call).
        splitBatch = batch;
        splitColumn = batch.column(
          givenField(
            batch.columns.map((c) => c.name),
            splitField,
          ) ?? splitField,
        );
      }
      const v = splitColumn[i];
      const key = `${typeof v}:${String(v)}`;
      let code = splitIndex.get(key);
      if (code === undefined) {
        code = splitValues.length;
        if (code >= 0xffff)
          throw new ProbescopeError(
            'DATASET_INVALID',
            `${path.basename(file)}: split field "${splitField}" has more than 65,535 different values; use train, test or validation.`,
          );
        splitIndex.set(key, code);
        splitValues.push(v);
      }
      splitCodes.push(code);
    },
  };
  const scan = await scanDataset(file, scanOpts);
  if (
    splitField !== undefined &&
    givenField(
      scan.columns.map((c) => c.name),
      splitField,
    ) === undefined
  )
    throw new ProbescopeError(
      'DATASET_INVALID',
      `${path.basename(scan.path)}: no split field "${splitField}". Columns: ${scan.columns.map((c) => c.name).join(', ')}.`,
    );
  // Keep the rows whose label is not missing.
  // Labels as codes in one exact-size typed array (4 bytes a row; LabelCodes), names numbered by first occurrence
  // among the kept rows (as LabelCodes.from numbers an in-memory read's): counted first, so it never grows by copies.
  const kept = new Uint8Array(distinct.length);
  let nKept = 0;
  for (let k = 0; k < distinct.length; k++)
    if (scan.distinctLabels[distinct.get(k)] !== undefined) {
      kept[k] = 1;
      nKept++;
    }
  const coded = LabelCodes.builder(nKept);
  for (let k = 0; k < distinct.length; k++) if (kept[k] === 1) coded.push(scan.distinctLabels[distinct.get(k)]!);
  const labels = coded.done();
  distinct.clear();
  const n = labels.length;
  const keep = (k: number) => kept[k] === 1;
  // The file rows and keys stay in their chunks, compacted in place: a copy into exact arrays would leave the chunks
  // (24 bytes a row) for the GC, which on millions of rows shows as peak memory.
  const splits = splitField !== undefined ? Array.from(splitCodes.take(n, keep), (c) => splitValues[c]) : undefined;
  splitCodes.clear();
  for (const list of [rows, hi, lo]) list.compact(keep);
  let held = true;
  // One grouping pass gives the duplicate count and the ids a single-file split uses (ownGroups).
  const grouped = keyGroups(
    n,
    (k) => hi.get(k),
    (k) => lo.get(k),
  );
  let own: Int32Array | undefined = grouped.groups;
  const duplicates = n - grouped.distinct;
  const warnings: DatasetWarning[] = scan.warnings.filter((w) => w.kind !== 'duplicates');
  // In readDataset's order: the duplicates warning comes before the id-label one.
  const idLabel = warnings.findIndex((w) => w.kind === 'id-label');
  if (duplicates > 0) warnings.splice(idLabel < 0 ? warnings.length : idLabel, 0, duplicatesWarning(duplicates));
  const textField = scan.textField;
  const readOpts = { encoding: opts.encoding, delimiter: opts.delimiter, quote: opts.quote };
  const texts: TextSource = {
    count: n,
    async scan(onTexts) {
      let k = 0;
      await scanTable(file, readOpts, {
        batchRows,
        onBatch: (raw) => {
          if (k >= n) return false;
          const b = opts.transformBatch ? opts.transformBatch(raw) : raw;
          const first = k;
          const out: string[] = [];
          const tv = b.column(textField);
          const end = b.start + b.rowCount;
          for (; k < n; k++) {
            const r = rows.get(k);
            if (r >= end) break;
            out.push(cellText(tv[r - b.start]) ?? '');
          }
          if (out.length > 0) onTexts(out, first);
          return k < n;
        },
      });
      if (k !== n) throw changedWhileRead(file, k, n);
    },
  };
  return {
    ds: {
      path: scan.path,
      format: scan.format,
      textField,
      labelField: scan.labelField,
      columns: scan.columns,
      rowCount: scan.rowCount,
      skipped: { emptyText: scan.rowCount - scan.kept - scan.missingLabels, missingLabel: scan.missingLabels },
      duplicates,
      warnings,
    },
    texts,
    labels,
    ...(splits ? { splits } : {}),
    keys: async () => {
      if (!held) throw new Error('unreachable: TrainingRows.keys() of a streamed read is called once');
      held = false;
      own = undefined;
      return { hi: hi.take(n, () => true), lo: lo.take(n, () => true) };
    },
    ownGroups: () => {
      if (!own) throw new Error('unreachable: TrainingRows.ownGroups() of a streamed read is called once');
      const g = own;
      held = false;
      own = undefined;
      hi.clear();
      lo.clear();
      return g;
    },
    sourceRows: () => {
      const out = new Uint32Array(n); // 4 bytes a row, outside the JS heap
      for (let k = 0; k < n; k++) out[k] = rows.get(k);
      return out;
    },
  };
}
