/**
 * Rename Probe (Probes view): validates the name with the engine's one rule (probeNameProblem), renames the folder
 * first and rewrites probe.json second (rolled back on failure, never replacing an existing folder, see
 * core/probes/probeRename.ts); the active probe follows the rename.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { probeNameProblem, renameProbeFolder } from '../../core/probes/probeRename';
import { readProbeManifest } from '../tree/probeFolder';
import { reportError } from '../workerErrors';
import type { HostCommand } from './hostCommand';
import { probeDirForCommand } from './probeArg';

export const renameProbeCommand: HostCommand = {
  id: 'probescope.renameProbe',
  async run(ctx, arg, nameArg) {
    const dir = probeDirForCommand(ctx, arg);
    const manifest = dir ? await readProbeManifest(dir) : undefined;
    if (!dir || !manifest) return;
    const parent = path.dirname(dir);
    const name =
      typeof nameArg === 'string'
        ? nameArg
        : await vscode.window.showInputBox({
            title: 'Probescope: Rename Probe',
            ignoreFocusOut: true,
            value: manifest.name || path.basename(dir),
            validateInput: (v) => {
              const t = v.trim();
              const problem = probeNameProblem(t);
              if (problem) return problem;
              if (t !== path.basename(dir) && existsSync(path.join(parent, t))) return `${t} already exists.`;
              return undefined;
            },
          });
    if (name === undefined) return;
    try {
      const target = await renameProbeFolder(dir, name);
      if (ctx.activeProbe.get() === dir || ctx.state.current.activeProbe === dir) await ctx.activeProbe.set(target);
      ctx.probes.refresh();
    } catch (err) {
      reportError(ctx, `Renaming ${path.basename(dir)} failed`, err);
    }
  },
};
