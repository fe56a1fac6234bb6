/**
 * The HTML shell every panel shares: a strict CSP (scripts only with a per-load nonce from crypto.randomBytes, no
 * remote origins), the bundled dist/webview/<panel>.js and .css, and media/panel.css.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';

export type PanelName = 'dataset' | 'training' | 'attention' | 'compare' | 'scores';

export function panelOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    retainContextWhenHidden: false,
    localResourceRoots: [
      vscode.Uri.joinPath(extensionUri, 'media'),
      vscode.Uri.joinPath(extensionUri, 'dist', 'webview'),
    ],
  };
}

/** Points a (new or revived) panel at its bundle: resource roots, icon and the CSP'd HTML shell. */
export function setUpPanel(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, name: PanelName, title: string): void {
  panel.webview.options = panelOptions(extensionUri);
  panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'probescope.svg');
  panel.webview.html = panelHtml(panel.webview, extensionUri, name, title);
}

export function panelHtml(webview: vscode.Webview, extensionUri: vscode.Uri, panel: PanelName, title: string): string {
  const nonce = randomBytes(16).toString('base64');
  const uri = (...parts: string[]): vscode.Uri => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...parts));
  const script = uri('dist', 'webview', `${panel}.js`);
  const bundledCss = vscode.Uri.joinPath(extensionUri, 'dist', 'webview', `${panel}.css`);
  const styles = [uri('media', 'panel.css')];
  if (existsSync(bundledCss.fsPath)) styles.push(webview.asWebviewUri(bundledCss));
  // Styles allow 'unsafe-inline' because the chart and element libraries set style attributes; scripts never do.
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data: blob:`,
    `font-src ${webview.cspSource}`,
    `style-src ${webview.cspSource} 'unsafe-inline'`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${styles.map((s) => `<link rel="stylesheet" href="${s}">`).join('\n')}
<title>${escapeHtml(title)}</title>
</head>
<body data-panel="${panel}">
<main id="app"></main>
<script type="module" nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
