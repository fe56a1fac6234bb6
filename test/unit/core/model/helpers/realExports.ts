/**
 * The real-layout exports in test/fixtures/real-exports (see its README.md): the manifest, each variant's
 * reference.json (states as base64 float32 / float16), and the Hugging Face cache layout rebuilt with real symlinks.
 */
import { readFileSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { halfToFloat } from '../../../../../src/core/activations/float16';
import type { LayerSpec } from '../../../../../src/protocol/types';
import { FIXTURES } from '../fixtureRef';

export const REAL_EXPORTS = join(FIXTURES, 'real-exports');
export const ALL_LAYERS: LayerSpec[] = [0, 1, 2, 3, 4, 'final'];

export interface RealVariant {
  name: string;
  family: 'gemma2' | 'gemma3';
  /** Relative to REAL_EXPORTS. */
  model_dir: string;
  onnx_file: string;
}

export interface RealText {
  name: string;
  text: string;
  input_ids: number[];
  /** Per layer ('0'..'4', 'final'): base64 states from transformers (float32). */
  hf: Record<string, string>;
  /** Per layer: the graph's own states from onnxruntime python (reduced-precision variants). */
  ort?: Record<string, string>;
  ort_encoding?: 'float32' | 'float16';
}

export interface RealReference {
  hidden_size: number;
  texts: RealText[];
  tolerance: { kind: 'float32'; vs_hf_abs: number } | { kind: 'reduced-precision'; vs_ort_abs: Record<string, number> };
  padded_batch_check: { left: Record<string, number>; right: Record<string, number> };
  residual_tensors: Record<string, string>;
  other_files?: Record<string, { max_abs_diff_ort_vs_hf: Record<string, number> }>;
}

export function realVariants(): RealVariant[] {
  return (JSON.parse(readFileSync(join(REAL_EXPORTS, 'manifest.json'), 'utf8')) as { variants: RealVariant[] })
    .variants;
}

export function realReference(modelDir: string): RealReference {
  return JSON.parse(readFileSync(join(modelDir, 'reference.json'), 'utf8')) as RealReference;
}

/** Little-endian float32 (or float16) base64 -> Float32Array. */
export function decodeStates(b64: string, encoding: 'float32' | 'float16' = 'float32'): Float32Array {
  const b = Buffer.from(b64, 'base64');
  if (encoding === 'float32') return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  const out = new Float32Array(b.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = halfToFloat(b.readUInt16LE(2 * i));
  return out;
}

export function maxAbs(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != expected ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = d;
  }
  return m;
}

const LINK_TEXT = /^(\.\.\/)+blobs\/[0-9a-f]+$/;

/**
 * Copies a stored Hugging Face cache (`models--owner--name/{blobs,refs,snapshots}`) to `dest` and turns every
 * snapshot file that holds a link target (`../../blobs/<hash>`, how git stores symlinks where it cannot make them)
 * back into a relative symlink, as huggingface_hub leaves it. Returns `dest`.
 */
export async function materializeHfCache(stored: string, dest: string): Promise<string> {
  await rm(dest, { recursive: true, force: true });
  await cp(stored, dest, { recursive: true });
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && (await stat(p)).size < 256) {
        const target = (await readFile(p, 'utf8')).trim();
        if (LINK_TEXT.test(target)) {
          await rm(p);
          await symlink(target, p);
        }
      }
    }
  };
  await walk(dest);
  return dest;
}

/** The model folder of a manifest variant; the cache layout is first rebuilt with real symlinks under `scratch`. */
export async function variantDir(modelDir: string, scratch: string): Promise<string> {
  const m = /^([^/]+-hf-cache)\/(.+)$/.exec(modelDir);
  if (!m) return join(REAL_EXPORTS, modelDir);
  await materializeHfCache(join(REAL_EXPORTS, m[1]), join(scratch, m[1]));
  return join(scratch, m[1], m[2]);
}

/**
 * A folder holding one .onnx file of the onnx-community fixture (`onnx/<file>` + its data) with config and
 * tokenizer, the way a user who downloaded only that variant has it. Returns the folder.
 */
export async function singleVariantFolder(file: string, dest: string): Promise<string> {
  const src = join(REAL_EXPORTS, 'gemma2-onnx-community');
  await rm(dest, { recursive: true, force: true });
  await mkdir(join(dest, 'onnx'), { recursive: true });
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) await cp(join(src, f), join(dest, f));
  for (const f of await readdir(join(src, 'onnx'))) {
    if (f === file || f.startsWith(`${file}_data`)) await cp(join(src, 'onnx', f), join(dest, 'onnx', f));
  }
  return dest;
}
