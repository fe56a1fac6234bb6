/**
 * The model's identity for probes and activation caches: what its weights are, by content.
 *
 * hash = sha256 over the whole .onnx file (graph, and weights stored inline), then for each external data file
 * (model.onnx_data, _data_1 …) its name, size and either
 *   - the Hub's sha256 of that file, when the download recorded it (hubFileHashes: the one place the Hub client feeds), or
 *   - a sha256 of SAMPLE_BLOCKS blocks of SAMPLE_BLOCK_BYTES spread evenly over the file, first and last block included
 *     (a file of at most SAMPLE_BLOCKS · SAMPLE_BLOCK_BYTES = 4 MiB is hashed whole and named by its sha256, exactly
 *     as the Hub names it, so a downloaded and a copied folder agree).
 * A large file downloaded from the Hub (sha256 known) and the same file copied by hand (sampled) hash differently:
 * probes then need the folder they were trained with, or retraining (the mismatch check refuses, it never guesses).
 *
 * Why 256 blocks of 16 KiB (4 MiB read per file, a few ms from a warm disk, well under a second from a cold one, instead
 * of minutes for tens of GB): two exports of the same architecture with different weights (a base model and its
 * instruction-tuned twin, exported the same way, have identical graph files and data sizes) differ in essentially every
 * tensor, so any one sampled block tells them apart. Even a partial fine-tune changes at least whole layers: with 256
 * evenly spaced blocks the stride is size/255, which for any Gemma export is smaller than one decoder layer's weights
 * (a Gemma 2 2B layer is ≈ 60 MB at q4 in a 1.5 GB file, stride 6 MB; Gemma 2 27B fp16 ≈ 1.2 GB per layer in 54 GB,
 * stride 210 MB), so every layer holds several sampled blocks. Edits smaller than the stride inside one tensor can
 * go unseen; the Hub's sha256 (used when known) has no such gap.
 *
 * Folders without external data hash exactly as before (sha256 of the .onnx), so their saved probes still match.
 */
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { hashRegularFile, readRegularText, SMALL_JSON_LIMIT } from '../storage';

export const SAMPLE_BLOCKS = 256;
export const SAMPLE_BLOCK_BYTES = 16 * 1024;

/** .probescope-source.json beside a downloaded model (written by the Hub client). */
const SOURCE_FILE = '.probescope-source.json';

/**
 * sha256 hex per file path relative to the model folder ('/' separators), as the Hub lists it (LFS oid), read from the
 * `sha256` field of .probescope-source.json; empty when unknown. The Hub client is the one writer of that field.
 */
export async function hubFileHashes(dir: string): Promise<Map<string, string>> {
  try {
    const json = JSON.parse(
      await readRegularText(join(dir, SOURCE_FILE), { maxBytes: SMALL_JSON_LIMIT, what: SOURCE_FILE }),
    ) as { sha256?: unknown };
    const out = new Map<string, string>();
    if (json.sha256 && typeof json.sha256 === 'object')
      for (const [file, h] of Object.entries(json.sha256 as Record<string, unknown>))
        if (typeof h === 'string' && /^[0-9a-f]{64}$/.test(h)) out.set(file, h);
    return out;
  } catch {
    return new Map();
  }
}

/** sha256 hex of SAMPLE_BLOCKS evenly spread blocks of a file (the whole file when small), with its size. */
export async function sampledFileHash(path: string): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const h = createHash('sha256').update(`size:${size}\0`);
    const whole = size <= SAMPLE_BLOCKS * SAMPLE_BLOCK_BYTES;
    const buf = Buffer.alloc(whole ? Math.max(size, 1) : SAMPLE_BLOCK_BYTES);
    const offsets = whole
      ? [0]
      : Array.from({ length: SAMPLE_BLOCKS }, (_, i) =>
          Math.floor((i * (size - SAMPLE_BLOCK_BYTES)) / (SAMPLE_BLOCKS - 1)),
        );
    for (const offset of offsets) {
      const want = whole ? size : SAMPLE_BLOCK_BYTES;
      let got = 0;
      while (got < want) {
        const { bytesRead } = await fh.read(buf, got, want - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      h.update(buf.subarray(0, got));
    }
    return h.digest('hex');
  } finally {
    await fh.close();
  }
}

const memo = new Map<string, Promise<string>>();

/**
 * The model hash described above. Memoised per process on (path, inode, mtime, size) of every file, so a rewritten
 * file is hashed again. `dir` is the model folder (for the Hub's per-file sha256).
 */
export async function hashModelContent(dir: string, onnxPath: string, externalData: string[] = []): Promise<string> {
  const files = [onnxPath, ...externalData];
  const stats = await Promise.all(files.map((p) => stat(p)));
  const source = await stat(join(dir, SOURCE_FILE)).catch(() => undefined);
  const key =
    files.map((p, i) => `${p}\0${stats[i].ino}\0${stats[i].mtimeMs}\0${stats[i].size}`).join('\n') +
    (externalData.length && source ? `\nsource\0${source.ino}\0${source.mtimeMs}\0${source.size}` : '');
  let pending = memo.get(key);
  if (!pending) {
    pending = (async () => {
      const hub = externalData.length ? await hubFileHashes(dir) : new Map<string, string>();
      const h = createHash('sha256');
      const fh = await open(onnxPath, 'r');
      try {
        for await (const chunk of fh.createReadStream({ highWaterMark: 1 << 20, autoClose: false }))
          h.update(chunk as Buffer);
      } finally {
        await fh.close();
      }
      for (const [i, p] of externalData.entries()) {
        const hubSha = hub.get(relative(dir, p).split(sep).join('/'));
        // A small file is hashed whole, so it is named exactly as the Hub names it (same weights, same hash).
        const small = stats[i + 1].size <= SAMPLE_BLOCKS * SAMPLE_BLOCK_BYTES;
        const content = hubSha
          ? `sha256=${hubSha}`
          : small
            ? `sha256=${await hashRegularFile(p, { maxBytes: SAMPLE_BLOCKS * SAMPLE_BLOCK_BYTES, what: 'model data file' })}`
            : `sampled=${await sampledFileHash(p)}`;
        h.update(`\0${basename(p)}:${stats[i + 1].size}:${content}`);
      }
      return h.digest('hex');
    })();
    memo.set(key, pending);
    pending.catch(() => memo.delete(key));
  }
  return pending;
}
