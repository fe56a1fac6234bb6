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
 * The argument's probe, else the one selected in the Probes view: VS Code sometimes invokes a context-menu command
 * without its item (seen in code-server after the tree refreshed).
 */
export function probeDirFromArgOrSelection(ctx: HostContext, arg: unknown): string | undefined {
  return probeDirFromArg(arg) ?? ctx.probes.view?.selection[0]?.probe.dir;
}

/** The probe a Probes-view command acts on; says what to do instead of doing nothing when there is none. */
export function probeDirForCommand(ctx: HostContext, arg: unknown): string | undefined {
  const dir = probeDirFromArgOrSelection(ctx, arg);
  if (!dir) void vscode.window.showInformationMessage('Probescope: select a probe in the Probes view first.');
  return dir;
}
