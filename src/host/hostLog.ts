/**
 * The Probescope output channel, safe to write to while the extension shuts down. On a window reload VS Code
 * disposes the extension's subscriptions (the channel among them) while deactivate() and the panels' dispose() still
 * run: writing then throws "Channel has been closed" into the extension host log. Such writes are dropped.
 */
import type * as vscode from 'vscode';

const CLOSED = /Channel has been closed/;

export function shutdownSafeLog(channel: vscode.LogOutputChannel): vscode.LogOutputChannel {
  return new Proxy(channel, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        try {
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        } catch (err) {
          if (err instanceof Error && CLOSED.test(err.message)) return undefined;
          throw err;
        }
      };
    },
  });
}
