/**
 * The provider bench's JSON report: one object per execution provider, written after every measurement (temp file +
 * rename) so that a run cut short by a time limit still leaves what it measured.
 */
import { renameSync, writeFileSync } from 'node:fs';

export type BenchProvider = 'cpu' | 'webgpu' | 'cuda';

/** fp32 agreement budget for GPU results against the CPU EP (issue 17): |gpu − cpu| ≤ 1e-4 · max(1, max |cpu|). */
export const AGREEMENT_TOLERANCE = 1e-4;

export interface Comparison {
  /** max |this provider − CPU| over every compared value (NaN if this provider produced NaN). */
  maxAbsDiff: number;
  /** max |CPU value|, the scale the tolerance is relative to. */
  maxAbsCpu: number;
  withinTolerance: boolean;
}

export interface ExtractionResult {
  model: string;
  layers: string;
  sequences: number;
  tokens: number;
  batchSize: number;
  tokensPerS: number;
  /** Seconds to build the session (graph surgery, pruning, provider compile). */
  sessionSeconds: number;
  vsCpu?: Comparison;
}

export interface ProbeStepResult {
  shape: string; // "BxSxD"
  H: number;
  steps: number;
  /** Median and best wall ms per lossAndGrad (loss + every gradient). */
  msPerStep: number;
  bestMs: number;
  /** Provider the probe graph actually ran on (ProbeComputer falls back to CPU if a GPU cannot build it). */
  ranOn: BenchProvider;
  notice?: string;
  vsCpu?: Comparison;
}

export interface Failure {
  error: string;
}

export interface ProviderReport {
  /** Key in `providers`: the provider's name, or "cpu-again" for a second CPU run measured as a candidate. */
  label: string;
  provider: BenchProvider;
  available: boolean;
  /** Why the provider could not be used (absent when available). */
  reason?: string;
  selfCheck?: { ok: boolean; maxAbsDiff: number; reason?: string };
  extraction: Record<string, ExtractionResult | Failure>;
  probeStep: Record<string, ProbeStepResult | Failure>;
}

export interface BenchReport {
  kind: 'probescope-provider-bench';
  version: 1;
  mode: 'full' | 'quick';
  startedAt: string;
  finishedAt?: string;
  seconds?: number;
  machine: Record<string, unknown>;
  shapes: Record<string, unknown>;
  tolerance: number;
  /** "cpu" (the baseline) first, then each candidate by label. */
  providers: Record<string, ProviderReport>;
  /** Per candidate: how many times faster than the CPU EP (CPU time ÷ its time), per measurement. */
  speedups: Record<string, Record<string, number>>;
  /** Lines a reader should see first (targets met or not, results off the CPU's, skipped providers). */
  verdicts: string[];
}

export function compare(candidate: ArrayLike<number>[], cpu: ArrayLike<number>[]): Comparison {
  let maxAbsDiff = 0;
  let maxAbsCpu = 0;
  for (let o = 0; o < cpu.length; o++) {
    const c = candidate[o]!;
    const r = cpu[o]!;
    if (c.length !== r.length) return { maxAbsDiff: Infinity, maxAbsCpu: NaN, withinTolerance: false };
    for (let i = 0; i < r.length; i++) {
      const d = Math.abs(c[i]! - r[i]!);
      if (Number.isNaN(d)) maxAbsDiff = NaN;
      else if (d > maxAbsDiff) maxAbsDiff = d;
      maxAbsCpu = Math.max(maxAbsCpu, Math.abs(r[i]!));
    }
  }
  return {
    maxAbsDiff,
    maxAbsCpu,
    withinTolerance: maxAbsDiff <= AGREEMENT_TOLERANCE * Math.max(1, maxAbsCpu),
  };
}

export function isFailure(r: unknown): r is Failure {
  return typeof r === 'object' && r !== null && 'error' in r;
}

export function failure(e: unknown): Failure {
  return {
    error: String((e as Error)?.message ?? e)
      .split('\n')[0]!
      .slice(0, 400),
  };
}

/** Writes the report atomically (JSON.stringify turns NaN/Infinity into null: a missing comparison reads as null). */
export function writeReport(path: string | undefined, report: BenchReport): void {
  if (!path) return;
  writeFileSync(`${path}.tmp`, JSON.stringify(report, null, 2) + '\n');
  renameSync(`${path}.tmp`, path);
}

/** Speed-ups of each GPU provider over the CPU and the verdict lines against the targets. */
export function summarize(report: BenchReport, targets: { probeStepShape: string; extractionModel: string }): void {
  const cpu = report.providers.cpu;
  report.speedups = {};
  report.verdicts = [];
  for (const p of Object.values(report.providers)) {
    if (p.label === 'cpu') continue;
    if (!p.available) {
      report.verdicts.push(`${p.label}: not measured (${p.reason})`);
      continue;
    }
    const s: Record<string, number> = {};
    for (const [k, r] of Object.entries(p.extraction)) {
      const base = cpu?.extraction[k];
      if (!isFailure(r) && base && !isFailure(base)) s[`extraction ${k}`] = r.tokensPerS / base.tokensPerS;
    }
    for (const [k, r] of Object.entries(p.probeStep)) {
      const base = cpu?.probeStep[k];
      if (!isFailure(r) && base && !isFailure(base)) s[`probe step ${k}`] = base.msPerStep / r.msPerStep;
    }
    report.speedups[p.label] = s;
    const step = s[`probe step ${targets.probeStepShape}`];
    const resident = s[`probe step ${targets.probeStepShape} resident`];
    const ext = s[`extraction ${targets.extractionModel}`];
    report.verdicts.push(
      `${p.label}: probe step ${targets.probeStepShape} ${fmt(step)}× the CPU EP (target ≥ 20×)` +
        (resident === undefined ? '' : `, ${fmt(resident)}× with the batch resident`) +
        `; extraction ${targets.extractionModel} ${fmt(ext)}× (target ≥ 10×)`,
    );
    const off = [...Object.entries(p.extraction), ...Object.entries(p.probeStep)].filter(
      ([, r]) => !isFailure(r) && r.vsCpu && !r.vsCpu.withinTolerance,
    );
    const failed = [...Object.entries(p.extraction), ...Object.entries(p.probeStep)].filter(([, r]) => isFailure(r));
    report.verdicts.push(
      off.length
        ? `${p.label}: OFF the CPU's results beyond 1e-4 in ${off.map(([k]) => k).join(', ')}`
        : `${p.label}: every compared state and gradient within 1e-4 (relative to max(1, |cpu|)) of the CPU EP`,
    );
    if (failed.length) report.verdicts.push(`${p.label}: failed: ${failed.map(([k]) => k).join(', ')}`);
    const fellBack = Object.entries(p.probeStep).filter(([, r]) => !isFailure(r) && r.ranOn !== p.provider);
    if (fellBack.length)
      report.verdicts.push(`${p.label}: probe graph fell back to CPU in ${fellBack.map(([k]) => k).join(', ')}`);
  }
}

function fmt(x: number | undefined): string {
  return x === undefined ? 'n/a' : x.toFixed(2);
}
