/**
 * The model the user selected (settings modelFolder/modelId/layer) and the layer count read from its config.json.
 * Publishes { id, layer } into HostState, which the status bar and the test-state mirror show.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type * as vscode from 'vscode';
import type { LayerSpec } from '../../protocol/types';
import { bundledModelDir, readSettings, updateSetting } from '../settings';
import type { HostState } from '../state/hostState';
import { checkModelTrust } from './workspaceTrust';

export interface SelectedModel {
  dir: string;
  id: string;
  bundled: boolean;
  layer: LayerSpec;
}

export class ModelSelection {
  constructor(
    private readonly extension: vscode.ExtensionContext,
    private readonly state: HostState,
  ) {}

  current(): SelectedModel {
    const s = readSettings(this.extension);
    const bundled = !s.modelFolder;
    const dir = bundled ? bundledModelDir(this.extension) : path.resolve(s.modelFolder);
    const id = bundled ? path.basename(dir) : s.modelId || path.basename(dir);
    return { dir, id, bundled, layer: s.layer };
  }

  /** Re-reads settings into HostState (called on configuration changes). */
  publish(): void {
    const m = this.current();
    this.state.update({ model: { id: m.id, layer: m.layer } });
  }

  /** The model to hand to the worker, after the Restricted Mode check; undefined when the user declined. */
  async forUse(): Promise<SelectedModel | undefined> {
    const m = this.current();
    if (m.bundled) return m;
    const verdict = await checkModelTrust(m.dir);
    if (verdict === 'ok') return m;
    if (verdict === 'bundled') {
      await this.select({ folder: '', modelId: '' });
      // Never fall through to the refused folder, even if the setting could not be changed where it is defined.
      const now = this.current();
      return now.bundled ? now : undefined;
    }
    return undefined;
  }

  async select(choice: { folder: string; modelId: string }): Promise<void> {
    await updateSetting('modelFolder', choice.folder);
    await updateSetting('modelId', choice.modelId);
    this.publish();
  }

  async setLayer(layer: LayerSpec): Promise<void> {
    await updateSetting('layer', layer);
    this.publish();
  }

  /** Decoder layers from config.json (Gemma 3 multimodal configs nest them under text_config). */
  static async numLayers(dir: string): Promise<number | undefined> {
    try {
      const config = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
      const text = (config.text_config ?? {}) as Record<string, unknown>;
      const n = config.num_hidden_layers ?? text.num_hidden_layers;
      return typeof n === 'number' && n > 0 ? n : undefined;
    } catch {
      return undefined;
    }
  }
}
