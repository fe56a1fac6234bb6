/**
 * Compressed dataset files, as researchers share them (`data.csv.gz`, `train.jsonl.gz`; pandas writes and reads them
 * by extension). gzip is read transparently, streamed through node:zlib, whatever the extension (the magic bytes
 * `1F 8B` decide); other archives and compressors (zip, bzip2, xz, zstd) are refused naming the command that
 * decompresses them.
 */
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createGunzip } from 'node:zlib';
import { ProbescopeError } from '../errors';

const CHUNK = 1 << 20;

const REFUSED: { name: string; ext: RegExp; magic: number[]; how: string }[] = [
  { name: 'a zip archive', ext: /\.zip$/i, magic: [0x50, 0x4b, 0x03, 0x04], how: 'unzip FILE' },
  { name: 'bzip2-compressed', ext: /\.bz2$/i, magic: [0x42, 0x5a, 0x68], how: 'bunzip2 -k FILE' },
  { name: 'xz-compressed', ext: /\.xz$/i, magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], how: 'xz -dk FILE' },
  { name: 'zstd-compressed', ext: /\.zst$/i, magic: [0x28, 0xb5, 0x2f, 0xfd], how: 'zstd -d FILE' },
];

/** The file name without a trailing `.gz` (`train.jsonl.gz` → `train.jsonl`): what decides the format. */
export function uncompressedName(file: string): string {
  return file.replace(/\.gz$/i, '');
}

const startsWith = (head: Uint8Array, magic: number[]) => magic.every((b, i) => head[i] === b);

/** True when the bytes start with gzip's magic number. */
export function isGzip(head: Uint8Array): boolean {
  return head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * DATASET_INVALID when `file` (by name or by its first bytes) is an archive or compression Probescope does not read;
 * says how to decompress it. gzip passes.
 */
export function refuseCompressed(file: string, head: Uint8Array = new Uint8Array()): void {
  const base = path.basename(file);
  for (const r of REFUSED)
    if (r.ext.test(file) || startsWith(head, r.magic))
      throw new ProbescopeError(
        'DATASET_INVALID',
        `${base} is ${r.name}; Probescope reads plain or gzip-compressed (.gz) files: decompress it first (${r.how.replace('FILE', base)}) and give the data file.`,
      );
}

/** The first `n` bytes of the file as stored. */
export async function firstBytes(file: string, n: number): Promise<Buffer> {
  const handle = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await handle.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** True when `file` is gzip-compressed (by its magic bytes). */
export async function fileIsGzip(file: string): Promise<boolean> {
  return isGzip(await firstBytes(file, 2));
}

/**
 * The file's bytes (decompressed when gzip) from byte `start` of that content on, in chunks of about 1 MiB. A gzip
 * file is decompressed from its start and the first `start` bytes dropped (gzip has no random access). A corrupt
 * or truncated gzip stream is DATASET_INVALID.
 */
export async function* contentBytes(file: string, start = 0): AsyncGenerator<Buffer> {
  if (!(await fileIsGzip(file))) {
    for await (const raw of createReadStream(file, { start, highWaterMark: CHUNK })) yield raw as Buffer;
    return;
  }
  let left = start;
  const gunzip = createReadStream(file, { highWaterMark: CHUNK }).pipe(createGunzip({ chunkSize: 256 * 1024 }));
  try {
    for await (const raw of gunzip) {
      const b = raw as Buffer;
      if (left >= b.length) {
        left -= b.length;
        continue;
      }
      yield left > 0 ? b.subarray(left) : b;
      left = 0;
    }
  } catch (err) {
    throw new ProbescopeError(
      'DATASET_INVALID',
      `${path.basename(file)}: cannot decompress gzip (${(err as Error).message}); the file is truncated or not gzip.`,
    );
  } finally {
    gunzip.destroy();
  }
}

/** The first `n` bytes of the content (decompressed when gzip). */
export async function contentHead(file: string, n: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  for await (const b of contentBytes(file)) {
    parts.push(b);
    got += b.length;
    if (got >= n) break;
  }
  return Buffer.concat(parts).subarray(0, n);
}

/**
 * The content's size in bytes: the file size, or for gzip the size recorded in its trailer (ISIZE, the size mod 2^32
 * of the last member); when that is well below the compressed size (content over 4 GiB wrapped it) it is taken as
 * large.
 */
export async function contentSize(file: string, size: number): Promise<number> {
  if (size < 18 || !(await fileIsGzip(file))) return size;
  const handle = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(4);
    await handle.read(buf, 0, 4, size - 4);
    const isize = buf.readUInt32LE(0);
    // Stored data (incompressible bytes) grows by at most a header and ~0.03 %; far smaller means ISIZE wrapped.
    return isize + 1024 + size / 100 >= size ? isize : Number.MAX_SAFE_INTEGER;
  } finally {
    await handle.close();
  }
}
