/**
 * Theme helpers: read --vscode-* colours (VS Code sets them on <html>), and notice theme switches (VS Code swaps the
 * body class vscode-light / vscode-dark / vscode-high-contrast) so canvas/chart colours can be redrawn.
 */
export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

export function themeKind(): ThemeKind {
  const c = document.body.classList;
  if (c.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (c.contains('vscode-high-contrast')) return 'high-contrast';
  return c.contains('vscode-light') ? 'light' : 'dark';
}

/** Value of a CSS custom property on <html>, or `fallback` when unset. */
export function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

/** Parses #rgb, #rrggbb, #rrggbbaa or rgb()/rgba() into [r, g, b] (0–255); undefined if unparseable. */
export function parseColor(color: string): [number, number, number] | undefined {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(color.trim());
  if (hex) {
    let h = hex[1];
    if (h.length === 3) h = [...h].map((ch) => ch + ch).join('');
    return [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)];
  }
  const rgb = /^rgba?\(\s*(\d+)[\s,]+(\d+)[\s,]+(\d+)/i.exec(color.trim());
  return rgb ? [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])] : undefined;
}

/** An RGB triple for a theme colour variable, with a fallback used when it is unset or unparseable. */
export function themeRgb(name: string, fallback: string): [number, number, number] {
  return parseColor(cssVar(name, fallback)) ?? parseColor(fallback) ?? [128, 128, 128];
}

/** Chart series colours from VS Code's chart palette (readable in light and dark themes). */
export function chartColors(): string[] {
  return [
    cssVar('--vscode-charts-blue', '#3794ff'),
    cssVar('--vscode-charts-orange', '#d18616'),
    cssVar('--vscode-charts-green', '#89d185'),
    cssVar('--vscode-charts-purple', '#b180d7'),
    cssVar('--vscode-charts-red', '#f14c4c'),
    cssVar('--vscode-charts-yellow', '#cca700'),
  ];
}

/** Calls `fn` when the body's theme class changes. */
export function onThemeChange(fn: () => void): void {
  let last = themeKind();
  new MutationObserver(() => {
    const now = themeKind();
    if (now !== last) {
      last = now;
      fn();
    }
  }).observe(document.body, { attributes: true, attributeFilter: ['class'] });
}
