/**
 * The model's identity for probes and activation caches: what its weights are, by content.
 *
 * hash = sha256 over the whole .onnx file (graph, and weights stored inline), then for each external data file
 * (model.onnx_data, _data_1 …) its name, size and a sha256 of SAMPLE_BLOCKS blocks of SAMPLE_BLOCK_BYTES spread evenly
 * over the file, first and last block included (the whole file when it is at most SAMPLE_BLOCKS · SAMPLE_BLOCK_BYTES =
 * 4 MiB).
 *
 * Why not the Hub's sha256 when a download recorded it: the same files reach a user by three routes (a folder chosen by
 * hand, a Hugging Face cache snapshot, a fresh download) and must have one identity (issue #11); a folder copied by hand
 * carries no Hub checksum, and computing a full sha256 of tens of GB on every start is not affordable. Sampled blocks
 * are computed the same way on every route. The Hub's sha256 is still checked, in full, when a file is downloaded
 * (src/core/hub), so a downloaded file is known to be the Hub's bytes.
 *
 * Why 256 blocks of 16 KiB (4 MiB read per file, a few ms from a warm disk, well under a second from a cold one, instead
 * of minutes for tens of GB): two exports of the same architecture with different weights (a base model and its
 * instruction-tuned twin, exported the same way, have identical graph files and data sizes) differ in essentially every
 * tensor, so any one sampled block tells them apart. Even a partial fine-tune changes at least whole layers: with 256
 * evenly spaced blocks the stride is size/255, which for any Gemma export is smaller than one decoder layer's weights
 * (a Gemma 2 2B layer is ≈ 60 MB at q4 in a 1.5 GB file, stride 6 MB; Gemma 2 27B fp16 ≈ 1.2 GB per layer in 54 GB,
 * stride 210 MB), so every layer holds several sampled blocks. Edits smaller than the stride inside one tensor can
 * go unseen (a full read would be needed to see them).
 *
 * Folders without external data hash exactly as before (sha256 of the .onnx), so their saved probes still match.
 */
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';

export const SAMPLE_BLOCKS = 256;
export const SAMPLE_BLOCK_BYTES = 16 * 1024;

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
 * file is hashed again. `_dir` is the model folder (kept for callers; the hash depends only on the files' content).
 */
export async function hashModelContent(_dir: string, onnxPath: string, externalData: string[] = []): Promise<string> {
  const files = [onnxPath, ...externalData];
  const stats = await Promise.all(files.map((p) => stat(p)));
  const key = files.map((p, i) => `${p}\0${stats[i].ino}\0${stats[i].mtimeMs}\0${stats[i].size}`).join('\n');
  let pending = memo.get(key);
  if (!pending) {
    pending = (async () => {
      const h = createHash('sha256');
      const fh = await open(onnxPath, 'r');
      try {
        for await (const chunk of fh.createReadStream({ highWaterMark: 1 << 20, autoClose: false }))
          h.update(chunk as Buffer);
      } finally {
        await fh.close();
      }
      for (const [i, p] of externalData.entries()) {
        h.update(`\0${basename(p)}:${stats[i + 1].size}:sampled=${await sampledFileHash(p)}`);
      }
      return h.digest('hex');
    })();
    memo.set(key, pending);
    pending.catch(() => memo.delete(key));
  }
  return pending;
}
