/**
 * Stored cache values straight into a batch's float32 buffer (the streamed trainer's hot path): float32 is one copy,
 * float16 one table lookup per value (float16.ts decodeHalvesInto), bit-identical to shardFormat's decodeValues and
 * with no intermediate array.
 */
import { decodeHalvesInto } from './float16';
import type { CacheDtype } from './shardFormat';

/**
 * Decodes `src` (little-endian `dtype` values; any byte alignment) into `dst` from element `at` on. `dst` must hold
 * src.byteLength / bytesPerValue values from `at` (RangeError otherwise).
 */
export function decodeInto(src: Uint8Array, dtype: CacheDtype, dst: Float32Array, at: number): void {
  if (dtype === 'float32') {
    // A byte copy: the shard slice may start at any byte, dst is aligned.
    new Uint8Array(dst.buffer, dst.byteOffset + at * 4, src.byteLength).set(src);
    return;
  }
  decodeHalvesInto(src, dst, at);
}
