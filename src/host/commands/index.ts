/** Every command the extension contributes (ids match package.json and docs/UX-CONTRACT.md). */
import { chooseHeadsCommand } from './chooseHeads';
import { classifySelectionCommand } from './classifySelection';
import { compareProbesCommand } from './compareProbes';
import { clearOverlayCommand } from './clearOverlay';
import { deleteProbeCommand } from './deleteProbe';
import { evaluateProbeCommand } from './evaluateProbe';
import {
  clearScoresCommand,
  nextFiringSpanCommand,
  previousFiringSpanCommand,
  showScorePanelCommand,
} from './firingSpans';
import type { HostCommand } from './hostCommand';
import { layerSweepCommand } from './layerSweep';
import { openDatasetPanelCommand } from './openDatasetPanel';
import { openHubDatasetCommand } from './openHubDataset';
import { refreshProbesCommand } from './refreshProbes';
import { renameProbeCommand } from './renameProbe';
import { restartWorkerCommand } from './restartWorker';
import { revealProbeCommand } from './revealProbe';
import { scoreDocumentCommand, scoreSelectionCommand } from './scoreDocument';
import { selectLayerCommand } from './selectLayer';
import { selectModelCommand } from './selectModel';
import { setActiveProbeCommand } from './setActiveProbe';
import { showAttentionOverlayCommand } from './showAttentionOverlay';
import { showLogCommand } from './showLog';
import { showProbeMetricsCommand } from './showProbeMetrics';
import { showWorkerVersionCommand } from './showWorkerVersion';
import { trainProbeCommand } from './trainProbe';

export type { HostCommand } from './hostCommand';

export const allCommands: readonly HostCommand[] = [
  trainProbeCommand,
  classifySelectionCommand,
  showAttentionOverlayCommand,
  openDatasetPanelCommand,
  selectModelCommand,
  selectLayerCommand,
  clearOverlayCommand,
  chooseHeadsCommand,
  layerSweepCommand,
  evaluateProbeCommand,
  compareProbesCommand,
  restartWorkerCommand,
  showWorkerVersionCommand,
  showLogCommand,
  refreshProbesCommand,
  setActiveProbeCommand,
  renameProbeCommand,
  deleteProbeCommand,
  revealProbeCommand,
  showProbeMetricsCommand,
  openHubDatasetCommand,
  scoreDocumentCommand,
  scoreSelectionCommand,
  nextFiringSpanCommand,
  previousFiringSpanCommand,
  clearScoresCommand,
  showScorePanelCommand,
];
