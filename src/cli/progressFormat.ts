/** Human-readable progress lines for stderr, throttled so a fast loop does not flood the terminal. */
import type { ProgressEvent, TrainingStepEvent } from '../protocol/types';

function duration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const m = Math.floor(seconds / 60);
  return m < 60 ? `${m}m ${Math.round(seconds % 60)}s` : `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function formatProgress(e: Omit<ProgressEvent, 'progressId'>): string {
  const parts = [`[${e.phase}] ${e.done}/${e.total}`];
  if (e.total > 0) parts[0] += ` ${Math.floor((100 * e.done) / e.total)}%`;
  if (e.rate !== undefined) parts.push(`${e.rate.toFixed(e.rate < 10 ? 2 : 0)}/s`);
  if (e.etaSeconds !== undefined && e.done < e.total) parts.push(`eta ${duration(e.etaSeconds)}`);
  if (e.message) parts.push(e.message);
  return parts.join(' · ');
}

export function formatStep(e: Omit<TrainingStepEvent, 'progressId'>): string {
  const parts = [`[step ${e.step}] train loss ${e.trainLoss.toFixed(4)}`];
  if (e.valLoss !== undefined) parts.push(`val loss ${e.valLoss.toFixed(4)}`);
  if (e.valAccuracy !== undefined) parts.push(`val acc ${e.valAccuracy.toFixed(3)}`);
  return parts.join(' · ');
}

/** Lets one line per key through every `ms`, plus any line marked important (first, last, validation). */
export class Throttle {
  private readonly last = new Map<string, number>();
  constructor(private readonly ms: number) {}

  allow(key: string, important: boolean): boolean {
    const now = Date.now();
    if (!important && now - (this.last.get(key) ?? -Infinity) < this.ms) return false;
    this.last.set(key, now);
    return true;
  }
}
