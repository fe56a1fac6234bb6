/**
 * Extraction throughput per execution provider, through the same ActivationExtractor the worker uses (tapped and
 * pruned graph): the tiny fixture model on real texts, and a synthetic decoder with Gemma-2-2B layer shapes on fixed
 * 128-token id sequences. The states each provider returns are kept so that a GPU's can be compared with the CPU's.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ActivationExtractor } from '../../src/core/model/extractor';
import { resolveModelFolder } from '../../src/core/model/modelFolder';
import { encodeModel } from '../../src/core/onnx/proto';
import type { LayerSpec } from '../../src/protocol/types';
import { buildSyntheticGemma, syntheticConfig, type SyntheticShape } from '../syntheticGemma';
import { compare, type BenchProvider, type ExtractionResult } from './report';

export interface ExtractionSpec {
  /** Key in the report ("tiny", "gemma2-2b-shaped"). */
  key: string;
  /** Model folder (built by prepareSyntheticFolder for the synthetic model). */
  modelDir: string;
  layers: LayerSpec[];
  /** Either texts (tokenized by the model's tokenizer) or ready id sequences. */
  texts?: string[];
  ids?: number[][];
  batchSize: number;
  repeats: number;
}

export interface ExtractionRun {
  result: ExtractionResult;
  /** Every returned state, in a fixed order, for the comparison with the CPU. */
  states: Float32Array[];
}

export async function measureExtraction(
  spec: ExtractionSpec,
  provider: BenchProvider,
  cacheDir: string,
  cpu?: Float32Array[],
): Promise<ExtractionRun> {
  const folder = await resolveModelFolder(spec.modelDir);
  const t0 = performance.now();
  const ex = await ActivationExtractor.create(folder, spec.layers, {
    cacheDir,
    executionProvider: provider,
    // A cap, not a cut: the texts are shorter; capped at the model's positions (the extractor refuses more).
    maxLength: Math.min(4096, folder.config.maxPositions ?? 4096),
  });
  const sessionSeconds = (performance.now() - t0) / 1000;
  try {
    const once = async (): Promise<{ states: Map<LayerSpec, Float32Array>[]; tokens: number }> => {
      if (spec.ids) {
        const states = await ex.extractIds(spec.ids, { batchSize: spec.batchSize });
        return { states, tokens: spec.ids.reduce((a, s) => a + s.length, 0) };
      }
      const out = await ex.extract(spec.texts!, { batchSize: spec.batchSize });
      return { states: out.map((e) => e.states), tokens: out.reduce((a, e) => a + e.tokens.length, 0) };
    };
    const first = await once(); // warm-up (provider kernels, arena growth); its states are the ones compared
    let best = Infinity;
    for (let i = 0; i < spec.repeats; i++) {
      const t = performance.now();
      await once();
      best = Math.min(best, (performance.now() - t) / 1000);
    }
    const states = first.states.flatMap((m) => ex.layers.map((l) => m.get(l)!));
    const sequences = spec.ids?.length ?? spec.texts!.length;
    return {
      result: {
        model: folder.id,
        layers: ex.layers.join(','),
        sequences,
        tokens: first.tokens,
        batchSize: spec.batchSize,
        tokensPerS: first.tokens / best,
        sessionSeconds,
        ...(cpu ? { vsCpu: compare(states, cpu) } : {}),
      },
      states,
    };
  } finally {
    await ex.dispose();
  }
}

/** Texts of the tiny fixture's reference cases, repeated to `n`. */
export async function tinyTexts(fixturesDir: string, n: number): Promise<string[]> {
  const ref = JSON.parse(await readFile(join(fixturesDir, 'tiny-gemma2', 'reference.json'), 'utf8')) as {
    cases: { text: string }[];
  };
  return Array.from({ length: n }, (_, i) => ref.cases[i % ref.cases.length]!.text);
}

/**
 * Writes a model folder for the synthetic decoder (model.onnx, config.json, the tiny fixture's 1,000-token tokenizer)
 * and returns its path. Layers share one set of weights, so a Gemma-2-2B-shaped model of L layers is ~0.3 GB.
 */
export async function prepareSyntheticFolder(dir: string, shape: SyntheticShape, fixturesDir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const { model } = buildSyntheticGemma(shape);
  await writeFile(join(dir, 'model.onnx'), encodeModel(model));
  await writeFile(join(dir, 'config.json'), JSON.stringify(syntheticConfig(shape)));
  await copyFile(join(fixturesDir, 'tiny-gemma2', 'tokenizer.json'), join(dir, 'tokenizer.json'));
  return dir;
}

/** `n` id sequences of `len` tokens (bos first, then ids in [3, vocab)), deterministic. */
export function idSequences(n: number, len: number, vocab: number): number[][] {
  return Array.from({ length: n }, (_, s) =>
    Array.from({ length: len }, (_, i) => (i === 0 ? 2 : 3 + ((s * 7919 + i * 104729) % (vocab - 3)))),
  );
}
