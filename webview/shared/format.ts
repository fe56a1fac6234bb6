/** Number formatting shared by the panels (en-US grouping; webviews run in the user's UI locale anyway). */
const intFmt = new Intl.NumberFormat('en-US');

export const fmtInt = (n: number): string => intFmt.format(Math.round(n));

export function fmtNum(n: number | undefined, digits = 3): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  return Math.abs(n) >= 1000 ? fmtInt(n) : n.toFixed(digits);
}

export const fmtPct = (p: number | undefined, digits = 1): string =>
  p === undefined || !Number.isFinite(p) ? '–' : `${(p * 100).toFixed(digits)}%`;

export function fmtDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export const fmtLayer = (layer: number | 'final'): string => (layer === 'final' ? 'final' : `layer ${layer}`);
