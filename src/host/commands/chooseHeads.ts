/**
 * Probescope: Choose Attention Heads — colour the overlay by the sum over heads, the max over heads, or one head;
 * repaints the editor overlay and the attention panel. Accepts a head selection argument ('sum' | 'max' | n).
 */
import * as vscode from 'vscode';
import { isHeadSelection, type HeadSelection } from '../../protocol/webview';
import type { HostCommand } from './hostCommand';

export const chooseHeadsCommand: HostCommand = {
  id: 'probescope.chooseHeads',
  async run(ctx, arg) {
    let head: HeadSelection | undefined = isHeadSelection(arg) ? arg : undefined;
    if (head === undefined) {
      const heads = ctx.overlay.last?.result.heads ?? ctx.settings().heads;
      const items: (vscode.QuickPickItem & { value: HeadSelection })[] = [
        { label: 'sum', description: 'summed over heads', value: 'sum' },
        { label: 'max', description: 'max over heads', value: 'max' },
        ...Array.from({ length: heads }, (_, h) => ({ label: `head ${h + 1}`, value: h as HeadSelection })),
      ];
      const current = ctx.overlay.heads;
      for (const i of items) if (i.value === current) i.description = `${i.description ?? ''} (current)`.trim();
      const picked = await vscode.window.showQuickPick(items, {
        title: 'Probescope: Choose Attention Heads',
        ignoreFocusOut: true,
      });
      head = picked?.value;
    }
    if (head !== undefined) ctx.overlay.setHead(head);
  },
};
