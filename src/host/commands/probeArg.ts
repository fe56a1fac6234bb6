/** The probe folder a tree command was invoked on: a Probes view item, a folder Uri, or a path string. */
import * as vscode from 'vscode';
import { ProbeItem } from '../tree/probesTreeProvider';

export function probeDirFromArg(arg: unknown): string | undefined {
  if (arg instanceof ProbeItem) return arg.probe.dir;
  if (arg instanceof vscode.Uri) return arg.fsPath;
  if (typeof arg === 'string' && arg) return arg;
  return undefined;
}
