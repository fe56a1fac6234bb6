/** The probe folder a tree command was invoked on: a Probes view item, a folder Uri, or a path string. */
import * as vscode from 'vscode';
import type { HostContext } from '../hostContext';
import { ProbeItem } from '../tree/probesTreeProvider';

export function probeDirFromArg(arg: unknown): string | undefined {
  if (arg instanceof ProbeItem) return arg.probe.dir;
  if (arg instanceof vscode.Uri) return arg.fsPath;
  if (typeof arg === 'string' && arg) return arg;
  return undefined;
}

/**
 * The probe a Probes-view command acts on. VS Code sometimes invokes a context-menu command without its item (seen
 * in code-server after the tree refreshed), so fall back to the view's selection, and say so instead of doing nothing.
 */
export function probeDirForCommand(ctx: HostContext, arg: unknown): string | undefined {
  const dir = probeDirFromArg(arg) ?? ctx.probes.view?.selection[0]?.probe.dir;
  if (!dir) void vscode.window.showInformationMessage('Probescope: select a probe in the Probes view first.');
  return dir;
}
