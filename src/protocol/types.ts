/**
 * Data shapes shared by the engine (src/core), the worker, the host, the CLI and the webviews.
 * Declared once here; core functions take and return exactly these, so the worker is a thin adapter.
 */

export type ExecutionProviderSetting = 'auto' | 'cpu' | 'webgpu' | 'cuda';
/**
 * A residual-stream layer: L = after decoder block L (0 = scaled embeddings) = TransformerLens
 * `blocks.{L-1}.hook_resid_post` = Hugging Face `hidden_states[L]` for L < N; 'final' = the final-norm state = Hugging
 * Face `hidden_states[N]` (core/model/layerSemantics.ts).
 */
export type LayerSpec = number | 'final';
export type ProbeKind = 'attention' | 'mean' | 'last';
export type OptimizerName = 'adamw' | 'lbfgs';

/** One token with UTF-16 [start, end) offsets into the original text (what VS Code positions use). */
export interface TokenSpan {
  id: number;
  text: string;
  start: number;
  end: number;
}

export interface ModelSummary {
  /** Human-readable id: a Hub repo id or the folder name. */
  id: string;
  dir: string;
  /** sha256 of model.onnx (hex, first 16 chars are enough to key caches). */
  hash: string;
  architecture: string;
  modelType: string;
  numLayers: number;
  hiddenSize: number;
  vocabSize: number;
  layerTypes: string[];
  /** The provider sessions actually use after `auto` resolution. */
  executionProvider: 'cpu' | 'webgpu' | 'cuda';
  /** One line saying why `auto` fell back to CPU, if it did. */
  notice?: string;
}

export interface ProgressEvent {
  /** Correlates with the `progressId` the caller put in the request. */
  progressId: string;
  phase: 'download' | 'tokenize' | 'extract' | 'train' | 'evaluate' | 'sweep' | 'test';
  done: number;
  total: number;
  message?: string;
  /** Items per second (examples/s for extraction, bytes/s for downloads). */
  rate?: number;
  etaSeconds?: number;
}

/** One point of the live training curves. Validation fields come at intervals. */
export interface TrainingStepEvent {
  progressId: string;
  step: number;
  trainLoss: number;
  valLoss?: number;
  valAccuracy?: number;
}

export interface LogEvent {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  message: string;
}

export interface TrainProbeParams {
  modelDir: string;
  dataPath: string;
  textField?: string;
  labelField?: string;
  layer: LayerSpec;
  probe: ProbeKind;
  /** Attention probes only; default 8. */
  heads?: number;
  /** Default adamw for attention, lbfgs for mean/last. */
  optimizer?: OptimizerName;
  lr?: number;
  steps?: number;
  /** A number, or 'cv' to choose from {0, 1e-3, 1e-2, 0.1} by 5-fold CV. */
  weightDecay?: number | 'cv';
  seed?: number;
  testSplit?: number;
  /** Training defaults: 'fast' (ours) or 'reference' (EleutherAI: AdamW lr 1e-4, 2000 steps). */
  preset?: 'fast' | 'reference';
  outDir: string;
  executionProvider?: ExecutionProviderSetting;
  cacheDir?: string;
  maxLength?: number;
  /** Extraction batch size, and the training mini-batch size (default 2048: full batch up to that). */
  batchSize?: number;
  progressId?: string;
}

export interface SplitMetrics {
  n: number;
  accuracy: number;
  loss?: number;
  f1?: number;
  roc_auc?: number;
  entropy_ratio?: number;
  per_class_accuracy?: Record<string, number>;
  /** confusion[i][j] = count of true class i predicted as j (classes in ProbeManifest order). */
  confusion?: number[][];
}

export interface TrainResult {
  probe: ProbeKind;
  heads: number;
  layer: LayerSpec;
  classes: string[];
  outDir: string;
  train: SplitMetrics;
  test: SplitMetrics;
  steps: number;
  weightDecay: number;
  stoppedEarly: boolean;
  seconds: { extract: number; train: number };
}

export interface EvalParams {
  probeDir: string;
  dataPath: string;
  modelDir?: string;
  textField?: string;
  labelField?: string;
  executionProvider?: ExecutionProviderSetting;
  cacheDir?: string;
  progressId?: string;
}

