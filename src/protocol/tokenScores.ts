/**
 * Per-token probe scores over a whole document (docs/CONTRACTS.md "Token scores"): the shapes the engine returns to
 * the CLI (`probescope score`), the worker's `scoreText` request and the editor. Offsets are UTF-16 code units.
 */
import type { FprThresholdInfo } from './fprThreshold';
import type { ExecutionProviderSetting, LayerSpec, ProbeKind } from './types';

/** Which linear readout is scored: one class's logit, or that class against the mean of the others. */
export interface ScoreTargetSpec {
  /** A class name from probe.json. Default: the positive class (binary) or the predicted class (multiclass). */
  className?: string;
  /** Score `z_c − mean_{k≠c} z_k` instead of `z_c` (multiclass only; binary is already one-vs-other). */
  versusRest?: boolean;
}

export interface ScoreTextParams extends ScoreTargetSpec {
  probeDir: string;
  text: string;
  /** Defaults to the model folder recorded in probe.json. */
  modelDir?: string;
  executionProvider?: ExecutionProviderSetting;
  /** Tokens per model run (default: the probe's training maxLength). */
  windowTokens?: number;
  /** New tokens per window after the first (default: three quarters of the window). */
  strideTokens?: number;
  progressId?: string;
  /**
   * Names the document (e.g. its URI): the engine keeps this text's per-window readouts and, scoring the same key
   * again, reuses the windows an edit cannot have changed (all before the first changed token).
   */
  reuseKey?: string;
}

export interface ScoredToken {
  /** Token id (the model's vocabulary). */
  id: number;
  text: string;
  /** UTF-16 offsets into the text. */
  start: number;
  end: number;
  /** Mean/last probes: V·x_t + b of the target; attention probes: u_t = Σ_h (V_h x_t + b_h). */
  score: number;
  /** Attention probes: Σ_h p_{t,h} (V_h x_t + b_h); the sum over tokens is the document's target logit. */
  contribution?: number;
  /** Attention probes: p_{t,h} per head (softmax over the whole document). */
  attention?: number[];
  /** Index into `windows` of the model run this token's state came from. */
  window: number;
}

export interface ScoredWindow {
  /** UTF-16 range of the window's document tokens (its context included). */
  start: number;
  end: number;
  /** The probe's target logit on this window's states alone (as classify on the window would give). */
  logit: number;
  /** Document token range of the window [tokenStart, tokenEnd) and the first token scored from it. */
  tokenStart: number;
  tokenEnd: number;
  keepFrom: number;
}

export interface TokenScoresResult {
  probe: ProbeKind;
  layer: LayerSpec;
  heads: number;
  classes: string[];
  /** The scored class, and 'rest' when scored against the others. */
  class: string;
  versus?: 'rest';
  /** The predicted label and the document's target logit (= Σ contributions, = mean score for mean probes). */
  label: string;
  logit: number;
  /** Decision threshold on the score scale (0: probability ½ for binary probes, a tie for class-vs-rest). */
  threshold: number;
  /**
   * The threshold giving ≤ 1 % FPR on the probe's test split for this class target, on the same (logit) scale as
   * `threshold`, or why it is unavailable (protocol/fprThreshold.ts). Per-token `score` values are on this scale
   * (mean/last probes: V·x_t + b; attention probes: the value score u_t); `contribution`s are not.
   */
  fprThreshold: FprThresholdInfo;
  tokens: ScoredToken[];
  windows: ScoredWindow[];
  coverage: { start: 0; end: number };
  windowTokens: number;
  strideTokens: number;
  /** Windows taken from the previous run of the same `reuseKey` instead of run through the model. */
  reusedWindows?: number;
}
