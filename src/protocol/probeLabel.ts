/**
 * The one name of a probe's kind, shared by every view (Probes view, quick picks, notifications, the training panel's
 * subtitle, metrics, sweep table and history, the probe metrics document): "attention ×8", "mean", "last".
 */
export function probeKindLabel(probe: string, heads?: number): string {
  return probe === 'attention' ? `attention ×${heads ?? 8}` : probe;
}
