/** One line for a progress event: "extract 120/400 (30%) · 35.0 examples/s · ETA 8s". No `vscode`. */
import type { ProgressEvent } from '../../protocol/types';

export function describeProgress(e: ProgressEvent, fraction = e.total > 0 ? e.done / e.total : 0): string {
  const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);
  const parts = [
    e.phase === 'download' ? `download ${mb(e.done)}/${mb(e.total)} MB` : `${e.phase} ${e.done}/${e.total}`,
  ];
  if (e.total > 0) parts[0] += ` (${Math.round(fraction * 100)}%)`;
  if (e.rate !== undefined && Number.isFinite(e.rate)) {
    parts.push(e.phase === 'download' ? `${(e.rate / 1e6).toFixed(1)} MB/s` : `${e.rate.toFixed(1)} examples/s`);
  }
  if (e.etaSeconds !== undefined && Number.isFinite(e.etaSeconds)) parts.push(`ETA ${formatSeconds(e.etaSeconds)}`);
  if (e.message) parts.push(e.message);
  return parts.join(' · ');
}

function formatSeconds(s: number): string {
  if (s < 60) return `${Math.ceil(s)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m ${Math.round(s % 60)}s` : `${Math.floor(m / 60)}h ${m % 60}m`;
}
