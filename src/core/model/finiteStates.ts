/**
 * Every extracted state must be a finite number: a float16 export whose residual stream overflows (Gemma's outlier
 * dimensions reach the thousands; float16 ends at 65,504) yields ±Inf/NaN, and a probe trained on those is garbage.
 */
import type { LayerSpec } from '../../protocol/types';
import { ProbescopeError } from '../errors';

/**
 * Throws MODEL_INVALID naming the layer, the token and the value when `states` ([tokens·D]) holds NaN or ±Infinity.
 * `example` is the index of the text in the call (for the message).
 */
export function assertFiniteStates(states: Float32Array, layer: LayerSpec, D: number, example: number): void {
  for (let k = 0; k < states.length; k++) {
    const v = states[k];
    if (v - v !== 0) {
      // NaN - NaN and Inf - Inf are NaN: one comparison per value finds both.
      const token = Math.floor(k / D);
      throw new ProbescopeError(
        'MODEL_INVALID',
        `Layer ${layer} produced ${v} (token ${token} of text ${example + 1}, dimension ${k % D}): the model's ` +
          'numbers overflowed (a float16 export?). Use the float32 export (onnx/model.onnx), or a layer before the overflow.',
      );
    }
  }
}
