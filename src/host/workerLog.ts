/**
 * Adapts the LogOutputChannel to the supervisor's logger: worker stdout/stderr arrive in arbitrary chunks and are
 * logged line by line, prefixed so they stand apart from the host's own lines.
 */
import type * as vscode from 'vscode';
import type { WorkerLogger } from './worker/workerSupervisor';

export class WorkerLog implements WorkerLogger {
  private partial = '';

  constructor(private readonly channel: vscode.LogOutputChannel) {}

  info(message: string): void {
    this.channel.info(message);
  }

  warn(message: string): void {
    this.channel.warn(message);
  }

  error(message: string): void {
    this.channel.error(message);
  }

  append(chunk: string): void {
    const lines = (this.partial + chunk).split(/\r?\n/);
    this.partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) this.channel.info(`[worker] ${line}`);
  }
}
