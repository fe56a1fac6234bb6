/**
 * Data shapes shared by the engine (src/core), the worker, the host, the CLI and the webviews.
 * Declared once here; core functions take and return exactly these, so the worker is a thin adapter.
 */
import type { FprThreshold } from './fprThreshold';

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
  phase: 'download' | 'tokenize' | 'extract' | 'train' | 'evaluate' | 'sweep' | 'test' | 'verify' | 'merge';
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

/**
 * How to read a text dataset (CSV/TSV/JSON Lines/JSON); every field optional, detected when absent
 * (docs/CONTRACTS.md, "Dataset rules").
 */
export interface DatasetReadParams {
  /** Text encoding (iconv-lite names: utf-8, utf-16le, cp1252, latin1, …); default: a BOM, else strict UTF-8. */
  encoding?: string;
  /** CSV/TSV field delimiter: one character or "tab"; default: an Excel `sep=` line, else detected. */
  delimiter?: string;
  /** CSV/TSV quote processing; default on, off for tab-separated files. */
  quote?: boolean;
}

export interface TrainProbeParams extends DatasetReadParams {
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
  /** A column whose values give each row's split: train / test / validation (case-insensitive). */
  splitField?: string;
  /** Train on dataPath, test on this file (same text and label fields). */
  testDataPath?: string;
  /** Train one probe per seed (init and mini-batches) on the same split; `seed` still seeds the split. */
  seeds?: number[];
  /** Training defaults: 'fast' (ours) or 'reference' (EleutherAI: AdamW lr 1e-4, 2000 steps). */
  preset?: 'fast' | 'reference';
  outDir: string;
  /** Replace a probe already saved in outDir (kept until the new one is complete). Other contents are never replaced. */
  force?: boolean;
  executionProvider?: ExecutionProviderSetting;
  cacheDir?: string;
  /**
   * Train from this existing activation cache (a folder with index.json, or a cache folder holding one cache of this
   * dataset) instead of extracting: no model folder is needed (modelDir '' = none); when modelDir is given its hash
   * must match the one recorded in the cache. The dataset's texts must be the cached ones (cache key).
   */
  cachePath?: string;
  /**
   * Bytes of examples training may hold in memory (default: half the free memory, at least 256 MiB). Beyond it the
   * examples are streamed from the cache on disk (core/probes/streamingTrainer.ts).
   */
  memoryBudget?: number;
  /**
   * dtype of the activation cache this run extracts (core/activations/cacheDtype.ts). Default: float16 for token caches
   * (attention probes; a shard with values beyond float16's range is stored as float32), float32 for pooled ones.
   * 'float16' given explicitly refuses values beyond float16's range; 'float32' keeps full precision everywhere.
   */
  cacheDtype?: 'float16' | 'float32';
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
  /** Binary: F1 of the positive (second) class; multiclass: macro F1. */
  f1?: number;
  /** Binary: ROC-AUC; multiclass: one-vs-rest macro ROC-AUC. */
  roc_auc?: number;
  entropy_ratio?: number;
  /** Per class: accuracy (= recall) on that class's rows; null when the split has no rows of the class. */
  per_class_accuracy?: Record<string, number | null>;
  /** confusion[i][j] = count of true class i predicted as j (classes in ProbeManifest order). */
  confusion?: number[][];
  /** Mean recall over the classes present (src/core/evaluation/classificationMetrics.ts has every definition). */
  balanced_accuracy?: number;
  /** Mean −log p(true class), probabilities clipped at 1e-15. */
  log_loss?: number;
  /** Binary: mean (p₁ − y)²; multiclass: mean Σ_k (p_k − [y=k])². */
  brier?: number;
  /** Binary: recall (TPR) at false-positive rates 1 % and 5 %: {"0.01": x, "0.05": y}. */
  recall_at_fpr?: Record<string, number>;
  /** 95 % stratified bootstrap percentile intervals (1,000 resamples, seeded): {metric: [lo, hi]}; recall at FPR as "recall_at_fpr_0.01". */
  ci95?: Record<string, [number, number]>;
  /** Binary: the ROC curve (at most 201 points, from (0,0) to (1,1)). */
  roc?: { fpr: number[]; tpr: number[] };
}

export interface TrainResult {
  probe: ProbeKind;
  heads: number;
  layer: LayerSpec;
  classes: string[];
  outDir: string;
  train: SplitMetrics;
  test: SplitMetrics;
  /** Metrics on the validation rows (before any refit); absent without validation rows. */
  validation?: SplitMetrics;
  steps: number;
  weightDecay: number;
  stoppedEarly: boolean;
  seconds: { extract: number; train: number };
  /** The dataset columns used (given or auto-detected). */
  textField?: string;
  labelField?: string;
  /** What the dataset rules noticed (skipped rows, duplicates, chosen columns, …), as the dataset panel shows them. */
  datasetWarnings?: DatasetWarning[];
  /** Which rows were train / validation / test, and how they were chosen (also in probe.json training.split). */
  split?: SplitRecord;
  /** 'fast' preset with carved validation: the final probe was refit on all train rows for the chosen step count. */
  refit?: { steps: number; rows: number };
  /** With several seeds: every seed's metrics, mean ± sd, and the seed whose probe was saved. */
  seeds?: SeedsSummary;
}

