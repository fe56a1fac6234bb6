/**
 * Probescope: Evaluate Probe on Dataset — metrics of a saved probe (the tree item's, else the active one, else a
 * pick) on a dataset, in a notification and the log.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Requests } from '../../protocol/worker';
import type { SplitMetrics } from '../../protocol/types';
import { describeProgress } from '../training/extractionProgress';
import { isCancellation, reportError } from '../workerErrors';
import type { HostCommand } from './hostCommand';
import { probeDirFromArgOrSelection } from './probeArg';
import { datasetChecker } from './datasetCheck';
import { pickDatasetFile } from './quickPicks';

export const evaluateProbeCommand: HostCommand = {
  id: 'probescope.evaluateProbe',
  async run(ctx, arg, dataArg) {
    let probeDir = probeDirFromArgOrSelection(ctx, arg) ?? ctx.activeProbe.get();
    if (!probeDir) {
      const probes = await ctx.probes.list();
      if (!probes.length) {
        void vscode.window.showInformationMessage('Probescope: no probes to evaluate yet; train one first.');
        return;
      }
      const picked = await vscode.window.showQuickPick(
        probes.map((p) => ({
          label: p.manifest.name || path.basename(p.dir),
          description: `${p.manifest.probe} · L${p.manifest.layer}`,
          dir: p.dir,
        })),
        { title: 'Probescope: Evaluate Probe: Probe (1/2)', ignoreFocusOut: true },
      );
      probeDir = picked?.dir;
    }
    if (!probeDir) return;
    const dataPath =
      (typeof dataArg === 'string' ? dataArg : undefined) ??
      (await pickDatasetFile(
        { title: 'Probescope: Evaluate Probe: Dataset', step: 2, totalSteps: 2 },
        datasetChecker(ctx),
      ));
    if (!dataPath) return;
    const model = await ctx.model.forUse();
    if (!model) return;
    const s = ctx.settings();
    try {
      const metrics = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `Evaluating ${path.basename(probeDir)}`,
          cancellable: true,
        },
        async (progress, token) => {
          const route = ctx.progress.listen({ onProgress: (e) => progress.report({ message: describeProgress(e) }) });
          try {
            return await ctx.worker.request(
              Requests.evalProbe,
              {
                probeDir: probeDir!,
                dataPath,
                modelDir: model.dir,
                executionProvider: s.executionProvider,
                cacheDir: s.cacheFolder,
                progressId: route.progressId,
              },
              token,
            );
          } finally {
            route.dispose();
          }
        },
      );
      const line = `${path.basename(probeDir)} on ${path.basename(dataPath)}: ${describeMetrics(metrics)}`;
      ctx.log.info(`Evaluation: ${line}`);
      void vscode.window.showInformationMessage(`Probescope: ${line}`);
      return metrics;
    } catch (err) {
      if (!isCancellation(err)) reportError(ctx, 'Evaluation failed', err);
      return undefined;
    }
  },
};

function describeMetrics(m: SplitMetrics): string {
  const parts = [`n ${m.n}`, `accuracy ${(m.accuracy * 100).toFixed(1)}%`];
  if (m.roc_auc !== undefined) parts.push(`ROC-AUC ${m.roc_auc.toFixed(3)}`);
  if (m.f1 !== undefined) parts.push(`F1 ${m.f1.toFixed(3)}`);
  return parts.join(' · ');
}
