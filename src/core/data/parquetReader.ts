/**
 * Parquet through hyparquet, one row group at a time from the file (never the whole file in memory), with
 * hyparquet-compressors for every codec pyarrow and polars write: SNAPPY, GZIP, BROTLI, ZSTD (polars' default),
 * LZ4 (Hadoop framing) and LZ4_RAW.
 */
import * as path from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { DatasetWarning } from '../../protocol/types';
import { ProbescopeError } from '../errors';
import { ColumnTableBuilder, type BuildOptions, type RawTable } from './columnTable';

/**
 * A FLOAT (float32) cell as the float64 of its shortest decimal spelling, the one pyarrow and pandas print: 0.1f is
 * stored as 0.100000001490116…, which would otherwise become the label "0.10000000149011612". The shortest of 1–9
 * significant digits that rounds back to the same float32 (9 always do: IEEE 754 §5.12.2). Null and NaN pass.
 */
export function shortestFloat32(v: unknown): unknown {
  if (typeof v !== 'number' || !Number.isFinite(v) || Number.isInteger(v)) return v;
  for (let p = 1; p < 9; p++) {
    const d = Number(v.toPrecision(p));
    if (Math.fround(d) === v) return d;
  }
  return Number(v.toPrecision(9));
}

/**
 * The ClassLabel columns of a file written by Hugging Face `datasets` (its `huggingface` schema metadata:
 * `{"info": {"features": {"label": {"_type": "ClassLabel", "names": [...]}}}}`), with their class names.
 */
export function hfClassLabels(
  kv: { key: string; value?: string }[] | undefined,
  columns: string[],
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const raw = kv?.find((e) => e.key === 'huggingface')?.value;
  if (!raw) return out;
  let features: Record<string, { _type?: unknown; names?: unknown }> | undefined;
  try {
    const meta = JSON.parse(raw) as { info?: { features?: typeof features } };
    features = meta.info?.features;
  } catch {
    return out; // unreadable metadata: the data is still read as it is
  }
  for (const [name, f] of Object.entries(features ?? {}))
    if (columns.includes(name) && f?._type === 'ClassLabel' && Array.isArray(f.names))
      out.set(name, f.names.map(String));
  return out;
}

/** In a ClassLabel column, -1 is `datasets`' "no label" (the unlabelled test splits of GLUE, SuperGLUE, …): missing. */
function noLabelIsMissing(v: unknown): unknown {
  return v === -1 || v === -1n ? null : v;
}

function classLabelNote(name: string, labels: string[]): DatasetWarning {
  const shown = labels
    .slice(0, 10)
    .map((l, i) => `${i} = ${l}`)
    .join(', ');
  return {
    kind: 'parse',
    message: `"${name}" is a Hugging Face ClassLabel (${shown}${labels.length > 10 ? `, … ${labels.length} names` : ''}); labels stay the integers, and -1 ("no label") is a missing label.`,
  };
}

/** Reads a Parquet file; with a sink the rows stream to it one row group at a time (TableSink). */
export async function readParquet(abs: string, build: BuildOptions = {}): Promise<RawTable> {
  const file = path.basename(abs);
  const fail = (err: unknown): never => {
    throw new ProbescopeError('DATASET_INVALID', `${file}: cannot read Parquet (${(err as Error).message}).`);
  };
  const buffer = await asyncBufferFromFile(abs);
  const metadata = await parquetMetadataAsync(buffer).catch(fail);
  const top = parquetSchema(metadata).children;
  const names = top.map((c) => c.element.name);
  const classLabels = hfClassLabels(metadata.key_value_metadata, names);
  const float32 = new Set(
    top.filter((c) => c.element.type === 'FLOAT' && c.children.length === 0).map((c) => c.element.name),
  );
  // Resuming at row R (the dataset panel's deep pages): whole row groups before R are skipped, unread.
  const from = build.sink?.resume?.row ?? 0;
  let rowStart = 0;
  let first = 0;
  while (first < metadata.row_groups.length && rowStart + Number(metadata.row_groups[first].num_rows) <= from)
    rowStart += Number(metadata.row_groups[first++].num_rows);
  const sink = build.sink && { ...build.sink, resume: from > 0 ? { row: rowStart, offset: 0 } : undefined };
  const builder = new ColumnTableBuilder(abs, 'parquet', names, { ...build, sink });
  for (const [name, labels] of classLabels) builder.notes.push(classLabelNote(name, labels));
  for (const group of metadata.row_groups.slice(first)) {
    const rowEnd = rowStart + Number(group.num_rows);
    // Column chunks straight into the columns: no object per row.
    await parquetRead({
      file: buffer,
      metadata,
      rowStart,
      rowEnd,
      compressors,
      onChunk: (c) =>
        builder.addColumnChunk(
          c.columnName,
          c.rowStart,
          float32.has(c.columnName)
            ? Array.from(c.columnData, shortestFloat32)
            : classLabels.has(c.columnName)
              ? Array.from(c.columnData, noLabelIsMissing)
              : c.columnData,
        ),
    }).catch(fail);
    builder.endRows(rowEnd);
    rowStart = rowEnd;
  }
  return builder.finish(abs);
}
