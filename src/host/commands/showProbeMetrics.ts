/** Show Probe Metrics (Probes view): a Markdown preview of the probe's probe.json (metrics, confusion, config). */
import * as vscode from 'vscode';
import { probeMetricsUri } from '../tree/probeMetricsDocument';
import type { HostCommand } from './hostCommand';
import { probeDirFromArgOrSelection } from './probeArg';

export const showProbeMetricsCommand: HostCommand = {
  id: 'probescope.showProbeMetrics',
  async run(ctx, arg) {
    const dir = probeDirFromArgOrSelection(ctx, arg) ?? ctx.activeProbe.get();
    if (!dir) return;
    await vscode.commands.executeCommand('markdown.showPreview', probeMetricsUri(dir));
  },
};
