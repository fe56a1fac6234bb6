/**
 * Training panel: live loss/accuracy curves, extraction progress with Stop, final metrics, Retry, layer sweep, and a
 * history of earlier runs. The panel follows the run of the last `start` message and drops messages of other runs.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '../shared/base.css';
import './main.css';
import type {
  TrainingPanelConfig,
  TrainingPanelState,
  TrainingRunSummary,
  TrainingStatus,
  TrainingToHost,
} from '../../src/protocol/webview';
import { MAX_RUN_HISTORY, parseTrainingHostMessage, parseTrainingPanelState } from '../../src/protocol/webview';
import type { ProgressEvent, TrainingStepEvent, TrainResult } from '../../src/protocol/types';
import { probeKindLabel } from '../../src/protocol/probeLabel';
import { appRoot, h } from '../shared/dom';
import { fmtDuration, fmtInt, fmtLayer, fmtNum, fmtPct } from '../shared/format';
import { onThemeChange } from '../shared/theme';
import { onHostMessage, panelApi } from '../shared/vscodeApi';
import { LiveChart } from './chart';
import { historyView } from './history';
import { metricsView } from './metrics';
import { kindKey, SweepView } from './sweep';

const MAX_SAVED_STEPS = 3000;
const api = panelApi<TrainingToHost, TrainingPanelState>(parseTrainingPanelState);
let state: TrainingPanelState = api.getState() ?? { status: 'idle', steps: [], sweepPoints: [] };

// State is saved at most once a second while points stream in; a change of status (a run starts or ends) is saved at
// once, so a window reload right after it restores the run that was actually running.
let saveTimer: ReturnType<typeof setTimeout> | undefined;
function writeState(): void {
  const steps = state.steps;
  const stride = Math.ceil(steps.length / MAX_SAVED_STEPS);
  api.setState({
    ...state,
    steps: stride > 1 ? steps.filter((_, i) => i % stride === 0 || i === steps.length - 1) : steps,
  });
}
function saveState(now = false): void {
  if (now) {
    if (saveTimer !== undefined) clearTimeout(saveTimer);
    saveTimer = undefined;
    writeState();
    return;
  }
  saveTimer ??= setTimeout(() => {
    saveTimer = undefined;
    writeState();
  }, 1000);
}

// ---- layout -------------------------------------------------------------------------------------------------
const title = h('h1', {}, 'Training');
const subtitle = h('div', { class: 'muted', id: 'config' });
const statusText = h('span', { id: 'status', 'aria-live': 'polite' });
const stopButton = h('vscode-button', { id: 'stop', secondary: true }, 'Stop (keep best probe)');
const retryButton = h('vscode-button', { id: 'retry' }, 'Retry');
const revealButton = h('vscode-button', { id: 'reveal', secondary: true }, 'Reveal probe');
const errorBox = h('div', { class: 'error-banner hidden', role: 'alert', id: 'error' });
const progressBar = h('vscode-progress-bar', { 'aria-label': 'Progress' });
const progressText = h('div', { class: 'muted', id: 'progress-text' });
const progressBox = h(
  'section',
  { class: 'hidden', id: 'progress', 'aria-label': 'Progress' },
  progressBar,
  progressText,
);
const latest = h('div', { class: 'muted', id: 'latest', 'aria-live': 'off' });

const lossChart = new LiveChart({
  title: 'Loss',
  xLabel: 'step',
  yLabel: 'loss',
  series: [{ label: 'train loss' }, { label: 'validation loss', points: true }],
});
const accChart = new LiveChart({
  title: 'Validation accuracy',
  xLabel: 'step',
  yLabel: 'accuracy',
  yRange: [0, 1],
  series: [{ label: 'validation accuracy', points: true }],
  yValues: (v) => fmtPct(v, 0),
});
const curves = h('section', { id: 'curves', class: 'curves' }, lossChart.element, accChart.element);
const sweep = new SweepView();
const sweepBox = h('section', { id: 'sweep', class: 'hidden', 'aria-label': 'Layer sweep' }, sweep.element);
const metricsBox = h('section', { id: 'metrics', class: 'hidden', 'aria-labelledby': 'metrics-h' });
const historyBox = h('section', { id: 'history', 'aria-labelledby': 'history-h' });

appRoot().append(
  h('header', {}, title, subtitle),
  h('div', { class: 'row toolbar' }, statusText, stopButton, retryButton, revealButton),
  errorBox,
  progressBox,
  latest,
  curves,
  sweepBox,
  metricsBox,
  historyBox,
);

// ---- rendering ----------------------------------------------------------------------------------------------
const STATUS_TEXT: Record<TrainingStatus, string> = {
  idle: 'Waiting for a run…',
  running: 'Running',
  finished: 'Finished',
  failed: 'Failed',
  stopped: 'Stopped',
};

function showStatus(): void {
  const s = state.status;
  statusText.textContent = STATUS_TEXT[s];
  statusText.dataset.status = s;
  stopButton.classList.toggle('hidden', s !== 'running');
  retryButton.classList.toggle('hidden', s !== 'failed' && s !== 'stopped');
  revealButton.classList.toggle('hidden', !state.result);
  errorBox.classList.toggle('hidden', s !== 'failed' || !state.error);
  errorBox.textContent = state.error ?? '';
  progressBox.classList.toggle('hidden', s !== 'running' || !state.progress);
  const sweepMode = state.config?.mode === 'sweep';
  curves.classList.toggle('hidden', sweepMode);
  sweepBox.classList.toggle('hidden', !sweepMode);
  metricsBox.classList.toggle('hidden', !state.result || sweepMode);
}

function showConfig(c: TrainingPanelConfig | undefined): void {
  if (!c) return;
  title.textContent = c.mode === 'sweep' ? 'Layer sweep' : 'Training';
  const data = c.dataPath.split(/[\\/]/).pop();
  subtitle.textContent =
    c.mode === 'train'
      ? `${c.modelId} · ${fmtLayer(c.layer)} · ${probeKindLabel(c.probe, c.heads)}` +
        `${c.optimizer ? ` · ${c.optimizer}` : ''}${c.steps ? ` · ${c.steps} steps` : ''} · ${data}`
      : `${c.modelId} · layers ${c.layers.join(', ')} · ${c.kinds.map((k) => kindKey(k.probe, k.heads)).join(', ')} · ${data}`;
}

function showProgress(e: ProgressEvent): void {
  (progressBar as HTMLElement & { value?: number; max: number }).max = Math.max(1, e.total);
  (progressBar as HTMLElement & { value?: number }).value = e.done;
  const unit = e.phase === 'download' ? 'bytes' : 'examples';
  const rate = e.rate !== undefined ? ` · ${fmtNum(e.rate, 1)} ${unit}/s` : '';
  const eta = e.etaSeconds !== undefined ? ` · ETA ${fmtDuration(e.etaSeconds)}` : '';
  progressText.textContent = `${e.message ?? e.phase}: ${fmtInt(e.done)} / ${fmtInt(e.total)}${rate}${eta}`;
}

function addSteps(points: TrainingStepEvent[]): void {
  for (const p of points) {
    lossChart.push(p.step, [p.trainLoss, p.valLoss]);
    if (p.valAccuracy !== undefined) accChart.push(p.step, [p.valAccuracy]);
  }
  const last = points.at(-1);
  if (last) {
    const lastVal = [...state.steps, ...points].reverse().find((p) => p.valAccuracy !== undefined);
    latest.textContent =
      `step ${fmtInt(last.step)} · train loss ${fmtNum(last.trainLoss, 4)}` +
      (lastVal
        ? ` · validation loss ${fmtNum(lastVal.valLoss, 4)} · validation accuracy ${fmtPct(lastVal.valAccuracy)}`
        : '');
  }
}

function showResult(r: TrainResult | undefined): void {
  metricsBox.replaceChildren();
  if (r) metricsBox.append(h('h2', { id: 'metrics-h' }, 'Final metrics'), metricsView(r));
}

/** The current run as a history row (undefined before any run). */
function summary(): TrainingRunSummary | undefined {
  if (!state.config) return undefined;
  return {
    runId: state.runId,
    status: state.status,
    config: state.config,
    result: state.result,
    error: state.error,
    steps: state.steps.at(-1)?.step ?? 0,
    sweepPoints: state.sweepPoints,
  };
}

