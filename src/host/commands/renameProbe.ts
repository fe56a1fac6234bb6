/**
 * Rename Probe (Probes view): renames the folder and the name in probe.json (rewritten atomically); the active
 * probe follows the rename.
 */
import { rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readProbeManifest } from '../tree/probeFolder';
import { reportError } from '../workerErrors';
import type { HostCommand } from './hostCommand';
import { probeDirForCommand } from './probeArg';

const SAFE_NAME = /^[\w.-][\w .-]*$/;

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
              if (!SAFE_NAME.test(t)) return 'Use letters, digits, spaces, dots, dashes and underscores.';
              if (t !== path.basename(dir) && existsSync(path.join(parent, t))) return `${t} already exists.`;
              return undefined;
            },
          });
    const newName = name?.trim();
    if (!newName || !SAFE_NAME.test(newName)) return;
    const target = path.join(parent, newName);
    try {
      const tmp = path.join(dir, `probe.json.${process.pid}.tmp`);
      await writeFile(tmp, JSON.stringify({ ...manifest, name: newName }, null, 2) + '\n');
      await rename(tmp, path.join(dir, 'probe.json'));
      if (target !== dir) await rename(dir, target);
      if (ctx.activeProbe.get() === dir || ctx.state.current.activeProbe === dir) await ctx.activeProbe.set(target);
      ctx.probes.refresh();
    } catch (err) {
      reportError(ctx, `Renaming ${path.basename(dir)} failed`, err);
    }
  },
};
