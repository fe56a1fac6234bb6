/**
 * safetensors read/write for float32 tensors (the format is small enough to own): 8-byte little-endian u64 header
 * length N, N bytes of JSON header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}
 * padded with spaces to 8-byte alignment, then the raw little-endian data, offsets relative to the data start.
 */
import { ProbescopeError } from '../errors';

export interface F32Tensor {
  shape: number[];
  data: Float32Array;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function f32Bytes(data: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
}

/** Serialises tensors in the given key order (keys sorted would also be valid; readers must not care). */
export function encodeSafetensors(tensors: Record<string, F32Tensor>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new ProbescopeError(
        'INTERNAL',
        `Tensor ${name}: shape [${t.shape}] holds ${count} values, data has ${t.data.length}.`,
      );
    }
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  const jsonLen = Buffer.byteLength(json, 'utf8');
  json += ' '.repeat((8 - (jsonLen % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const t of Object.values(tensors)) {
    out.set(f32Bytes(t.data), pos);
    pos += t.data.byteLength;
  }
  return out;
}

export interface DecodedSafetensors {
  tensors: Record<string, F32Tensor>;
  metadata: Record<string, string>;
}

/** Parses and validates a safetensors buffer: F32 only, offsets in bounds, contiguous and non-overlapping. */
export function decodeSafetensors(bytes: Uint8Array, what = 'safetensors file'): DecodedSafetensors {
  const bad = (msg: string): never => {
    throw new ProbescopeError('PROBE_INVALID', `${what}: ${msg}`);
  };
  if (bytes.length < 8) bad('shorter than its 8-byte header length.');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (8 + n > bytes.length) bad(`header length ${n} runs past the end of the file (${bytes.length} bytes).`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, n).toString('utf8')) as Record<string, unknown>;
  } catch {
    return bad('header is not valid JSON.');
  }
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const entries = Object.entries(header)
    .filter(([k]) => k !== '__metadata__')
    .map(([name, v]) => ({ name, info: v as { dtype: string; shape: number[]; data_offsets: [number, number] } }))
    .sort((a, b) => a.info.data_offsets[0] - b.info.data_offsets[0]);
  const tensors: Record<string, F32Tensor> = {};
  let expected = 0;
  for (const { name, info } of entries) {
    if (info.dtype !== 'F32') bad(`tensor ${name} has dtype ${info.dtype}; probes are float32 (F32).`);
    const [begin, end] = info.data_offsets;
    if (begin !== expected) bad(`tensor ${name} starts at ${begin}, expected ${expected} (gap or overlap).`);
    if (end > dataLen || end < begin)
      bad(`tensor ${name} offsets [${begin}, ${end}] out of bounds (${dataLen} data bytes).`);
    const count = info.shape.reduce((a, b) => a * b, 1);
    if (count * 4 !== end - begin)
      bad(`tensor ${name} shape [${info.shape}] needs ${count * 4} bytes, has ${end - begin}.`);
    const data = new Float32Array(count);
    const dv = new DataView(bytes.buffer, bytes.byteOffset + dataStart + begin, end - begin);
    for (let i = 0; i < count; i++) data[i] = dv.getFloat32(i * 4, true);
    tensors[name] = { shape: info.shape.slice(), data };
    expected = end;
  }
  if (expected !== dataLen) bad(`${dataLen - expected} trailing bytes after the last tensor.`);
  return { tensors, metadata };
}