function showHistory(): void {
  const view = historyView(summary(), state.history ?? []);
  historyBox.replaceChildren(...(view ? [view] : []));
}

function resetRun(config: TrainingPanelConfig, runId: string | undefined): void {
  const previous = summary();
  // A run still running when the next one starts was stopped for it (the host keeps its best probe).
  if (previous?.status === 'running') previous.status = 'stopped';
  const history = previous ? [previous, ...(state.history ?? [])].slice(0, MAX_RUN_HISTORY) : state.history;
  state = { status: 'running', runId, config, steps: [], sweepPoints: [], history };
  lossChart.clear();
  accChart.clear();
  latest.textContent = '';
  sweep.reset(config.mode === 'sweep' ? config.kinds.map((k) => kindKey(k.probe, k.heads)) : []);
  showConfig(config);
  showResult(undefined);
}

// ---- input --------------------------------------------------------------------------------------------------
stopButton.addEventListener('click', () => {
  stopButton.setAttribute('disabled', '');
  statusText.textContent = 'Stopping…';
  api.post({ type: 'stop' });
});
retryButton.addEventListener('click', () => api.post({ type: 'retry' }));
revealButton.addEventListener(
  'click',
  () => state.result && api.post({ type: 'revealProbe', dir: state.result.outDir }),
);
onThemeChange(() => {
  lossChart.retheme();
  accChart.retheme();
  sweep.retheme();
});

