/**
 * E2E harness: bundles the webviews with esbuild (same options as esbuild.mjs), serves each panel from a local
 * http server on 127.0.0.1 under a strict CSP like the host's, and opens it in headless Chromium with a stubbed
 * `acquireVsCodeApi` that records posted messages and keeps setState across reloads (sessionStorage), as VS Code does.
 */
import * as esbuild from 'esbuild';
import { createServer, type Server } from 'node:http';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../chromium';

export const ROOT = resolve(import.meta.dirname, '../..');
export const RESULTS = join(ROOT, 'test-results');
export type PanelName = 'dataset' | 'training' | 'attention' | 'compare' | 'scores';
export type Theme = 'dark' | 'light';

export async function buildWebviews(): Promise<string> {
  const outdir = mkdtempSync(join(tmpdir(), 'probescope-webview-'));
  await esbuild.build({
    absWorkingDir: ROOT,
    bundle: true,
    sourcemap: false,
    logLevel: 'error',
    legalComments: 'none',
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    entryPoints: (['dataset', 'training', 'attention', 'compare', 'scores'] as const)
      .filter((p) => existsSync(join(ROOT, `webview/${p}/main.ts`)))
      .map((p) => ({ in: `webview/${p}/main.ts`, out: p })),
    outdir,
    loader: { '.css': 'css' },
  });
  return outdir;
}

// A subset of the variables VS Code puts on <html>, for each theme (values from the default Dark/Light Modern).
const THEME_VARS: Record<Theme, Record<string, string>> = {
  dark: {
    'font-family': 'system-ui, sans-serif',
    'font-size': '13px',
    'editor-font-family': 'monospace',
    'editor-font-size': '13px',
    foreground: '#cccccc',
    descriptionForeground: '#9d9d9d',
    'editor-background': '#1f1f1f',
    'editor-foreground': '#cccccc',
    focusBorder: '#0078d4',
    'panel-border': '#2b2b2b',
    'editorWidget-background': '#202020',
    'button-background': '#0078d4',
    'button-foreground': '#ffffff',
    'button-secondaryBackground': '#313131',
    'button-secondaryForeground': '#cccccc',
    'input-background': '#313131',
    'input-foreground': '#cccccc',
    'input-border': '#3c3c3c',
    'charts-blue': '#3794ff',
    'charts-orange': '#d18616',
    'charts-green': '#89d185',
    'charts-purple': '#b180d7',
    'charts-red': '#f14c4c',
    'charts-yellow': '#cca700',
    'charts-foreground': '#cccccc',
    'charts-lines': 'rgba(204,204,204,0.5)',
    'editorWarning-foreground': '#cca700',
    'progressBar-background': '#0078d4',
    'list-hoverBackground': '#2a2d2e',
    'inputValidation-errorBackground': '#5a1d1d',
    'inputValidation-errorBorder': '#be1100',
    'settings-textInputBackground': '#313131',
    'settings-textInputForeground': '#cccccc',
    'settings-textInputBorder': '#3c3c3c',
    'settings-dropdownBackground': '#313131',
    'settings-dropdownForeground': '#cccccc',
    'settings-dropdownBorder': '#3c3c3c',
    'settings-dropdownListBorder': '#454545',
    'button-hoverBackground': '#026ec1',
    'button-secondaryHoverBackground': '#3c3c3c',
    'list-activeSelectionBackground': '#04395e',
    'list-activeSelectionForeground': '#ffffff',
    'list-focusOutline': '#0078d4',
    'widget-shadow': 'rgba(0,0,0,0.36)',
    'input-placeholderForeground': '#989898',
    'list-highlightForeground': '#2aaaff',
    'badge-background': '#616161',
    'badge-foreground': '#f8f8f8',
    'button-border': '#ffffff12',
    errorForeground: '#f85149',
  },
  light: {
    'font-family': 'system-ui, sans-serif',
    'font-size': '13px',
    'editor-font-family': 'monospace',
    'editor-font-size': '13px',
    foreground: '#3b3b3b',
    descriptionForeground: '#717171',
    'editor-background': '#ffffff',
    'editor-foreground': '#3b3b3b',
    focusBorder: '#005fb8',
    'panel-border': '#e5e5e5',
    'editorWidget-background': '#f8f8f8',
    'button-background': '#005fb8',
    'button-foreground': '#ffffff',
    'button-secondaryBackground': '#e5e5e5',
    'button-secondaryForeground': '#3b3b3b',
    'input-background': '#ffffff',
    'input-foreground': '#3b3b3b',
    'input-border': '#cecece',
    'charts-blue': '#1a85ff',
    'charts-orange': '#d18616',
    'charts-green': '#388a34',
    'charts-purple': '#652d90',
    'charts-red': '#e51400',
    'charts-yellow': '#bf8803',
    'charts-foreground': '#616161',
    'charts-lines': 'rgba(97,97,97,0.5)',
    'editorWarning-foreground': '#bf8803',
    'progressBar-background': '#005fb8',
    'list-hoverBackground': '#f2f2f2',
    'inputValidation-errorBackground': '#f2dede',
    'inputValidation-errorBorder': '#be1100',
    'settings-textInputBackground': '#ffffff',
    'settings-textInputForeground': '#3b3b3b',
    'settings-textInputBorder': '#cecece',
    'settings-dropdownBackground': '#ffffff',
    'settings-dropdownForeground': '#3b3b3b',
    'settings-dropdownBorder': '#cecece',
    'settings-dropdownListBorder': '#c8c8c8',
    'button-hoverBackground': '#0258a8',
    'button-secondaryHoverBackground': '#cccccc',
    'list-activeSelectionBackground': '#e8e8e8',
    'list-activeSelectionForeground': '#000000',
    'list-focusOutline': '#005fb8',
    'widget-shadow': 'rgba(0,0,0,0.16)',
    'input-placeholderForeground': '#767676',
    'list-highlightForeground': '#0066bf',
    'badge-background': '#cccccc',
    'badge-foreground': '#3b3b3b',
    'button-border': '#0000001a',
    errorForeground: '#a1260d',
  },
};

