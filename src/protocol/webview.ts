/**
 * Typed messages between the extension host and the three webview panels (dataset, training, attention), plus the
 * state each panel keeps with `vscode.setState` (what `registerWebviewPanelSerializer` hands back after a reload).
 *
 * A webview is less trusted than the host: the host runs every incoming message through the matching
 * `parse…WebviewMessage`, which checks each field and returns a fresh object holding only the known fields (or
 * undefined). Host→webview messages are checked shallowly by the webviews (`parse…HostMessage`): the host is trusted.
 */
import type {
  ClassifyResult,
  DatasetRowsResult,
  DatasetSummary,
  LayerSpec,
  LayerSweepPoint,
  OptimizerName,
  ProbeKind,
  ProgressEvent,
  TrainingStepEvent,
  TrainResult,
} from './types';

// ---------------------------------------------------------------------------------------------------------------
// Limits the validators enforce (a webview cannot make the host page a million rows or write a 1 GB file).
export const MAX_ROWS_PAGE = 1000;
export const MAX_SEARCH_LENGTH = 1000;
export const MAX_EXPORT_HTML_CHARS = 20_000_000;
export const MAX_EXPORT_PNG_CHARS = 40_000_000;
export const PNG_DATA_URL_PREFIX = 'data:image/png;base64,';

