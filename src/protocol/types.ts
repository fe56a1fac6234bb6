/**
 * Data shapes shared by the engine (src/core), the worker, the host, the CLI and the webviews.
 * Declared once here; core functions take and return exactly these, so the worker is a thin adapter.
 */

export type ExecutionProviderSetting = 'auto' | 'cpu' | 'webgpu' | 'cuda';
/** A Hugging Face hidden_states index (0 = scaled embeddings, i = after decoder layer i) or the final-norm state. */
export type LayerSpec = number | 'final';
export type ProbeKind = 'attention' | 'mean' | 'last';
export type OptimizerName = 'adamw' | 'lbfgs';

/** One token with UTF-16 [start, end) offsets into the original text (what VS Code positions use). */
export interface TokenSpan {
  id: number;
  text: string;
  start: number;
  end: number;
  /** Chat-formatted input only: the message whose content [start, end) indexes; absent for template text. */
  message?: number;
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
  /**
   * Format the text with the model's chat template: "messages" (the text field holds [{role, content}]), or roles
   * such as "user" / "user,model" (one text field per role, textField "prompt,response"). Saved in probe.json.
   */
  chat?: string;
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
}

/** probe.json beside probe.safetensors. */
export interface ProbeManifest {
  format: 'probescope-probe/1';
  name: string;
  model: { id: string; hash: string; dir?: string; hiddenSize: number; numLayers: number };
  layer: LayerSpec;
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
  /**
   * The Hugging Face hub cache folder (models--owner--name/… inside); default HF_HUB_CACHE, else HF_HOME/hub, else
   * ~/.cache/huggingface/hub, shared with Python's huggingface_hub.
   */
  cacheDir?: string;
  /** Defaults to HF_ENDPOINT, else https://huggingface.co; tests point it at a local server. */
  endpoint?: string;
  /** Default HF_TOKEN, else the token file `huggingface-cli login` writes; '' = no token. */
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

// ---------------------------------------------------------------------------------------------------------------
// Hugging Face Hub: model variants and datasets (src/core/hub, src/core/model/modelVariants.ts)

export interface ListModelVariantsParams {
  repoId: string;
  revision?: string;
  /** Hub cache folder; default HF_HUB_CACHE / HF_HOME/hub / ~/.cache/huggingface/hub. */
  cacheDir?: string;
  endpoint?: string;
  token?: string;
  /** Memory to fit into (bytes); default the machine's total memory. */
  memoryBytes?: number;
}

export interface ModelVariant {
  /** Path in the repo, e.g. "onnx/model_q4.onnx" (DownloadModelParams.onnxFile). */
  onnxFile: string;
  /** fp32, fp16, q4, q4f16, int8, uint8, quantized, bnb4 … */
  name: string;
  /** Download size: the .onnx plus its external data files. */
  bytes: number;
  files: string[];
  /** Every file is already in the Hugging Face cache. */
  cached: boolean;
  /** bytes × 1.5 fits the memory budget. */
  fits: boolean;
}

export interface ModelVariantList {
  repoId: string;
  commit: string;
  memoryBytes: number;
  /** Highest precision first. */
  variants: ModelVariant[];
  /** onnxFile of the default choice: the highest-precision variant that fits, else the smallest. */
  recommended: string;
}

export interface OpenHubDatasetParams {
  /** owner/name of a dataset repo. */
  repoId: string;
  config?: string;
  split?: string;
  cacheDir?: string;
  endpoint?: string;
  token?: string;
  progressId?: string;
}

export interface HubDatasetInfo {
  repoId: string;
  commit: string;
  config: string;
  split: string;
  /** Local Parquet files of the split (Hugging Face cache). */
  files: string[];
  configs: { name: string; splits: { name: string; files: string[]; bytes: number; partial: boolean }[] }[];
  /** From the dataset card (README.md `license:`). */
  license?: string;
}
