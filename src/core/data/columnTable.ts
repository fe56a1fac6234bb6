/**
 * A parsed dataset held column by column (one array per column: far less memory than an object per row), with the
 * notes the reader made (encoding, delimiter, renamed columns, records spanning lines) and each row's source line.
 */
import type { DatasetColumnInfo, DatasetWarning } from '../../protocol/types';
import { isLosslessNumber } from 'lossless-json';

export type DatasetFormat = 'jsonl' | 'csv' | 'parquet';
export type RawRow = Record<string, unknown>;

export interface RawTable {
  path: string;
  format: DatasetFormat;
  columns: DatasetColumnInfo[];
  rowCount: number;
  /** Values of a column, one per row (undefined where a JSON row lacks the key). */
  column(name: string): readonly unknown[];
  /** Rows as objects, built on first use (prefer `column` for large tables). */
  readonly rows: RawRow[];
  /** "row 3 (line 4)": where row i is in the file, for messages. */
  where(i: number): string;
  /** What the reader noticed (kept rows are unaffected). */
  notes: DatasetWarning[];
}

function kindOf(v: unknown): DatasetColumnInfo['kind'] | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number' || typeof v === 'bigint' || isLosslessNumber(v)) return 'number';
  if (typeof v === 'boolean') return 'boolean';
  return 'other';
}

/** Thrown by a sink that wants no more rows (a page is complete); the scan ends quietly. */
export class ScanStopped extends Error {
  constructor() {
    super('scan stopped');
  }
}

/** A slice of rows handed to a streaming sink; `where(i)` names the row by its place in the whole file. */
export interface RowBatch extends RawTable {
  /** Row index (in the file) of this batch's row 0. */
  start: number;
}

/**
 * Streaming instead of holding the table: every `batchRows` rows (Parquet: at the end of a row group) the rows are
 * handed to `onBatch` and dropped. `onBatch` returning false stops the read (ScanStopped).
 */
export interface TableSink {
  batchRows: number;
  onBatch(batch: RowBatch): boolean | void;
  /**
   * The sparse row index (streamedRows.ts): text readers (CSV/TSV, JSON Lines, JSON arrays) call `onCheckpoint` for
   * every row whose index is a multiple of `checkpointEvery`, with where that row starts in the file's UTF-8 text
   * (textDecoding.openDecodedText's `fromUtf8Byte`).
   */
  checkpointEvery?: number;
  onCheckpoint?(checkpoint: RowCheckpoint): void;
  /**
   * Start reading at a checkpoint instead of the file's start: rows are numbered from `checkpoint.row`. Parquet needs
   * no checkpoint (it skips whole row groups before `row`; pass offset 0). Reader notes and line numbers then
   * describe only the rows read.
   */
  resume?: RowCheckpoint;
}

/** Where row `row` starts: `offset` bytes into the file's UTF-8 text; `names` the CSV header; `array` a JSON array. */
export interface RowCheckpoint {
  row: number;
  offset: number;
  names?: string[];
  array?: boolean;
}

/** How a reader builds its table: stream to a sink, and/or store only the columns `keep` accepts. */
export interface BuildOptions {
  sink?: TableSink;
  /**
   * Columns whose values are stored; the others are still listed in `columns` with their kind, but `column(name)`
   * returns no values for them. Default: all.
   */
  keep?: (name: string) => boolean;
}

/** The array of a column that is not stored (never written). */
const DROPPED: unknown[] = [];

/**
 * The root column of a dotted field name (`meta.label` → `meta`, `a.b.c` → the longest stored prefix), or undefined
 * when `name` is not a path into one of `names`.
 */
export function nestedRoot(names: Iterable<string>, name: string): string | undefined {
  const set = new Set(names);
  for (let dot = name.lastIndexOf('.'); dot > 0; dot = name.lastIndexOf('.', dot - 1))
    if (set.has(name.slice(0, dot))) return name.slice(0, dot);
  return undefined;
}

