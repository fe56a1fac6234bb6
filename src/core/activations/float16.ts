/** IEEE 754 half-precision conversions (Node 20 has no Float16Array). */
import { ProbescopeError } from '../errors';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 -> IEEE half bits, round to nearest even, overflow to ±Infinity. */
export function floatToHalf(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++; // may carry into the exponent: still correct
  return sign | half;
}

export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/**
 * float32 values → float16 little-endian bytes, floatToHalf for each value (round to nearest even, overflow to
 * ±Infinity), on a 32-bit view of the input instead of one value through a shared scratch array.
 */
export function encodeHalves(values: Float32Array): Uint8Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < bits.length; i++) {
    const x = bits[i];
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    const e = exp - 112; // exp - 127 + 15
    if (e > 0 && e < 0x1f) {
      // Normal half (the common case): round the 23-bit mantissa to 10 bits, to nearest even.
      let half = (e << 10) | ((x & 0x7fffff) >>> 13);
      const rem = x & 0x1fff;
      if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
      out[i] = sign | half;
    } else out[i] = floatToHalf(values[i]); // zero, subnormal, overflow, Inf/NaN: the general path
  }
  return new Uint8Array(out.buffer);
}

let table: Float32Array | undefined;

/**
 * float16 little-endian bytes → float32 values written into `dst` from element `at` on, by a 65,536-entry table of
 * halfToFloat (256 KiB, built once): about 100× faster than converting value by value (float16 is the default for
 * token caches, read on every streamed batch), bit-identical to it. `bytes` may start at any byte offset; `dst` must
 * hold bytes.byteLength / 2 values from `at`.
 */
export function decodeHalvesInto(bytes: Uint8Array, dst: Float32Array, at: number): void {
  if (!table) {
    table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) table[h] = halfToFloat(h);
  }
  const n = bytes.byteLength >> 1;
  if (bytes.byteOffset % 2 === 0 && LITTLE_ENDIAN) {
    const halves = new Uint16Array(bytes.buffer, bytes.byteOffset, n);
    for (let i = 0; i < n; i++) dst[at + i] = table[halves[i]];
  } else for (let i = 0; i < n; i++) dst[at + i] = table[bytes[2 * i] | (bytes[2 * i + 1] << 8)];
}

/** float16 little-endian bytes → a new Float32Array (decodeHalvesInto). */
export function decodeHalves(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.byteLength >> 1);
  decodeHalvesInto(bytes, out, 0);
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** Largest finite float16 value. */
export const FLOAT16_MAX = 65504;

/**
 * The first layer (in `layers` order) whose states exceed float16's range, with its largest |value|; undefined when
 * every value fits (|x| ≤ 65,504). `states` are per example, per layer ([rows·D]).
 */
export function float16Overflow(
  states: readonly Map<string | number, Float32Array>[],
  layers: readonly (string | number)[],
): { layer: string | number; max: number } | undefined {
  for (const layer of layers) {
    let max = 0;
    for (const ex of states) {
      const s = ex.get(layer);
      if (s) for (let k = 0; k < s.length; k++) if (Math.abs(s[k]) > max) max = Math.abs(s[k]);
    }
    if (max > FLOAT16_MAX) return { layer, max };
  }
  return undefined;
}

/**
 * Refuses (BAD_ARGUMENT) states that a float16 cache cannot hold: |x| > 65,504 would be stored as ±Infinity.
 * `states` are per example, per layer ([tokens·D]); names the layer and the largest value. Used when float16 was asked
 * for explicitly (`--dtype float16`); the default token-cache dtype stores such a shard as float32 instead
 * (cacheDtype.ts).
 */
export function assertFitsFloat16(
  states: readonly Map<string | number, Float32Array>[],
  layers: readonly (string | number)[],
): void {
  const over = float16Overflow(states, layers);
  if (over) {
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      `Layer ${over.layer} holds values up to ${over.max.toPrecision(6)}, beyond float16's largest value ${FLOAT16_MAX}: a ` +
        'float16 cache would store them as ±Infinity. Use --dtype float32 for this model (or leave --dtype out: the ' +
        'default stores such shards as float32).',
    );
  }
}
