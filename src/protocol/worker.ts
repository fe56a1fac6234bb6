/**
 * Host <-> worker protocol over vscode-jsonrpc. Both sides import these types; nothing else crosses the boundary.
 * Long requests carry a `progressId` and report through the `progress` / `trainingStep` notifications; cancellation
 * is jsonrpc's own `$/cancelRequest` (a CancellationToken on both sides).
 */
import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type {
  ClassifyParams,
  ClassifyResult,
  CompareProbesParams,
  DatasetRowsParams,
  DatasetRowsResult,
  DatasetSummary,
  DownloadModelParams,
  EvalParams,
  EvalResult,
  ExecutionProviderInfo,
  ExecutionProviderSetting,
  HubDatasetInfo,
  InspectDatasetParams,
  LayerSweepParams,
  LayerSweepPoint,
  ListModelVariantsParams,
  LogEvent,
  ModelSummary,
  ProbeComparison,
  ModelVariantList,
  OpenHubDatasetParams,
  ProbeSummary,
  ProgressEvent,
  TokenSpan,
  TrainingStepEvent,
  TrainProbeParams,
  TrainResult,
} from './types';
import type { ScoreTextParams, TokenScoresResult } from './tokenScores';

export * from './types';
export * from './tokenScores';

/** Error data attached to jsonrpc ResponseErrors so the host can show `code`-specific actions. */
export interface WorkerErrorData {
  code: string;
}

export interface VersionResult {
  version: string;
  node: string;
  onnxruntime: string;
  pid: number;
  backends: { name: string; bundled: boolean }[];
  /** What can run here and why the rest cannot (backends alone lists providers this build cannot load). */
  executionProviders?: ExecutionProviderInfo[];
}

export interface LongTaskParams {
  steps: number;
  stepMs: number;
  progressId: string;
}

export const Requests = {
  version: new RequestType<void, VersionResult, WorkerErrorData>('probescope/version'),
  ping: new RequestType<{ payload: string }, { payload: string; pid: number }, WorkerErrorData>('probescope/ping'),
  /** Diagnostic long-running request: reports progress each step and honours cancellation (tests, "Check worker"). */
  longTask: new RequestType<LongTaskParams, { completed: number }, WorkerErrorData>('probescope/longTask'),
  loadModel: new RequestType<
    { modelDir: string; executionProvider?: ExecutionProviderSetting },
    ModelSummary,
    WorkerErrorData
  >('probescope/loadModel'),
  downloadModel: new RequestType<DownloadModelParams, { modelDir: string }, WorkerErrorData>(
    'probescope/downloadModel',
  ),
  tokenize: new RequestType<{ modelDir: string; text: string }, { tokens: TokenSpan[] }, WorkerErrorData>(
    'probescope/tokenize',
  ),
  inspectDataset: new RequestType<InspectDatasetParams, DatasetSummary, WorkerErrorData>('probescope/inspectDataset'),
  datasetRows: new RequestType<DatasetRowsParams, DatasetRowsResult, WorkerErrorData>('probescope/datasetRows'),
  trainProbe: new RequestType<TrainProbeParams, TrainResult, WorkerErrorData>('probescope/trainProbe'),
  evalProbe: new RequestType<EvalParams, EvalResult, WorkerErrorData>('probescope/evalProbe'),
  classify: new RequestType<ClassifyParams, ClassifyResult, WorkerErrorData>('probescope/classify'),
  layerSweep: new RequestType<LayerSweepParams, { points: LayerSweepPoint[] }, WorkerErrorData>(
    'probescope/layerSweep',
  ),
  listProbes: new RequestType<{ dir: string }, ProbeSummary[], WorkerErrorData>('probescope/listProbes'),
  /** Several probes on one dataset: metrics with intervals and paired bootstrap tests (Compare Probes). */
  compareProbes: new RequestType<CompareProbesParams, ProbeComparison, WorkerErrorData>('probescope/compareProbes'),
  /** A Hub model's ONNX variants with sizes, cached flags and the default that fits the machine. */
  listModelVariants: new RequestType<ListModelVariantsParams, ModelVariantList, WorkerErrorData>(
    'probescope/listModelVariants',
  ),
  /** One config/split of a Hub dataset's Parquet conversion into the Hugging Face cache. */
  openHubDataset: new RequestType<OpenHubDatasetParams, HubDatasetInfo, WorkerErrorData>('probescope/openHubDataset'),
  /** Per-token probe scores over a whole text (docs/CONTRACTS.md "Token scores"); progress phase 'extract' (windows). */
  scoreText: new RequestType<ScoreTextParams, TokenScoresResult, WorkerErrorData>('probescope/scoreText'),
} as const;

export const Notifications = {
  progress: new NotificationType<ProgressEvent>('probescope/progress'),
  trainingStep: new NotificationType<TrainingStepEvent>('probescope/trainingStep'),
  log: new NotificationType<LogEvent>('probescope/log'),
} as const;
