/**
 * Parquet through hyparquet, one row group at a time from the file (never the whole file in memory), with
 * hyparquet-compressors for every codec pyarrow and polars write: SNAPPY, GZIP, BROTLI, ZSTD (polars' default),
 * LZ4 (Hadoop framing) and LZ4_RAW.
 */
import * as path from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { ProbescopeError } from '../errors';
import { ColumnTableBuilder, type BuildOptions, type RawTable } from './columnTable';

/** Reads a Parquet file; with a sink the rows stream to it one row group at a time (TableSink). */
export async function readParquet(abs: string, build: BuildOptions = {}): Promise<RawTable> {
  const file = path.basename(abs);
  const fail = (err: unknown): never => {
    throw new ProbescopeError('DATASET_INVALID', `${file}: cannot read Parquet (${(err as Error).message}).`);
  };
  const buffer = await asyncBufferFromFile(abs);
  const metadata = await parquetMetadataAsync(buffer).catch(fail);
  const names = parquetSchema(metadata).children.map((c) => c.element.name);
  // Resuming at row R (the dataset panel's deep pages): whole row groups before R are skipped, unread.
  const from = build.sink?.resume?.row ?? 0;
  let rowStart = 0;
  let first = 0;
  while (first < metadata.row_groups.length && rowStart + Number(metadata.row_groups[first].num_rows) <= from)
    rowStart += Number(metadata.row_groups[first++].num_rows);
  const sink = build.sink && { ...build.sink, resume: from > 0 ? { row: rowStart, offset: 0 } : undefined };
  const builder = new ColumnTableBuilder(abs, 'parquet', names, { ...build, sink });
  for (const group of metadata.row_groups.slice(first)) {
    const rowEnd = rowStart + Number(group.num_rows);
    // Column chunks straight into the columns: no object per row.
    await parquetRead({
      file: buffer,
      metadata,
      rowStart,
      rowEnd,
      compressors,
      onChunk: (c) => builder.addColumnChunk(c.columnName, c.rowStart, c.columnData),
    }).catch(fail);
    builder.endRows(rowEnd);
    rowStart = rowEnd;
  }
  return builder.finish(abs);
}