/**
 * A field inside an object (JSON object, Parquet struct) or list column, named with dots: `meta.label` is each row's
 * `meta.label`, `labels.0` the first item of a list. Undefined where the path does not lead anywhere. Source for the
 * spelling: pandas.json_normalize names the flattened columns the same way.
 */
function nestedColumn(data: Map<string, unknown[]>, name: string, n: number): unknown[] | undefined {
  const root = nestedRoot(data.keys(), name);
  if (root === undefined) return undefined;
  const values = data.get(root)!;
  if (values === DROPPED) return undefined;
  const path = name.slice(root.length + 1).split('.');
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) {
    let v: unknown = values[i];
    for (const key of path) {
      if (v === null || typeof v !== 'object') {
        v = undefined;
        break;
      }
      v = (v as Record<string, unknown>)[key];
    }
    out[i] = v;
  }
  return out;
}

/** Per-column kind from the first 2000 present values (across batches). */
class KindTracker {
  private readonly state = new Map<string, { kind?: DatasetColumnInfo['kind']; seen: number }>();
  update(name: string, values: readonly unknown[], n: number): void {
    let st = this.state.get(name);
    if (!st) this.state.set(name, (st = { seen: 0 }));
    for (let i = 0; i < n && st.seen < 2000 && st.kind !== 'other'; i++) {
      const k = kindOf(values[i]);
      if (k === undefined) continue;
      st.seen++;
      if (st.kind === undefined) st.kind = k;
      else if (st.kind !== k) st.kind = 'other';
    }
  }
  one(name: string, v: unknown): void {
    const st = this.state.get(name);
    if (st && (st.seen >= 2000 || st.kind === 'other')) return;
    this.update(name, [v], 1);
  }
  kind(name: string): DatasetColumnInfo['kind'] {
    return this.state.get(name)?.kind ?? 'other';
  }
}

/** Collects rows into columns; `finish` returns the RawTable (with a sink: streams batches, see TableSink). */
export class ColumnTableBuilder {
  private data = new Map<string, unknown[]>();
  private lines = new Uint32Array(1024);
  /** Rows added so far (in the whole file; from a resumed checkpoint on, its row). */
  rowCount = 0;
  /** File row index of the buffered row 0 (advances as a sink takes batches). */
  private base = 0;
  private readonly kinds = new KindTracker();
  readonly notes: DatasetWarning[] = [];

  constructor(
    private readonly file: string,
    private readonly format: DatasetFormat,
    columns: string[] = [],
    build: BuildOptions = {},
  ) {
    this.sink = build.sink;
    this.keep = build.keep;
    if (build.sink?.resume) this.rowCount = this.base = build.sink.resume.row;
    for (const c of columns) this.columnArray(c);
  }

  private readonly sink?: TableSink;
  private readonly keep?: (name: string) => boolean;

  private columnArray(name: string): unknown[] {
    let col = this.data.get(name);
    if (!col) this.data.set(name, (col = this.keep && !this.keep(name) ? DROPPED : []));
    return col;
  }

  private setLine(line: number): void {
    const i = this.rowCount - this.base;
    if (i >= this.lines.length) {
      const grown = new Uint32Array(this.lines.length * 2);
      grown.set(this.lines);
      this.lines = grown;
    }
    this.lines[i] = line;
  }

  private rowAdded(): void {
    this.rowCount++;
    if (this.sink && this.rowCount - this.base >= this.sink.batchRows) this.flush();
  }

  /** A row given as values in the order of `names` (CSV). `line`: its first line in the file (0 = unknown). */
  addValues(names: readonly string[], values: readonly unknown[], line = 0): void {
    const i = this.rowCount - this.base;
    for (let j = 0; j < names.length; j++) {
      const col = this.columnArray(names[j]);
      if (col !== DROPPED) col[i] = values[j];
      else this.kinds.one(names[j], values[j]);
    }
    this.setLine(line);
    this.rowAdded();
  }