onHostMessage(parseTrainingHostMessage, (m) => {
  if (m.type === 'runResult') {
    // An earlier run (replaced by this one) saved its best probe: fill in its history row.
    const row = state.history?.find((r) => r.runId !== undefined && r.runId === m.runId);
    if (row) {
      row.result = m.result;
      showHistory();
      saveState();
    }
    return;
  }
  // A message of another run (one that was stopped for this one and is still winding down) never reaches the view.
  if (m.type !== 'start' && m.runId !== undefined && state.runId !== undefined && m.runId !== state.runId) return;
  switch (m.type) {
    case 'start':
      resetRun(m.config, m.runId);
      stopButton.removeAttribute('disabled');
      break;
    case 'progress':
      state.progress = m.event;
      showProgress(m.event);
      break;
    case 'steps':
      addSteps(m.points);
      state.steps.push(...m.points);
      break;
    case 'finished':
    case 'stopped':
      state.status = m.type;
      state.result = m.result;
      showResult(m.result);
      break;
    case 'failed':
      state.status = 'failed';
      state.error = m.code ? `${m.message} (${m.code})` : m.message;
      break;
    case 'sweepPoint':
      sweep.add([m.point]);
      state.sweepPoints = sweep.points;
      break;
    case 'sweepFinished':
      sweep.add(m.points);
      state.sweepPoints = sweep.points;
      state.status = 'finished';
      break;
  }
  showStatus();
  if (m.type !== 'progress') showHistory();
  saveState(m.type !== 'progress' && m.type !== 'steps' && m.type !== 'sweepPoint');
});

// ---- restore ------------------------------------------------------------------------------------------------
showConfig(state.config);
if (state.config?.mode === 'sweep') sweep.reset(state.config.kinds.map((k) => kindKey(k.probe, k.heads)));
if (state.sweepPoints.length) sweep.add(state.sweepPoints);
state.sweepPoints = sweep.points;
addSteps(state.steps);
if (state.progress) showProgress(state.progress);
showResult(state.result);
showStatus();
showHistory();
api.post({ type: 'ready' });

// Test hook: what uPlot holds, so e2e tests can check streamed points reached the charts.
(window as unknown as { __probescopeCharts: unknown }).__probescopeCharts = {
  loss: () => lossChart.plottedLengths(),
  /** The steps of the loss chart's first and last points (a run's curve starts at its own step 0). */
  lossSteps: () => [state.steps[0]?.step, state.steps.at(-1)?.step],
  accuracy: () => accChart.plottedLengths(),
  sweep: () => sweep.lineChart?.plottedLengths() ?? [],
};