export interface SplitRecord {
  source: 'random' | 'field' | 'file';
  testSplit?: number;
  seed?: number;
  field?: string;
  testData?: string;
  validation: 'carved' | 'given' | 'none';
  validationFraction?: number;
  /** Why there is no validation set, when it was skipped. */
  validationNote?: string;
  counts: { train: number; validation: number; test: number };
  /** Given splits (field or file), when any: test / given-validation rows whose text is also a training row's text. */
  sharedTexts?: { test: number; validation: number };
}

export interface SeedRun {
  seed: number;
  steps: number;
  train: SplitMetrics;
  validation?: SplitMetrics;
  test: SplitMetrics;
}

export interface SeedsSummary {
  seeds: number[];
  /** The seed whose weights are in probe.safetensors. */
  selectedSeed: number;
  selectedBy: 'validation loss' | 'train loss';
  /** Mean and sample standard deviation over seeds of each test metric (flat names, as in ci95). */
  mean: Record<string, number>;
  sd: Record<string, number>;
  runs: SeedRun[];
}

export interface EvalParams extends DatasetReadParams {
  probeDir: string;
  dataPath: string;
  modelDir?: string;
  textField?: string;
  labelField?: string;
  executionProvider?: ExecutionProviderSetting;
  cacheDir?: string;
  /**
   * dtype of the activation cache eval extracts (TrainProbeParams.cacheDtype). Default: the probe's training dtype when
   * probe.json records float32 for an attention probe, else the kind's default (float16 token caches).
   */
  cacheDtype?: 'float16' | 'float32';
  /**
   * Bytes of examples eval may hold in memory (default: half the free memory, at least 256 MiB); beyond it they are
   * read from the activation cache in chunks (TrainProbeParams.memoryBudget).
   */
  memoryBudget?: number;
  progressId?: string;
}

/** What `eval` returns: the metrics, plus the dataset columns it read (as `train` reports them). */
export interface EvalResult extends SplitMetrics {
  /** The text and label columns used (given, recorded at training, or auto-detected). */
  textField: string;
  labelField: string;
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
  metrics: { train?: SplitMetrics; test?: SplitMetrics; validation?: SplitMetrics; seeds?: SeedsSummary };
  /** Monitoring thresholds: 1 % FPR on the test split per class target (protocol/fprThreshold.ts); absent in probes
   * saved before they were recorded. */
  fprThresholds?: FprThreshold[];
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
  kind:
    | 'one-class'
    | 'tiny-class'
    | 'duplicates'
    | 'empty-text'
    | 'long-text'
    | 'missing-label'
    | 'parse'
    /** Auto-detected columns when the choice was not obvious. */
    | 'columns'
    | 'duplicate-column'
    | 'list-label'
    /** A text label column holding one number or boolean in several spellings (separate classes). */
    | 'label-spellings'
    | 'multiline-record'
    /** Most rows have a label of their own: the label column holds ids or scores, not classes. */
    | 'id-label';
  message: string;
}

export interface InspectDatasetParams extends DatasetReadParams {
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
  /** A column that gives each row's split (named split/fold/subset/partition, values train/test/validation). */
  splitField?: string;
  /** Rows per split of that column. */
  splitCounts?: { train: number; test: number; validation: number };
}

export interface DatasetRowsParams extends DatasetReadParams {
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
  /** 95 % bootstrap interval of the test accuracy (the sweep plot's band). */
  accuracyCi95?: [number, number];
  /** Validation accuracy and loss (before any refit): Keep Best Probe ranks points by these. */
  valAccuracy?: number;
  valLoss?: number;
}

export interface CompareProbesParams extends Omit<EvalParams, 'probeDir'> {
  /** Two or more probe folders, evaluated on every row of dataPath. */
  probeDirs: string[];
}

export interface PairedDifference {
  /** Metric of A minus metric of B on all examples. */
  difference: number;
  ci95: [number, number];
  /** Two-sided paired-bootstrap p-value of "no difference". */
  p_value: number;
  /** The 95 % interval excludes 0. */
  significant: boolean;
}

export interface ComparisonRow {
  name: string;
  dir: string;
  kind: ProbeKind;
  layer: LayerSpec;
  heads: number;
  optimizer?: string;
  preset?: string;
  model: string;
  metrics: SplitMetrics;
}

export interface ComparisonPair {
  a: string;
  b: string;
  /** A − B per metric (accuracy, roc_auc). */
  differences: Record<string, PairedDifference>;
}

/** `probescope compare` / the Compare Probes view: one table and paired bootstrap tests. */
export interface ProbeComparison {
  data: string;
  n: number;
  classes: string[];
  rows: ComparisonRow[];
  pairs: ComparisonPair[];
}

/** An execution provider and whether it can run here (Show Worker Version, `probescope version`). */
export interface ExecutionProviderInfo {
  name: string;
  available: boolean;
  /** Why it cannot run here (absent when available). */
  reason?: string;
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
  /** Local Parquet files of the split (Hugging Face cache), in row order. */
  files: string[];
  /**
   * What to give the dataset readers (CLI --data, the dataset panel): the split's one file, or a folder holding only
   * its shards, which loadTable reads as one table with the rows of every shard in order.
   */
  dataPath: string;
  configs: {
    name: string;
    splits: { name: string; files: string[]; bytes: number; partial: boolean; folder?: string }[];
  }[];
  /** From the dataset card (README.md `license:`). */
  license?: string;
}