  /** A row given as an object (JSON, Parquet). */
  addObject(row: RawRow, line = 0): void {
    const i = this.rowCount - this.base;
    for (const k in row) {
      const col = this.columnArray(k);
      if (col !== DROPPED) col[i] = row[k];
      else this.kinds.one(k, row[k]);
    }
    this.setLine(line);
    this.rowAdded();
  }

  /** Values of one column for file rows rowStart… (Parquet column chunks); call `endRows` once all columns are in. */
  addColumnChunk(name: string, rowStart: number, values: ArrayLike<unknown>): void {
    const col = this.columnArray(name);
    if (col === DROPPED)
      return this.kinds.update(name, values as ArrayLike<unknown> as readonly unknown[], values.length);
    const at = rowStart - this.base;
    for (let j = 0; j < values.length; j++) col[at + j] = values[j];
  }

  /** Marks rows up to `rowEnd` (exclusive) as present, without line numbers. */
  endRows(rowEnd: number): void {
    while (this.rowCount < rowEnd) {
      this.setLine(0);
      this.rowCount++;
    }
    if (this.sink && this.rowCount - this.base >= this.sink.batchRows) this.flush();
  }

  /** The first buffered row as an object (before any batch was handed on), or undefined. */
  firstRow(): RawRow | undefined {
    if (this.base !== 0 || this.rowCount === 0) return undefined;
    const row: RawRow = {};
    for (const [name, values] of this.data) if (values[0] !== undefined) row[name] = values[0];
    return row;
  }

  /** The buffered rows as a table over local indices 0…n-1 (named by file row in `where`). */
  private view(path: string): RowBatch {
    const n = this.rowCount - this.base;
    const data = this.data;
    for (const [name, col] of data) {
      if (col === DROPPED) continue;
      if (col.length < n) col.length = n;
      this.kinds.update(name, col, n);
    }
    const lines = this.lines;
    const base = this.base;
    const columns = [...data.keys()].map((name) => ({ name, kind: this.kinds.kind(name) }));
    let rows: RawRow[] | undefined;
    const empty: unknown[] = [];
    return {
      path,
      format: this.format,
      columns,
      rowCount: n,
      start: base,
      notes: this.notes,
      column: (name) => data.get(name) ?? nestedColumn(data, name, n) ?? empty,
      get rows() {
        if (!rows) {
          rows = Array.from({ length: n }, () => ({}) as RawRow);
          for (const [name, values] of data)
            if (values !== DROPPED) for (let i = 0; i < n; i++) if (values[i] !== undefined) rows[i][name] = values[i];
        }
        return rows;
      },
      where: (i) => (lines[i] > 0 ? `row ${base + i + 1} (line ${lines[i]})` : `row ${base + i + 1}`),
    };
  }

  /** Hands the buffered rows to the sink and drops them (the column names and kinds are kept). */
  private flush(): void {
    if (!this.sink || this.rowCount === this.base) return;
    const batch = this.view(this.file);
    // The batch keeps the old arrays.
    this.data = new Map([...this.data].map(([name, col]) => [name, col === DROPPED ? DROPPED : []]));
    this.base = this.rowCount;
    if (this.sink.onBatch(batch) === false) throw new ScanStopped();
  }

  /**
   * The table. With a sink: the remaining rows go to the sink first, and the result only describes the file
   * (rowCount, columns with kinds, notes); its columns are empty.
   */
  finish(path: string): RawTable {
    if (!this.sink) return this.view(path);
    this.flush();
    const columns = [...this.data.keys()].map((name) => ({ name, kind: this.kinds.kind(name) }));
    const empty: unknown[] = [];
    return {
      path,
      format: this.format,
      columns,
      rowCount: this.rowCount,
      notes: this.notes,
      column: () => empty,
      rows: [],
      where: (i) => `row ${i + 1}`,
    };
  }
}
