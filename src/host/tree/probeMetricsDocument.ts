/**
 * Read-only documents `probescope-metrics:<probe dir>.md` rendered from probe.json, shown with the Markdown preview.
 */
import * as vscode from 'vscode';
import { readProbeManifest } from './probeFolder';
import { renderProbeMetrics } from './probeMetricsMarkdown';

export const PROBE_METRICS_SCHEME = 'probescope-metrics';

export function probeMetricsUri(dir: string): vscode.Uri {
  return vscode.Uri.from({ scheme: PROBE_METRICS_SCHEME, path: `${vscode.Uri.file(dir).path}/metrics.md` });
}

export class ProbeMetricsDocuments implements vscode.TextDocumentContentProvider {
  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const dir = vscode.Uri.file(uri.path.replace(/\/metrics\.md$/, '')).fsPath;
    const manifest = await readProbeManifest(dir);
    return manifest ? renderProbeMetrics(manifest, dir) : `# No probe\n\n\`${dir}\` holds no readable probe.json.`;
  }
}
