/**
 * Several tables of one dataset (the Parquet shards of a split: `0000.parquet`, `0001.parquet` …) as one table,
 * rows in the order given. Additive: the readers themselves are unchanged; loadTable calls this for a folder.
 */
import * as path from 'node:path';
import type { DatasetColumnInfo, DatasetWarning } from '../../protocol/types';
import { ProbescopeError } from '../errors';
import type { RawRow, RawTable } from './columnTable';

/**
 * One table whose rows are those of `parts` in order (part 0's rows, then part 1's …). Every part must have the same
 * column names (order may differ); a column whose kind differs between parts becomes 'other' (parts with no rows
 * do not count). `where(i)` names the
 * part's file ("0001.parquet row 3"). Throws DATASET_INVALID naming the first part whose columns differ.
 */
export function concatTables(tablePath: string, parts: RawTable[]): RawTable {
  if (parts.length === 0) throw new ProbescopeError('DATASET_INVALID', `${tablePath}: no tables to join.`);
  const first = parts[0];
  const names = first.columns.map((c) => c.name);
  const key = [...names].sort().join('\u0000');
  for (const p of parts.slice(1)) {
    if (
      p.columns
        .map((c) => c.name)
        .sort()
        .join('\u0000') !== key
    )
      throw new ProbescopeError(
        'DATASET_INVALID',
        `${path.basename(p.path)} has columns ${p.columns.map((c) => c.name).join(', ')}, but ${path.basename(first.path)} has ` +
          `${names.join(', ')}; the files of one dataset must have the same columns.`,
      );
  }
  // Parts with no rows (an empty shard) have no values to tell a column's kind: they do not vote.
  const voters = parts.filter((p) => p.rowCount > 0);
  const kindOf = (name: string) => voters[0]?.columns.find((d) => d.name === name)?.kind ?? 'other';
  const columns: DatasetColumnInfo[] = first.columns.map((c) => ({
    name: c.name,
    kind: voters.every((p) => p.columns.find((d) => d.name === c.name)?.kind === kindOf(c.name))
      ? kindOf(c.name)
      : 'other',
  }));
  const starts: number[] = [];
  let rowCount = 0;
  for (const p of parts) {
    starts.push(rowCount);
    rowCount += p.rowCount;
  }
  const joined = new Map<string, unknown[]>();
  const column = (name: string): readonly unknown[] => {
    let col = joined.get(name);
    if (!col) {
      col = new Array<unknown>(rowCount);
      parts.forEach((p, k) => {
        const values = p.column(name);
        for (let i = 0; i < p.rowCount; i++) col![starts[k] + i] = values[i];
      });
      joined.set(name, col);
    }
    return col;
  };
  /** The part holding row i (binary search over the start rows). */
  const partOf = (i: number): number => {
    let lo = 0;
    let hi = parts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= i) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  let rows: RawRow[] | undefined;
  return {
    path: tablePath,
    format: first.format,
    columns,
    rowCount,
    notes: joinedNotes(parts),
    column,
    get rows() {
      rows ??= parts.flatMap((p) => p.rows);
      return rows;
    },
    where: (i) => {
      const k = partOf(i);
      return `${path.basename(parts[k].path)} ${parts[k].where(i - starts[k])}`;
    },
  };
}

/**
 * The parts' notes, each prefixed by its part's file ("0001.parquet: …"); a note that every part with rows has alike (a
 * Hugging Face ClassLabel column in each of 60 shards) is given once, as "Every shard: …", not once per shard. Parts
 * with no rows do not count (a streamed folder read never opens them), and their copies of such a note are dropped.
 */
function joinedNotes(parts: RawTable[]): DatasetWarning[] {
  const key = (n: DatasetWarning) => `${n.kind}\u0000${n.message}`;
  const voters = parts.filter((p) => p.rowCount > 0);
  const inAll = new Set<string>();
  for (const n of voters[0]?.notes ?? [])
    if (voters.every((p) => p.notes.some((m) => key(m) === key(n)))) inAll.add(key(n));
  const out: DatasetWarning[] = (voters[0]?.notes ?? [])
    .filter((n) => inAll.has(key(n)))
    .map((n) => ({ ...n, message: `Every shard: ${n.message}` }));
  for (const p of parts)
    for (const n of p.notes)
      if (!inAll.has(key(n))) out.push({ ...n, message: `${path.basename(p.path)}: ${n.message}` });
  return out;
}
