/**
 * Stored cache values straight into a batch's float32 buffer (the streamed trainer's hot path): float32 is one copy,
 * float16 one table lookup per value. The table holds halfToFloat of all 65,536 half bit patterns (256 KiB, built on
 * first use), so the result is bit-identical to shardFormat's decodeValues, several times faster than its DataView
 * loop, and needs no intermediate array.
 */
import { halfToFloat } from './float16';
import type { CacheDtype } from './shardFormat';

/** Typed-array views read in the host's byte order; the cache is little-endian. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

let halfTable: Float32Array | undefined;

function table(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = halfToFloat(h);
  }
  return halfTable;
}

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
  const n = src.byteLength >>> 1;
  const t = table();
  if (LITTLE_ENDIAN && (src.byteOffset & 1) === 0) {
    const u16 = new Uint16Array(src.buffer, src.byteOffset, n);
    for (let i = 0; i < n; i++) dst[at + i] = t[u16[i]];
  } else for (let i = 0; i < n; i++) dst[at + i] = t[src[2 * i] | (src[2 * i + 1] << 8)];
}
