/**
 * Probescope: Compare Probes — the probes selected in the Probes view (two or more; else a multi-pick), evaluated on
 * one dataset by the worker (compareProbes: metrics with intervals, paired bootstrap), shown in the Compare view.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Requests } from '../../protocol/worker';
import type { HostContext } from '../hostContext';
import { ComparePanel } from '../panels/comparePanel';
import { describeProgress } from '../training/extractionProgress';
import { ProbeItem } from '../tree/probesTreeProvider';
import { errorMessage, isCancellation, reportError } from '../workerErrors';
import type { HostCommand } from './hostCommand';
import { probeDirFromArg } from './probeArg';
import { pickDatasetFile } from './quickPicks';

const TITLE = 'Probescope: Compare Probes';

/** Folders from a tree multi-selection (VS Code passes the clicked item and the selection), a list, or the view. */
function probeDirsFromArgs(ctx: HostContext, arg: unknown, selected: unknown): string[] {
  const list = Array.isArray(selected) ? selected : Array.isArray(arg) ? arg : undefined;
  if (list) return [...new Set(list.map(probeDirFromArg).filter((d): d is string => !!d))];
  const view = (ctx.probes.view?.selection ?? []).filter((i) => i instanceof ProbeItem).map((i) => i.probe.dir);
  return view.length >= 2 ? view : [];
}

export const compareProbesCommand: HostCommand = {
  id: 'probescope.compareProbes',
  async run(ctx, arg, selected, dataArg) {
    let dirs = probeDirsFromArgs(ctx, arg, selected);
    if (dirs.length < 2) {
      const probes = await ctx.probes.list();
      if (probes.length < 2) {
        void vscode.window.showInformationMessage(
          'Probescope: comparing needs at least two probes; train another one first.',
        );
        return undefined;
      }
      const picked = await vscode.window.showQuickPick(
        probes.map((p) => ({
          label: p.manifest.name || path.basename(p.dir),
          description: `${p.manifest.probe} · L${p.manifest.layer}`,
          dir: p.dir,
          picked: dirs.includes(p.dir),
        })),
        { title: `${TITLE}: Probes (1/2)`, canPickMany: true, ignoreFocusOut: true, placeHolder: 'Two or more probes' },
      );
      if (!picked) return undefined;
      dirs = picked.map((p) => p.dir);
      if (dirs.length < 2) {
        void vscode.window.showInformationMessage('Probescope: pick at least two probes to compare.');
        return undefined;
      }
    }
    const dataPath =
      (typeof dataArg === 'string' ? dataArg : undefined) ??
      (await pickDatasetFile({ title: `${TITLE}: Dataset`, step: 2, totalSteps: 2 }));
    if (!dataPath) return undefined;
    const model = await ctx.model.forUse();
    if (!model) return undefined;
    const s = ctx.settings();
    const panel = ComparePanel.show(ctx);
    panel.busy(`Evaluating ${dirs.length} probes on ${path.basename(dataPath)}…`);
    try {
      const comparison = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Comparing ${dirs.length} probes`, cancellable: true },
        async (progress, token) => {
          const route = ctx.progress.listen({ onProgress: (e) => progress.report({ message: describeProgress(e) }) });
          try {
            return await ctx.worker.request(
              Requests.compareProbes,
              {
                probeDirs: dirs,
                dataPath,
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
      panel.show(comparison);
      ctx.log.info(
        `Compare Probes: ${comparison.rows.map((r) => `${r.name} ${r.metrics.accuracy.toFixed(4)}`).join(', ')}`,
      );
      return comparison;
    } catch (err) {
      panel.failed(errorMessage(err));
      if (!isCancellation(err)) reportError(ctx, 'Comparing probes failed', err);
      return undefined;
    }
  },
};
