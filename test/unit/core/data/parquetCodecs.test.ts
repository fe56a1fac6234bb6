/**
 * Parquet files in every codec pyarrow and polars write (polars defaults to ZSTD; pandas offers snappy, gzip,
 * brotli, lz4, zstd) read to the same rows. The files are written here with hyparquet-writer and a compressor per
 * codec: gzip and brotli from node:zlib; ZSTD as a standard frame of raw blocks (RFC 8878 §3.1.1); LZ4_RAW as a
 * literal-only LZ4 block; LZ4 with Hadoop's framing (big-endian sizes before each block), as older pyarrow wrote it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet';
import { readDataset } from '../../../../src/core/data';

const dir = mkdtempSync(join(tmpdir(), 'ps-pq-'));

/** A zstd frame (magic, single-segment header with a 4-byte content size) of raw blocks of at most 128 KiB. */
function zstdRawFrame(input: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0xa0)];
  const size = Buffer.alloc(4);
  size.writeUInt32LE(input.length);
  parts.push(size);
  const MAX = 128 * 1024;
  let off = 0;
  do {
    const n = Math.min(MAX, input.length - off);
    const last = off + n >= input.length ? 1 : 0;
    const h = (n << 3) | (0 << 1) | last; // block type 0 = raw
    parts.push(Uint8Array.of(h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff), input.subarray(off, off + n));
    off += n;
  } while (off < input.length);
  return Buffer.concat(parts);
}

/** One LZ4 block holding only literals (the last sequence of any block has this shape). */
function lz4LiteralBlock(input: Uint8Array): Uint8Array {
  const n = input.length;
  const head: number[] = [(Math.min(n, 15) << 4) | 0];
  if (n >= 15) {
    let rest = n - 15;
    while (rest >= 255) {
      head.push(255);
      rest -= 255;
    }
    head.push(rest);
  }
  return Buffer.concat([Uint8Array.from(head), input]);
}

function lz4Hadoop(input: Uint8Array): Uint8Array {
  const block = lz4LiteralBlock(input);
  const sizes = Buffer.alloc(8);
  sizes.writeUInt32BE(input.length, 0);
  sizes.writeUInt32BE(block.length, 4);
  return Buffer.concat([sizes, block]);
}

const compressors = {
  GZIP: (b: Uint8Array) => new Uint8Array(gzipSync(b)),
  BROTLI: (b: Uint8Array) => new Uint8Array(brotliCompressSync(b)),
  ZSTD: zstdRawFrame,
  LZ4_RAW: lz4LiteralBlock,
  LZ4: lz4Hadoop,
};

const N = 3000;
const texts = Array.from(
  { length: N },
  (_, i) => `review ${i}: ${'lovely '.repeat(i % 7)}film ${i % 13 === 0 ? 'café ☕' : ''}`,
);
const labels = Array.from({ length: N }, (_, i) => (i % 3 === 0 ? 'neg' : 'pos'));

for (const codec of ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'BROTLI', 'ZSTD', 'LZ4', 'LZ4_RAW'] as const) {
  test(`Parquet with ${codec} pages reads every row exactly`, async () => {
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const buf = parquetWriteBuffer({
      codec,
      compressors,
      rowGroupSize: 1000,
      columnData: [
        { name: 'text', data: texts, type: 'STRING' },
        { name: 'label', data: labels, type: 'STRING' },
      ],
    });
    const p = join(dir, `${codec}.parquet`);
    writeFileSync(p, Buffer.from(buf));
    const meta = await parquetMetadataAsync(await asyncBufferFromFile(p));
    assert.equal(meta.row_groups.length, 3, 'three row groups, read one at a time');
    assert.equal(meta.row_groups[0].columns[0].meta_data?.codec, codec, 'the file really uses the codec');
    const ds = await readDataset(p);
    assert.deepEqual(ds.texts, texts);
    assert.deepEqual(ds.labels, labels);
  });
}
