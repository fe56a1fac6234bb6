import { readdir, stat } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import type { ListModelVariantsParams, ModelVariant, ModelVariantList } from '../../protocol/types';
import { ProbescopeError } from '../errors';
import { HubRepoCache, hubCacheDir } from '../hub/hubCache';
import { openHubSession } from '../hub/hubClient';
import { type HubFile, listRepoFiles, resolveCommit } from '../hub/hubFiles';
import { checkRepoId, externalDataFiles } from './hubListing';

/** Preferred precision first: fp32 gives states that match transformers; quantized weights trade that for memory. */
const PRECISION_ORDER = ['fp32', 'fp16', 'int8', 'uint8', 'quantized', 'q4', 'q4f16', 'bnb4'];

/**
 * Memory a variant needs to run: its weights once for the ONNX Runtime session plus half again for the rewritten
 * (tapped, pruned) graph and activations — the DESIGN's measurement was 8-12 GiB for Gemma 2 2B fp32 (~10 GB of
 * weights). A rule of thumb, not a guarantee.
 */
export const MEMORY_FACTOR = 1.5;

/** "onnx/model_q4f16.onnx" → "q4f16"; model.onnx / onnx/model.onnx → "fp32"; other names keep their stem. */
export function variantName(onnxFile: string): string {
  const base = onnxFile
    .split('/')
    .pop()!
    .replace(/\.onnx$/, '');
  if (base === 'model') return 'fp32';
  return base.startsWith('model_') ? base.slice('model_'.length) : base;
}

/**
 * The ONNX variants of a Hub model repo (model.onnx and onnx/*.onnx), each with its download size (the .onnx plus
 * its external data files), whether it is already in the Hugging Face cache (every blob present), and whether it fits
 * this machine's memory (`bytes * MEMORY_FACTOR <= memoryBytes`, default os.totalmem()). `recommended` is the
 * highest-precision variant that fits (order fp32, fp16, int8, uint8, quantized, q4, q4f16, bnb4, others), else the
 * smallest. HF_HUB_OFFLINE=1 lists what the cached snapshot holds.
 */
export async function listModelVariants(
  params: ListModelVariantsParams,
  hooks: { signal?: AbortSignal } = {},
): Promise<ModelVariantList> {
  checkRepoId(params.repoId);
  const revision = params.revision ?? 'main';
  const cache = new HubRepoCache(params.cacheDir ?? hubCacheDir(), 'model', params.repoId);
  const session = await openHubSession({ endpoint: params.endpoint, token: params.token, signal: hooks.signal });
  const memoryBytes = params.memoryBytes ?? totalmem();
  let commit: string;
  let listing: HubFile[];
  if (session.offline) {
    const cached = await cache.cachedCommit(revision);
    if (!cached) {
      throw new ProbescopeError(
        'DOWNLOAD_FAILED',
        `HF_HUB_OFFLINE is set and ${params.repoId}@${revision} is not in the Hugging Face cache (${cache.folder}).`,
      );
    }
    commit = cached;
    listing = await snapshotListing(cache.snapshotDir(commit));
  } else {
    commit = await resolveCommit(session, 'model', params.repoId, revision);
    listing = await listRepoFiles(session, 'model', params.repoId, commit);
  }
  const paths = listing.map((f) => f.path);
  const onnx = paths.filter((p) => p === 'model.onnx' || /^onnx\/[^/]+\.onnx$/.test(p));
  const variants: ModelVariant[] = [];
  for (const onnxFile of onnx) {
    const files = [onnxFile, ...externalDataFiles(paths, onnxFile)].map((p) => listing.find((f) => f.path === p)!);
    const bytes = files.reduce((s, f) => s + f.size, 0);
    let cached = true;
    for (const f of files) {
      const inBlobs = f.etag ? (await stat(cache.blobPath(f.etag)).catch(() => undefined))?.size === f.size : false;
      if (!inBlobs && !(await cache.hasFile(commit, f.path))) cached = false;
    }
    variants.push({
      onnxFile,
      name: variantName(onnxFile),
      bytes,
      files: files.map((f) => f.path),
      cached,
      fits: bytes * MEMORY_FACTOR <= memoryBytes,
    });
  }
  if (variants.length === 0) {
    throw new ProbescopeError(
      'DOWNLOAD_FAILED',
      `${params.repoId} has no model.onnx or onnx/*.onnx; pick an ONNX export (onnx-community/… repos) or export one with optimum.`,
    );
  }
  const rank = (v: ModelVariant): number => {
    const i = PRECISION_ORDER.indexOf(v.name);
    return i < 0 ? PRECISION_ORDER.length : i;
  };
  variants.sort((a, b) => rank(a) - rank(b) || a.onnxFile.localeCompare(b.onnxFile));
  const recommended = variants.find((v) => v.fits) ?? [...variants].sort((a, b) => a.bytes - b.bytes)[0];
  return { repoId: params.repoId, commit, memoryBytes, variants, recommended: recommended.onnxFile };
}

/** Files of a cached snapshot (offline listing): paths and sizes, no checksums. */
async function snapshotListing(dir: string): Promise<HubFile[]> {
  const out: HubFile[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const e of await readdir(join(dir, rel), { withFileTypes: true }).catch(() => [])) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(p);
      else {
        const st = await stat(join(dir, p)).catch(() => undefined);
        if (st?.isFile()) out.push({ path: p, size: st.size, etag: '' });
      }
    }
  };
  await walk('');
  return out;
}
