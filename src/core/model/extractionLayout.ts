/**
 * How a model's texts are batched for extraction, known before any extractor exists (the tapped graph is built or
 * read from the cache): graph kind, padding side and texts per run. The states depend on them, so activation cache
 * keys can include them; ActivationExtractor exposes the same three fields.
 */
import type { LayerSpec } from '../../protocol/types';
import type { PaddingSide } from './batching';
import { type GraphKind, graphTraits } from './graphKind';
import type { ModelFolder } from './modelFolder';
import { buildTappedModel } from './tappedModel';

export interface ExtractionLayout {
  graphKind: GraphKind;
  padding: PaddingSide;
  maxBatchSize: number;
}

/** `padding`: an explicit choice (ExtractorOptions.padding); default what the graph kind needs, else left. */
export async function extractionLayout(
  folder: ModelFolder,
  layers: LayerSpec[],
  opts: { cacheDir: string; padding?: PaddingSide },
): Promise<ExtractionLayout> {
  const { graphKind } = await buildTappedModel(folder, layers, opts.cacheDir);
  const traits = graphTraits(graphKind);
  return { graphKind, padding: opts.padding ?? traits.requiredPadding ?? 'left', maxBatchSize: traits.maxBatchSize };
}
