/**
 * What kind of decoder graph an export is, as far as batching is concerned. Two layouts give silently wrong states
 * when texts of different lengths share a batch the usual way (left padding, attention_mask, position_ids):
 *
 * - `gqa`: onnxruntime-genai's layout (`*-ONNX-GQA` repos). com.microsoft GroupQueryAttention takes no mask; the graph
 *   turns attention_mask into seqlens_k = sum(mask) - 1 and total_sequence_length = its width, and the op assumes each
 *   row's real tokens come first (positions 0..seqlens_k, rotary inside). Left padding shifts every token of a short
 *   row (measured on the fixtures: states off by up to 14 on values of at most 11); right padding is exact.
 * - `dynamic-int8`: dynamic activation quantization (onnxruntime quantize_dynamic: DynamicQuantizeLinear before every
 *   MatMulInteger, onnx-community's model_quantized / model_int8 / model_uint8). The scale of each activation tensor
 *   is computed over the whole batch, padding included, so a text's states depend on its batch-mates whichever side is
 *   padded (fixtures: up to 1.2 on layer 4). Such graphs run one text at a time.
 *
 * Everything else (`standard`: optimum / torch.onnx / transformers.js exports, fp16, q4, q4f16) takes
 * attention_mask + position_ids and is exact with left padding.
 */
import type { ModelProto } from '../onnx/proto';
import type { PaddingSide } from './batching';

export type GraphKind = 'standard' | 'gqa' | 'dynamic-int8' | 'gqa+dynamic-int8';

export interface GraphTraits {
  kind: GraphKind;
  /** The padding side batched runs must use; undefined when either side is exact. */
  requiredPadding?: PaddingSide;
  /** Most texts per run: 1 when batching changes a text's states (dynamic activation quantization). */
  maxBatchSize: number;
}

/** Ops whose attention reads per-row lengths (seqlens_k) instead of a mask: they need right padding. */
const LENGTH_ATTENTION_OPS = new Set(['GroupQueryAttention']);
/** Ops that quantize activations with a scale computed from the tensor itself (so from the whole batch). */
const DYNAMIC_QUANT_OPS = new Set(['DynamicQuantizeLinear', 'DynamicQuantizeMatMul', 'DynamicQuantizeLSTM']);

/** Classifies a decoder graph by the ops it contains (see the file comment for why each kind matters). */
export function detectGraphKind(model: ModelProto): GraphKind {
  const ops = new Set<string>();
  for (const n of model.graph?.node ?? []) ops.add(n.opType);
  const gqa = [...LENGTH_ATTENTION_OPS].some((op) => ops.has(op));
  const dynamic = [...DYNAMIC_QUANT_OPS].some((op) => ops.has(op));
  return gqa && dynamic ? 'gqa+dynamic-int8' : gqa ? 'gqa' : dynamic ? 'dynamic-int8' : 'standard';
}

/** How batched runs of a graph kind must be built. */
export function graphTraits(kind: GraphKind): GraphTraits {
  const gqa = kind === 'gqa' || kind === 'gqa+dynamic-int8';
  const dynamic = kind === 'dynamic-int8' || kind === 'gqa+dynamic-int8';
  return {
    kind,
    ...(gqa ? { requiredPadding: 'right' as const } : {}),
    maxBatchSize: dynamic ? 1 : Number.POSITIVE_INFINITY,
  };
}

export function isGraphKind(value: unknown): value is GraphKind {
  return value === 'standard' || value === 'gqa' || value === 'dynamic-int8' || value === 'gqa+dynamic-int8';
}
