/**
 * The probe Classify Selection uses, persisted per workspace (workspaceState) and mirrored into HostState.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HostState } from '../state/hostState';

const KEY = 'probescope.activeProbe';

export class ActiveProbe {
  private readonly changed = new vscode.EventEmitter<string | undefined>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly memento: vscode.Memento,
    private readonly state: HostState,
  ) {
    const dir = this.get();
    state.update({ activeProbe: dir ?? null });
  }

  /** The active probe folder, if it still holds a probe. */
  get(): string | undefined {
    const dir = this.memento.get<string>(KEY);
    return dir && existsSync(path.join(dir, 'probe.json')) ? dir : undefined;
  }

  async set(dir: string | undefined): Promise<void> {
    await this.memento.update(KEY, dir);
    this.state.update({ activeProbe: dir ?? null });
    this.changed.fire(dir);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
