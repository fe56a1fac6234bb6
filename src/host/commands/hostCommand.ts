/** A command of the extension: its id (package.json contributes.commands) and what it does. */
import type { HostContext } from '../hostContext';

export interface HostCommand {
  id: string;
  run(ctx: HostContext, ...args: unknown[]): unknown;
}
