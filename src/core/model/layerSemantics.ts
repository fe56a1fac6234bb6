/**
 * What a Probescope layer index means, next to the conventions researchers compare with (DESIGN.md "Layer
 * convention"). For a model with N decoder blocks:
 *   layer 0        = the scaled token embedding (embed_tokens(ids) * sqrt(hidden_size)), the residual stream entering
 *                    block 0: TransformerLens `blocks.0.hook_resid_pre`, Hugging Face `hidden_states[0]`.
 *   layer L (1..N) = the residual stream after decoder block L (1-based), before any norm: TransformerLens
 *                    `blocks.{L-1}.hook_resid_post`. For L < N this is Hugging Face `hidden_states[L]`; for L = N it is
 *                    not: transformers ties the last entry of `hidden_states` to `last_hidden_state`, the final-norm
 *                    state, which is Probescope's `final`.
 *   final          = model.norm(layer N): Hugging Face `hidden_states[N]` = `last_hidden_state`; TransformerLens
 *                    has no hook on it (ln_final's output after its weight).
 * EleutherAI's attention-probes extraction reads transformers' `hidden_states[layer]`, so its layer index is Hugging
 * Face's: the same number as ours for 0..N-1, and its layer N is our `final`.
 */
import type { LayerSpec } from '../../protocol/types';

export interface LayerMeaning {
  /** Probescope's own words: "residual stream after decoder block 3 of 26". */
  probescope: string;
  /** TransformerLens hook name, or a phrase when no hook holds it. */
  transformerLens: string;
  /** Hugging Face transformers: the index into `output_hidden_states`, or why none holds it. */
  huggingFace: string;
  /** EleutherAI attention-probes' layer index (= Hugging Face's hidden_states index), or why none. */
  eleutherAI: string;
}

/** Meaning of `layer` for a model with `numLayers` decoder blocks (see the file comment for the sources). */
export function layerMeaning(layer: LayerSpec, numLayers: number): LayerMeaning {
  const N = numLayers;
  if (layer === 'final') {
    return {
      probescope: `final-norm state (model.norm applied to layer ${N})`,
      transformerLens: 'no hook (ln_final output, after its weight)',
      huggingFace: `hidden_states[${N}] = last_hidden_state`,
      eleutherAI: `layer ${N}`,
    };
  }
  if (layer === 0) {
    return {
      probescope: 'scaled token embeddings (residual stream entering block 1)',
      transformerLens: 'blocks.0.hook_resid_pre',
      huggingFace: 'hidden_states[0]',
      eleutherAI: 'layer 0',
    };
  }
  const last = layer === N;
  return {
    probescope: `residual stream after decoder block ${layer} of ${N}${last ? ', before the final norm' : ''}`,
    transformerLens: `blocks.${layer - 1}.hook_resid_post`,
    huggingFace: last ? `none (hidden_states[${N}] is the final-norm state: use "final")` : `hidden_states[${layer}]`,
    eleutherAI: last ? `none (its layer ${N} is the final-norm state)` : `layer ${layer}`,
  };
}

/** One line for pickers, help and probe.json: "residual stream after decoder block 3 of 26 · TransformerLens …". */
export function describeLayer(layer: LayerSpec, numLayers: number): string {
  const m = layerMeaning(layer, numLayers);
  return `${m.probescope} · TransformerLens ${m.transformerLens} · HF ${m.huggingFace} · EleutherAI ${m.eleutherAI}`;
}

/** The convention in one sentence, for CLI help and docs. */
export const LAYER_CONVENTION =
  'Layer L = residual stream after decoder block L (0 = scaled embeddings) = TransformerLens ' +
  'blocks.{L-1}.hook_resid_post = HF hidden_states[L] for L < N; "final" = the final-norm state = HF hidden_states[N] ' +
  '(EleutherAI attention-probes index layers like HF hidden_states).';