const STUB = `
(() => {
  const KEY = '__probescope_state';
  window.__posted = [];
  document.addEventListener('securitypolicyviolation', (e) =>
    console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber));
  let acquired = false;
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('acquireVsCodeApi called twice');
    acquired = true;
    return {
      postMessage: (m) => { window.__posted.push(JSON.parse(JSON.stringify(m))); window.__onPosted?.(m); },
      getState: () => { const s = sessionStorage.getItem(KEY); return s === null ? undefined : JSON.parse(s); },
      setState: (s) => { sessionStorage.setItem(KEY, JSON.stringify(s)); return s; },
    };
  };
})();`;

// No 'unsafe-inline' for styles: the panels may only style through CSSOM (el.style.x = …), which CSP allows.
function panelHtml(panel: PanelName, theme: Theme, origin: string): string {
  const csp = `default-src 'none'; script-src ${origin}; style-src ${origin}; img-src ${origin} data:; font-src ${origin}; connect-src 'none';`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/media/panel.css"><link rel="stylesheet" href="/${panel}.css"><title>${panel}</title></head>
<body class="vscode-${theme}"><main id="app"></main><script src="/stub.js?theme=${theme}"></script><script type="module" src="/${panel}.js"></script></body></html>`;
}

export interface Harness {
  origin: string;
  browser: Browser;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  mkdirSync(RESULTS, { recursive: true });
  const outdir = await buildWebviews();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const m = /^\/(dataset|training|attention|compare|scores)\.html$/.exec(url.pathname);
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (m) {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(panelHtml(m[1] as PanelName, url.searchParams.get('theme') === 'light' ? 'light' : 'dark', origin));
    } else if (url.pathname === '/stub.js') {
      // Theme variables are set through CSSOM, the way VS Code's webview host script sets them.
      const theme: Theme = url.searchParams.get('theme') === 'light' ? 'light' : 'dark';
      const vars = Object.fromEntries(Object.entries(THEME_VARS[theme]).map(([k, v]) => [`--vscode-${k}`, v]));
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(
        `${STUB}\nfor (const [k, v] of Object.entries(${JSON.stringify(vars)})) document.documentElement.style.setProperty(k, v);`,
      );
    } else if (/^\/[a-z]+\.(js|css)$/.test(url.pathname) && existsSync(join(outdir, url.pathname))) {
      const type = url.pathname.endsWith('.js') ? 'text/javascript' : 'text/css';
      res.writeHead(200, { 'content-type': type });
      res.end(readFileSync(join(outdir, url.pathname)));
    } else if (url.pathname === '/media/panel.css') {
      // The host's shared stylesheet (src/host/panels/panelHtml.ts links it before the bundle's CSS).
      const file = join(ROOT, 'media', 'panel.css');
      res.writeHead(200, { 'content-type': 'text/css' });
      res.end(existsSync(file) ? readFileSync(file) : '');
    } else if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await launchChromium();
  return {
    origin,
    browser,
    close: async () => {
      await browser.close();
      await new Promise((r) => server.close(r));
    },
  };
}

// Plain JS source (not a TS function): tsx's keepNames would wrap a named callback in a `__name` the page lacks.
const SEND_SRC = `(m) => new Promise((resolve) => {
  const marker = '__sent_' + Math.random();
  const t0 = performance.now();
  window.addEventListener('message', function onMarker(e) {
    if (e.data === marker) { window.removeEventListener('message', onMarker); resolve(performance.now() - t0); }
  });
  window.postMessage(m, '*');
  window.postMessage(marker, '*');
})`;

export interface PanelPage {
  page: Page;
  /** Problems the page reported: console errors, uncaught exceptions, CSP violations, non-local requests. */
  problems: string[];
  posted<T = { type: string }>(): Promise<T[]>;
  waitForPosted<T = { type: string }>(type: string, count?: number): Promise<T[]>;
  /** Sends a host message and resolves, with the in-page milliseconds it took, once the panel has handled it. */
  send(message: unknown): Promise<number>;
}

export async function openPanel(
  h: Harness,
  panel: PanelName,
  opts: { theme?: Theme; width?: number; height?: number } = {},
): Promise<PanelPage> {
  const page = await h.browser.newPage({ viewport: { width: opts.width ?? 1100, height: opts.height ?? 900 } });
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.stack ?? e.message}`));
  page.on(
    'request',
    (r) => !r.url().startsWith(h.origin) && !r.url().startsWith('data:') && problems.push(`request: ${r.url()}`),
  );
  await page.goto(`${h.origin}/${panel}.html?theme=${opts.theme ?? 'dark'}`);
  const pp: PanelPage = {
    page,
    problems,
    posted: () => page.evaluate(() => (window as unknown as { __posted: never[] }).__posted),
    waitForPosted: async (type, count = 1) => {
      await page.waitForFunction(
        ([t, n]) =>
          (window as unknown as { __posted: { type: string }[] }).__posted.filter((m) => m.type === t).length >=
          (n as number),
        [type, count] as const,
      );
      return (await pp.posted<{ type: string }>()).filter((m) => m.type === type) as never;
    },
    // Posts like the host, then waits for a marker posted after it: message events are delivered in order, so once
    // the marker arrives the panel has handled the message.
    send: (message) => page.evaluate<number>(`(${SEND_SRC})(${JSON.stringify(message)})`),
  };
  await pp.waitForPosted('ready');
  return pp;
}