export interface ClassifyParams {
  probeDir: string;
  text: string;
  /** Defaults to the model folder recorded in probe.json. */
  modelDir?: string;
  executionProvider?: ExecutionProviderSetting;
}

export interface ClassifiedToken extends TokenSpan {
  /** Attention weight per head (softmax over tokens); empty for mean/last probes. */
  attention: number[];
}

export interface ClassifyResult {
  label: string;
  probabilities: Record<string, number>;
  tokens: ClassifiedToken[];
  heads: number;
  probe: ProbeKind;
  layer: LayerSpec;
  /**
   * What was scored (docs/CONTRACTS.md "Long texts"): the whole text, in `windows` model runs of `windowTokens` tokens
   * overlapping by `overlapTokens`. Painting and labels never go past `coveredChars` (UTF-16). Always set by the
   * engine; optional so results built elsewhere (webview fixtures) need not invent one.
   */
  coverage?: ClassifyCoverage;
}

export interface ClassifyCoverage {
  tokens: number;
  coveredChars: number;
  windows: number;
  windowTokens: number;
  overlapTokens: number;
}

/** probe.json beside probe.safetensors. */
export interface ProbeManifest {
  format: 'probescope-probe/1';
  name: string;
  model: { id: string; hash: string; dir?: string; hiddenSize: number; numLayers: number };
  layer: LayerSpec;
  /**
   * What `layer` is, in words and in other tools' names (core/model/layerSemantics.ts), e.g. "residual stream after
   * decoder block 3 of 26 · TransformerLens blocks.2.hook_resid_post · HF hidden_states[3] · EleutherAI layer 3".
   */
  layerMeaning?: string;
  probe: ProbeKind;
  heads: number;
  classes: string[];
  metrics: { train?: SplitMetrics; test?: SplitMetrics };
  training: Record<string, unknown>;
  createdAt: string;
}

export interface ProbeSummary {
  dir: string;
  manifest: ProbeManifest;
}

export interface DatasetColumnInfo {
  name: string;
  kind: 'string' | 'number' | 'boolean' | 'other';
}

export interface DatasetWarning {
  kind: 'one-class' | 'tiny-class' | 'duplicates' | 'empty-text' | 'long-text' | 'missing-label' | 'parse';
  message: string;
}

export interface InspectDatasetParams {
  path: string;
  textField?: string;
  labelField?: string;
  /** Tokenizer for the token-length histogram; without it lengths are in characters. */
  modelDir?: string;
  maxLength?: number;
}

export interface DatasetSummary {
  path: string;
  format: 'jsonl' | 'csv' | 'parquet';
  rows: number;
  columns: DatasetColumnInfo[];
  textField: string;
  labelField: string;
  classes: { label: string; count: number }[];
  lengthUnit: 'tokens' | 'characters';
  /** Histogram of text lengths: bin edges (length+1) and counts. */
  lengthHistogram: { edges: number[]; counts: number[] };
  warnings: DatasetWarning[];
}

export interface DatasetRowsParams {
  path: string;
  textField: string;
  labelField: string;
  offset: number;
  limit: number;
  search?: string;
}

export interface DatasetRow {
  index: number;
  text: string;
  label: string;
}

export interface DatasetRowsResult {
  rows: DatasetRow[];
  /** Rows matching the search (all rows without one). */
  total: number;
}

export interface DownloadModelParams {
  /** e.g. "onnx-community/gemma-3-270m-it-ONNX". */
  repoId: string;
  revision?: string;
  cacheDir: string;
  /** Defaults to https://huggingface.co; tests point it at a local server. */
  endpoint?: string;
  token?: string;
  /** Which ONNX file to fetch (e.g. "onnx/model.onnx"); default: the first of model.onnx, onnx/model.onnx. */
  onnxFile?: string;
  progressId?: string;
}

export interface LayerSweepParams extends Omit<TrainProbeParams, 'layer' | 'probe' | 'heads' | 'outDir'> {
  layers: LayerSpec[];
  kinds: { probe: ProbeKind; heads?: number }[];
  outDir: string;
}

export interface LayerSweepPoint {
  layer: LayerSpec;
  probe: ProbeKind;
  heads: number;
  accuracy: number;
  rocAuc?: number;
  /** Where this point's probe was saved (under the sweep's outDir). */
  outDir?: string;
}
