/**
 * `probescope.*` settings, read fresh on each use (VS Code caches configuration) and resolved to absolute paths:
 * empty modelFolder = the bundled tiny model, empty cacheFolder = global storage, relative probesFolder = under the
 * first workspace folder.
 */
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import * as vscode from 'vscode';
import type { ExecutionProviderSetting, LayerSpec, OptimizerName, ProbeKind } from '../protocol/types';
import type { HeadSelection } from '../protocol/webview';
import { type ChatFormat, chatFormatOf } from './commands/chatFields';
import { parseHeadSelection } from './overlay/tokenWeights';
import { planSettingWrites } from './settingWrites';

export interface ProbescopeSettings {
  /** '' when the bundled model is selected. */
  modelFolder: string;
  modelId: string;
  layer: LayerSpec;
  probeKind: ProbeKind;
  heads: number;
  optimizer: OptimizerName | 'auto';
  learningRate?: number;
  steps?: number;
  preset: 'fast' | 'reference';
  executionProvider: ExecutionProviderSetting;
  cacheFolder: string;
  probesFolder: string;
  maxLength: number;
  attentionHeads: HeadSelection;
  /**
   * Chat template formatting for training and sweeps: undefined (text as is), 'user', 'user,model' (two text columns,
   * picked in the flow: chatColumnPick.ts) or 'messages' (TrainProbeParams.chat).
   */
  chatFormat?: ChatFormat;
  /** Bytes of examples training holds in memory before streaming from disk; undefined = from free memory. */
  memoryBudget?: number;
  /** 'float32' keeps cached token states in full precision; undefined = the default (float16 token caches). */
  cacheDtype?: 'float32';
}

const SECTION = 'probescope';

export function readSettings(context: vscode.ExtensionContext): ProbescopeSettings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const num = (key: string): number | undefined => {
    const v = c.get<number | null>(key);
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  };
  const layer = c.get<number | string>('layer', 3);
  return {
    modelFolder: c.get<string>('modelFolder', '').trim(),
    modelId: c.get<string>('modelId', '').trim(),
    layer: layer === 'final' ? 'final' : Math.max(0, Math.floor(Number(layer) || 0)),
    probeKind: oneOf(c.get('probeKind'), ['attention', 'mean', 'last'] as const, 'attention'),
    heads: Math.max(1, Math.floor(num('heads') ?? 8)),
    optimizer: oneOf(c.get('optimizer'), ['auto', 'adamw', 'lbfgs'] as const, 'auto'),
    learningRate: num('learningRate'),
    steps: num('steps'),
    preset: oneOf(c.get('preset'), ['fast', 'reference'] as const, 'fast'),
    executionProvider: oneOf(c.get('executionProvider'), ['auto', 'cpu', 'webgpu', 'cuda'] as const, 'auto'),
    cacheFolder: resolveCacheFolder(c.get<string>('cacheFolder', ''), context),
    probesFolder: resolveProbesFolder(c.get<string>('probesFolder', '.probescope/probes'), context),
    maxLength: Math.max(8, Math.floor(num('maxLength') ?? 512)),
    attentionHeads: parseHeadSelection(c.get<string | number>('attentionHeads', 'sum')),
    chatFormat: chatFormatOf(c.get('chatFormat')),
    memoryBudget: (num('memoryBudgetMB') ?? 0) > 0 ? Math.round(num('memoryBudgetMB')! * 1e6) : undefined,
    // 'float16' (the default) is passed as undefined: the engine's default, which keeps an overflowing shard in float32.
    cacheDtype: c.get('cacheDtype') === 'float32' ? 'float32' : undefined,
  };
}

/** package.json capabilities.untrustedWorkspaces.restrictedConfigurations: Restricted Mode ignores their workspace values. */
const RESTRICTED = new Set(['modelFolder', 'cacheFolder']);

/** Changes a setting so that `value` is in effect, without writing defaults into the workspace (settingWrites.ts). */
export async function updateSetting(key: string, value: unknown): Promise<void> {
  const c = vscode.workspace.getConfiguration(SECTION);
  const writes = planSettingWrites(c.inspect(key), value, {
    workspaceCounts: vscode.workspace.isTrusted || !RESTRICTED.has(key),
    hasFolder: hasFolder(),
  });
  for (const w of writes) {
    const target = w.target === 'workspace' ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await c.update(key, w.value, target);
  }
  // Removing a user value is not always enough: in a remote window (code-server, SSH) a machine-overridable setting
  // may come from the local user settings, which the extension's Global target does not reach. Then write the value
  // itself to the user settings, which take effect (never to the workspace).
  if (!isDeepStrictEqual(vscode.workspace.getConfiguration(SECTION).get(key), value)) {
    await c.update(key, value, vscode.ConfigurationTarget.Global);
  }
}

function hasFolder(): boolean {
  return (vscode.workspace.workspaceFolders?.length ?? 0) > 0;
}

export function bundledModelDir(context: vscode.ExtensionContext): string {
  return context.asAbsolutePath(path.join('models', 'tiny-gemma2'));
}

function resolveCacheFolder(setting: string, context: vscode.ExtensionContext): string {
  const folder = setting.trim();
  if (!folder) return path.join(context.globalStorageUri.fsPath, 'cache');
  return path.resolve(expandHome(folder));
}

function resolveProbesFolder(setting: string, context: vscode.ExtensionContext): string {
  const folder = expandHome(setting.trim() || '.probescope/probes');
  if (path.isAbsolute(folder)) return folder;
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  // Without a workspace, probes go to global storage rather than the process's cwd.
  return path.join(root ?? path.join(context.globalStorageUri.fsPath, 'probes-no-workspace'), folder);
}

function expandHome(p: string): string {
  return p.startsWith('~/') ? path.join(process.env.HOME ?? '~', p.slice(2)) : p;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback;
}