export interface SplitSettings {
  /** Fraction of rows held out for testing, 0 < testSplit < 1. */
  testSplit: number;
  /** Non-negative integer seed of the stratified split. */
  seed: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Dataset panel
export type DatasetToWebview =
  /** A new or re-inspected dataset; `split` is the current split setting. */
  | { type: 'summary'; summary: DatasetSummary; split: SplitSettings }
  /** Answer to `requestRows` with the same requestId (stale answers are dropped by the webview). */
  | { type: 'rows'; requestId: number; offset: number; search: string; result: DatasetRowsResult }
  | { type: 'error'; message: string }
  | { type: 'busy'; busy: boolean; message?: string }
  /** The panel shows a Hugging Face dataset: its id, licence and config/split pickers (null: a local file). */
  | { type: 'hub'; hub: DatasetHubView | null };

/** A Hub dataset as the dataset panel shows it (see HubDatasetInfo). */
export interface DatasetHubView {
  repoId: string;
  config: string;
  split: string;
  configs: { name: string; splits: string[] }[];
  /** From the dataset card; absent when the card names none. */
  license?: string;
}

export type DatasetToHost =
  | { type: 'ready' }
  /** Rows [offset, offset+limit) of the rows matching `search` ('' = all rows). */
  | { type: 'requestRows'; requestId: number; offset: number; limit: number; search: string }
  | { type: 'setColumns'; textField: string; labelField: string }
  | { type: 'setSplit'; testSplit: number; seed: number }
  /** Start training on this dataset with the current columns and split. */
  | { type: 'train' }
  /** Open the dataset file in an editor. */
  | { type: 'openFile' }
  /** Switch a Hub dataset to another config/split (downloaded on demand). */
  | { type: 'setHubSplit'; config: string; split: string };

export interface DatasetPanelState {
  /** Which dataset the panel showed; the host re-inspects it on restore. */
  path: string;
  textField: string;
  labelField: string;
  split: SplitSettings;
  search: string;
  /** Index (in the filtered list) of the first visible row. */
  scrollRow: number;
  /** Last summary, so the panel draws at once after a reload. */
  summary?: DatasetSummary;
  /** When the dataset came from the Hub. */
  hub?: DatasetHubView;
}

// ---------------------------------------------------------------------------------------------------------------
// Training panel
export type TrainingPanelConfig =
  | {
      mode: 'train';
      modelId: string;
      dataPath: string;
      /** Dataset columns the run used (absent: the reader's defaults); Retry after a reload re-runs with them. */
      textField?: string;
      labelField?: string;
      layer: LayerSpec;
      probe: ProbeKind;
      heads: number;
      optimizer?: OptimizerName;
      steps?: number;
      lr?: number;
      testSplit?: number;
      seed?: number;
      /** A given split (a split column, or a test file) instead of the random one; Retry re-runs with it. */
      splitField?: string;
      testDataPath?: string;
    }
  | {
      mode: 'sweep';
      modelId: string;
      dataPath: string;
      textField?: string;
      labelField?: string;
      layers: LayerSpec[];
      kinds: { probe: ProbeKind; heads?: number }[];
      testSplit?: number;
      seed?: number;
      splitField?: string;
      testDataPath?: string;
    };

/**
 * Host → training panel. Every message carries the id of the run it belongs to (`runId`, the run's progressId): a
 * panel follows the run of the last `start` and drops messages of any other run (a stopped run winding down while
 * the next one trains). Messages without a runId (older hosts) are taken as the current run's.
 */
export type TrainingToWebview = TrainingRunMessage & { runId?: string };

export type TrainingRunMessage =
  /** A run begins: clears curves, progress, metrics (the previous run moves to the panel's run history). */
  | { type: 'start'; config: TrainingPanelConfig }
  /** Extraction (or other phase) progress. */
  | { type: 'progress'; event: ProgressEvent }
  /** A batch of curve points in step order (the host batches to ~10 messages/s). */
  | { type: 'steps'; points: TrainingStepEvent[] }
  | { type: 'finished'; result: TrainResult }
  | { type: 'failed'; message: string; code?: string }
  /** Stopped by the user; `result` is the best probe kept, if one was saved. */
  | { type: 'stopped'; result?: TrainResult }
  | { type: 'sweepPoint'; point: LayerSweepPoint }
  | { type: 'sweepFinished'; points: LayerSweepPoint[] }
  /**
   * A run that no longer owns the panel (replaced by a newer one) saved its best probe: the panel fills in that
   * run's history row (matched by runId) — the one message of another run a panel takes.
   */
  | { type: 'runResult'; result: TrainResult };

export type TrainingToHost =
  | { type: 'ready' }
  | { type: 'stop' }
  | { type: 'retry' }
  /** Reveal the saved probe folder (TrainResult.outDir) in the Probes view / file explorer. */
  | { type: 'revealProbe'; dir: string };

export type TrainingStatus = 'idle' | 'running' | 'finished' | 'failed' | 'stopped';

/** A finished, stopped or failed run kept in the training panel's history, to compare with the current one. */
export interface TrainingRunSummary {
  runId?: string;
  status: TrainingStatus;
  config: TrainingPanelConfig;
  result?: TrainResult;
  error?: string;
  /** Last step reached. */
  steps: number;
  sweepPoints: LayerSweepPoint[];
}

/** How many earlier runs the training panel keeps. */
export const MAX_RUN_HISTORY = 5;

export interface TrainingPanelState {
  status: TrainingStatus;
  /** The run the panel follows (TrainingToWebview.runId of its last `start`). */
  runId?: string;
  config?: TrainingPanelConfig;
  /** Curve points (the webview thins them to at most a few thousand before saving). */
  steps: TrainingStepEvent[];
  progress?: ProgressEvent;
  result?: TrainResult;
  error?: string;
  sweepPoints: LayerSweepPoint[];
  /** Earlier runs, newest first (at most MAX_RUN_HISTORY). */
  history?: TrainingRunSummary[];
}

// ---------------------------------------------------------------------------------------------------------------
// Attention panel
/** Which attention to colour by: summed over heads, max over heads, or head index (0-based). */
export type HeadSelection = 'sum' | 'max' | number;

export interface AttentionShowPayload {
  text: string;
  result: ClassifyResult;
  classes: string[];
  probeName: string;
}

export type AttentionToWebview =
  | ({ type: 'show'; head?: HeadSelection } & AttentionShowPayload)
  /** The host's "Choose Attention Heads" command changed the selection. */
  | { type: 'setHead'; head: HeadSelection };

export type AttentionToHost =
  | { type: 'ready' }
  | { type: 'selectHead'; head: HeadSelection }
  /** Self-contained inline-styled HTML (also copied to the clipboard by the webview). */
  | { type: 'exportHtml'; html: string }
  /** `data:image/png;base64,…` of the heads × tokens figure, for the host to save. */
  | { type: 'exportPng'; dataUrl: string }
  /** The heads × tokens figure as a standalone SVG document (token and head labels, colour scale), to save. */
  | { type: 'exportSvg'; svg: string }
  /** The webview copied something to the clipboard (host may show a notification). */
  | { type: 'copied'; format: 'html' };

export interface AttentionPanelState {
  show?: AttentionShowPayload;
  head: HeadSelection;
}

// ---------------------------------------------------------------------------------------------------------------
// Field checks
type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const isStr = (x: unknown, max = 100_000): x is string => typeof x === 'string' && x.length <= max;
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isInt = (x: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): x is number =>
  Number.isSafeInteger(x) && (x as number) >= min && (x as number) <= max;
const isBool = (x: unknown): x is boolean => typeof x === 'boolean';
const isLayer = (x: unknown): x is LayerSpec => x === 'final' || isInt(x, 0, 10_000);
const isProbeKind = (x: unknown): x is ProbeKind => x === 'attention' || x === 'mean' || x === 'last';
const isSplit = (x: unknown): x is SplitSettings =>
  isObj(x) && isNum(x.testSplit) && x.testSplit > 0 && x.testSplit < 1 && isInt(x.seed, 0, 0xffffffff);

export function isHeadSelection(x: unknown): x is HeadSelection {
  return x === 'sum' || x === 'max' || isInt(x, 0, 1024);
}

// ---------------------------------------------------------------------------------------------------------------
// Webview → host (full validation; returns a fresh object with only the known fields)
export function parseDatasetWebviewMessage(x: unknown): DatasetToHost | undefined {
  if (!isObj(x)) return undefined;
  switch (x.type) {
    case 'ready':
    case 'train':
    case 'openFile':
      return { type: x.type };
    case 'requestRows':
      if (!isInt(x.requestId) || !isInt(x.offset) || !isInt(x.limit, 1, MAX_ROWS_PAGE)) return undefined;
      if (!isStr(x.search, MAX_SEARCH_LENGTH)) return undefined;
      return { type: 'requestRows', requestId: x.requestId, offset: x.offset, limit: x.limit, search: x.search };
    case 'setColumns':
      if (!isStr(x.textField, 1000) || !isStr(x.labelField, 1000) || !x.textField || !x.labelField) return undefined;
      return { type: 'setColumns', textField: x.textField, labelField: x.labelField };
    case 'setSplit':
      if (!isSplit(x)) return undefined;
      return { type: 'setSplit', testSplit: x.testSplit, seed: x.seed };
    case 'setHubSplit':
      if (!isStr(x.config, 1000) || !isStr(x.split, 1000) || !x.config || !x.split) return undefined;
      return { type: 'setHubSplit', config: x.config, split: x.split };
    default:
      return undefined;
  }
}

/** A DatasetHubView with only the known, well-typed fields; undefined when it is not one. */
export function parseDatasetHubView(x: unknown): DatasetHubView | undefined {
  if (!isObj(x) || !isStr(x.repoId, 300) || !isStr(x.config, 1000) || !isStr(x.split, 1000)) return undefined;
  if (!Array.isArray(x.configs)) return undefined;
  const configs: DatasetHubView['configs'] = [];
  for (const c of x.configs) {
    if (!isObj(c) || !isStr(c.name, 1000) || !Array.isArray(c.splits) || !c.splits.every((s) => isStr(s, 1000)))
      return undefined;
    configs.push({ name: c.name, splits: c.splits as string[] });
  }
  const view: DatasetHubView = { repoId: x.repoId, config: x.config, split: x.split, configs };
  if (isStr(x.license, 1000) && x.license) view.license = x.license;
  return view;
}

export function parseTrainingWebviewMessage(x: unknown): TrainingToHost | undefined {
  if (!isObj(x)) return undefined;
  switch (x.type) {
    case 'ready':
    case 'stop':
    case 'retry':
      return { type: x.type };
    case 'revealProbe':
      return isStr(x.dir, 4096) && x.dir ? { type: 'revealProbe', dir: x.dir } : undefined;
    default:
      return undefined;
  }
}

export function parseAttentionWebviewMessage(x: unknown): AttentionToHost | undefined {
  if (!isObj(x)) return undefined;
  switch (x.type) {
    case 'ready':
      return { type: 'ready' };
    case 'selectHead':
      return isHeadSelection(x.head) ? { type: 'selectHead', head: x.head } : undefined;
    case 'exportHtml':
      return isStr(x.html, MAX_EXPORT_HTML_CHARS) ? { type: 'exportHtml', html: x.html } : undefined;
    case 'exportPng':
      if (!isStr(x.dataUrl, MAX_EXPORT_PNG_CHARS) || !x.dataUrl.startsWith(PNG_DATA_URL_PREFIX)) return undefined;
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(x.dataUrl.slice(PNG_DATA_URL_PREFIX.length))) return undefined;
      return { type: 'exportPng', dataUrl: x.dataUrl };
    case 'exportSvg':
      return isStr(x.svg, MAX_EXPORT_HTML_CHARS) && x.svg.startsWith('<svg ')
        ? { type: 'exportSvg', svg: x.svg }
        : undefined;
    case 'copied':
      return x.format === 'html' ? { type: 'copied', format: 'html' } : undefined;
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Saved state (written by the webview, read back by the host's serializer: validated like a message)
export function parseDatasetPanelState(x: unknown): DatasetPanelState | undefined {
  if (!isObj(x) || !isStr(x.path, 4096) || !x.path || !isStr(x.textField, 1000) || !isStr(x.labelField, 1000)) {
    return undefined;
  }
  if (!isSplit(x.split) || !isStr(x.search, MAX_SEARCH_LENGTH) || !isInt(x.scrollRow)) return undefined;
  const state: DatasetPanelState = {
    path: x.path,
    textField: x.textField,
    labelField: x.labelField,
    split: { testSplit: x.split.testSplit, seed: x.split.seed },
    search: x.search,
    scrollRow: x.scrollRow,
  };
  // The summary is only redrawn by the webview until the host sends a fresh one; keep it if it looks like one.
  if (isObj(x.summary) && isStr(x.summary.path, 4096) && isInt(x.summary.rows)) {
    state.summary = x.summary as unknown as DatasetSummary;
  }
  const hub = parseDatasetHubView(x.hub);
  if (hub) state.hub = hub;
  return state;
}

const TRAINING_STATUSES: readonly TrainingStatus[] = ['idle', 'running', 'finished', 'failed', 'stopped'];

export function parseTrainingPanelState(x: unknown): TrainingPanelState | undefined {
  if (!isObj(x) || !TRAINING_STATUSES.includes(x.status as TrainingStatus)) return undefined;
  if (!Array.isArray(x.steps) || !Array.isArray(x.sweepPoints)) return undefined;
  const steps = x.steps.filter((p): p is TrainingStepEvent => isObj(p) && isInt(p.step) && isNum(p.trainLoss));
  const sweepPoints = x.sweepPoints.filter(
    (p): p is LayerSweepPoint => isObj(p) && isLayer(p.layer) && isProbeKind(p.probe) && isNum(p.accuracy),
  );
  const state: TrainingPanelState = { status: x.status as TrainingStatus, steps, sweepPoints };
  // The host re-runs a restored config on Retry, so it is checked field by field like a message.
  if (isTrainingConfig(x.config)) state.config = x.config;
  if (isObj(x.progress) && isStr(x.progress.phase) && isNum(x.progress.done) && isNum(x.progress.total)) {
    state.progress = x.progress as unknown as ProgressEvent;
  }
  if (isObj(x.result) && isStr(x.result.outDir, 4096) && isObj(x.result.test)) {
    state.result = x.result as unknown as TrainResult;
  }
  if (isStr(x.error)) state.error = x.error;
  if (isStr(x.runId, 200)) state.runId = x.runId;
  if (Array.isArray(x.history)) {
    state.history = x.history
      .filter(
        (r): r is TrainingRunSummary =>
          isObj(r) &&
          TRAINING_STATUSES.includes(r.status as TrainingStatus) &&
          isTrainingConfig(r.config) &&
          isInt(r.steps) &&
          Array.isArray(r.sweepPoints) &&
          (r.result === undefined || (isObj(r.result) && isStr(r.result.outDir, 4096) && isObj(r.result.test))),
      )
      .slice(0, MAX_RUN_HISTORY);
  }
  return state;
}

function isTrainingConfig(x: unknown): x is TrainingPanelConfig {
  if (!isObj(x) || !isStr(x.dataPath, 4096) || !isStr(x.modelId, 4096)) return false;
  if (x.textField !== undefined && !isStr(x.textField, 1000)) return false;
  if (x.labelField !== undefined && !isStr(x.labelField, 1000)) return false;
  if (x.splitField !== undefined && !isStr(x.splitField, 1000)) return false;
  if (x.testDataPath !== undefined && !isStr(x.testDataPath, 4096)) return false;
  const optNum = (v: unknown) => v === undefined || isNum(v);
  if (!optNum(x.testSplit) || !(x.seed === undefined || isInt(x.seed, 0, 0xffffffff))) return false;
  if (x.mode === 'train') {
    return (
      isLayer(x.layer) &&
      isProbeKind(x.probe) &&
      isInt(x.heads, 1, 1024) &&
      (x.optimizer === undefined || x.optimizer === 'adamw' || x.optimizer === 'lbfgs') &&
      optNum(x.steps) &&
      optNum(x.lr)
    );
  }
  return (
    x.mode === 'sweep' &&
    Array.isArray(x.layers) &&
    x.layers.length > 0 &&
    x.layers.every(isLayer) &&
    Array.isArray(x.kinds) &&
    x.kinds.length > 0 &&
    x.kinds.every((k) => isObj(k) && isProbeKind(k.probe) && (k.heads === undefined || isInt(k.heads, 1, 1024)))
  );
}

export function parseAttentionPanelState(x: unknown): AttentionPanelState | undefined {
  if (!isObj(x) || !isHeadSelection(x.head)) return undefined;
  const state: AttentionPanelState = { head: x.head };
  const s = x.show;
  if (isObj(s) && isStr(s.text, 10_000_000) && isStr(s.probeName) && isClassifyResult(s.result)) {
    if (Array.isArray(s.classes) && s.classes.every((c) => isStr(c))) {
      state.show = { text: s.text, result: s.result, classes: s.classes as string[], probeName: s.probeName };
    }
  }
  return state;
}

function isClassifyResult(x: unknown): x is ClassifyResult {
  if (!isObj(x) || !isStr(x.label) || !isObj(x.probabilities) || !isInt(x.heads, 0, 1024)) return false;
  if (!isProbeKind(x.probe) || !isLayer(x.layer) || !Array.isArray(x.tokens)) return false;
  return x.tokens.every(
    (t) =>
      isObj(t) &&
      isInt(t.id) &&
      isStr(t.text) &&
      isInt(t.start) &&
      isInt(t.end) &&
      Array.isArray(t.attention) &&
      t.attention.every(isNum),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Host → webview (the host is trusted: check the discriminant and the fields the panel indexes into)
export function parseDatasetHostMessage(x: unknown): DatasetToWebview | undefined {
  if (!isObj(x)) return undefined;
  switch (x.type) {
    case 'summary':
      return isObj(x.summary) && isSplit(x.split) ? (x as unknown as DatasetToWebview) : undefined;
    case 'rows':
      return isInt(x.requestId) &&
        isInt(x.offset) &&
        isStr(x.search) &&
        isObj(x.result) &&
        Array.isArray(x.result.rows) &&
        isInt(x.result.total)
        ? (x as unknown as DatasetToWebview)
        : undefined;
    case 'error':
      return isStr(x.message) ? (x as unknown as DatasetToWebview) : undefined;
    case 'busy':
      return isBool(x.busy) ? (x as unknown as DatasetToWebview) : undefined;
    case 'hub':
      if (x.hub === null) return { type: 'hub', hub: null };
      return parseDatasetHubView(x.hub) ? (x as unknown as DatasetToWebview) : undefined;
    default:
      return undefined;
  }
}

export function parseTrainingHostMessage(x: unknown): TrainingToWebview | undefined {
  if (!isObj(x)) return undefined;
  if (x.runId !== undefined && !isStr(x.runId, 200)) return undefined;
  const ok =
    (x.type === 'start' && isObj(x.config)) ||
    (x.type === 'progress' && isObj(x.event)) ||
    (x.type === 'steps' && Array.isArray(x.points)) ||
    (x.type === 'finished' && isObj(x.result)) ||
    (x.type === 'failed' && isStr(x.message)) ||
    (x.type === 'stopped' && (x.result === undefined || isObj(x.result))) ||
    (x.type === 'sweepPoint' && isObj(x.point)) ||
    (x.type === 'sweepFinished' && Array.isArray(x.points)) ||
    (x.type === 'runResult' && isObj(x.result) && isStr(x.runId, 200));
  return ok ? (x as unknown as TrainingToWebview) : undefined;
}

export function parseAttentionHostMessage(x: unknown): AttentionToWebview | undefined {
  if (!isObj(x)) return undefined;
  if (x.type === 'setHead') return isHeadSelection(x.head) ? { type: 'setHead', head: x.head } : undefined;
  if (x.type !== 'show' || !isStr(x.text, 10_000_000) || !isClassifyResult(x.result)) return undefined;
  if (x.head !== undefined && !isHeadSelection(x.head)) return undefined;
  return Array.isArray(x.classes) && isStr(x.probeName) ? (x as unknown as AttentionToWebview) : undefined;
}
