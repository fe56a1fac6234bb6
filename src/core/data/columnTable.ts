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

/** Collects rows into columns; `finish` returns the RawTable. */
export class ColumnTableBuilder {
  private readonly data = new Map<string, unknown[]>();
  private lines = new Uint32Array(1024);
  rowCount = 0;
  readonly notes: DatasetWarning[] = [];

  constructor(
    private readonly file: string,
    private readonly format: DatasetFormat,
    columns: string[] = [],
  ) {
    for (const c of columns) this.data.set(c, []);
  }

  private columnArray(name: string): unknown[] {
    let col = this.data.get(name);
    if (!col) this.data.set(name, (col = []));
    return col;
  }

  private setLine(line: number): void {
    if (this.rowCount >= this.lines.length) {
      const grown = new Uint32Array(this.lines.length * 2);
      grown.set(this.lines);
      this.lines = grown;
    }
    this.lines[this.rowCount] = line;
  }

  /** A row given as values in the order of `names` (CSV). `line`: its first line in the file (0 = unknown). */
  addValues(names: readonly string[], values: readonly unknown[], line = 0): void {
    const i = this.rowCount;
    for (let j = 0; j < names.length; j++) this.columnArray(names[j])[i] = values[j];
    this.setLine(line);
    this.rowCount++;
  }

  /** A row given as an object (JSON, Parquet). */
  addObject(row: RawRow, line = 0): void {
    const i = this.rowCount;
    for (const k in row) this.columnArray(k)[i] = row[k];
    this.setLine(line);
    this.rowCount++;
  }

  /** Values of one column for rows rowStart… (Parquet column chunks); call `endRows` once all columns are in. */
  addColumnChunk(name: string, rowStart: number, values: ArrayLike<unknown>): void {
    const col = this.columnArray(name);
    for (let j = 0; j < values.length; j++) col[rowStart + j] = values[j];
  }

  /** Marks rows up to `rowEnd` (exclusive) as present, without line numbers. */
  endRows(rowEnd: number): void {
    while (this.rowCount < rowEnd) {
      this.setLine(0);
      this.rowCount++;
    }
  }

  finish(path: string): RawTable {
    const n = this.rowCount;
    const data = this.data;
    for (const col of data.values()) if (col.length < n) col.length = n;
    const lines = this.lines;
    const format = this.format;
    const columns = [...data].map(([name, values]) => {
      let kind: DatasetColumnInfo['kind'] | undefined;
      for (let i = 0, seen = 0; i < n && seen < 2000; i++) {
        const k = kindOf(values[i]);
        if (k === undefined) continue;
        seen++;
        if (kind === undefined) kind = k;
        else if (kind !== k) {
          kind = 'other';
          break;
        }
      }
      return { name, kind: kind ?? 'other' };
    });
    let rows: RawRow[] | undefined;
    const empty: unknown[] = [];
    return {
      path,
      format,
      columns,
      rowCount: n,
      notes: this.notes,
      column: (name) => data.get(name) ?? empty,
      get rows() {
        if (!rows) {
          rows = Array.from({ length: n }, () => ({}) as RawRow);
          for (const [name, values] of data)
            for (let i = 0; i < n; i++) if (values[i] !== undefined) rows[i][name] = values[i];
        }
        return rows;
      },
      where: (i) => (lines[i] > 0 ? `row ${i + 1} (line ${lines[i]})` : `row ${i + 1}`),
    };
  }
}
