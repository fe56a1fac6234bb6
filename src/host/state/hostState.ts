/**
 * What the host currently shows (model, active probe, overlay, training run, last error, worker pid), kept in one
 * place so the status bar and the PROBESCOPE_TEST_STATE mirror read the same values. No `vscode` import.
 */
import type { LayerSpec } from '../../protocol/types';

export interface OverlayRangeState {
  /** [line, character] positions (0-based, UTF-16 characters) as VS Code uses them. */
  start: [number, number];
  end: [number, number];
  bucket: number;
  weight: number;
  text: string;
}

export interface OverlayState {
  uri: string;
  label: string;
  probability: number;
  /** Name of the probe that classified (its probe.json name or folder name). */
  probeName?: string;
  /** As the attentionHeads setting writes it: 'sum', 'max' or a head number ('0', '1', …). */
  heads: string;
  ranges: OverlayRangeState[];
}

/** A painted unit of the token scores (Score Document): range, text, score and its theme colour. */
export interface ScoreUnitState {
  start: [number, number];
  end: [number, number];
  text: string;
  score: number;
  /** −4..4 (0: on the threshold, unpainted). */
  level: number;
  color: string | null;
}

/** The token scores painted in the active (or a visible) editor. */
export interface ScoresState {
  uri: string;
  version: number;
  probe: string;
  class: string;
  threshold: number;
  /** The 1 % FPR threshold of the scored class (null: unavailable) and the one firing spans are counted above. */
  fprThreshold: number | null;
  firingThreshold: number;
  tokens: number;
  units: number;
  windows: number;
  coveredChars: number;
  highest: ScoreUnitState | null;
  lowest: ScoreUnitState | null;
  /** Milliseconds from the scores' arrival to the decorations handed to the editor (last Score Document). */
  paintMs?: number;
  /** Ranges marked on the overview ruler (score > firingThreshold), in document order. */
  firingSpans: { start: [number, number]; end: [number, number] }[];
}

export type TrainingRunState = 'running' | 'finished' | 'failed' | 'stopped';

export interface TrainingState {
  /** The run's id (its progressId; the training panel's messages carry it too). */
  runId?: string;
  state: TrainingRunState;
  steps: number;
  testAccuracy?: number;
}

export interface HostSnapshot {
  workerPid: number | null;
  model: { id: string; layer: LayerSpec } | null;
  activeProbe: string | null;
  overlay: OverlayState | null;
  scores?: ScoresState | null;
  training: TrainingState | null;
  lastError: string | null;
}

export class HostState {
  private snapshot: HostSnapshot = {
    workerPid: null,
    model: null,
    activeProbe: null,
    overlay: null,
    training: null,
    lastError: null,
  };
  private readonly listeners = new Set<(s: Readonly<HostSnapshot>) => void>();

  get current(): Readonly<HostSnapshot> {
    return this.snapshot;
  }

  update(change: Partial<HostSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...change };
    for (const listener of this.listeners) listener(this.snapshot);
  }

  onDidChange(listener: (s: Readonly<HostSnapshot>) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }
}
