/**
 * Where a settings change is written, decided without `vscode` (unit-tested): the value in effect must become
 * `value`, and Probescope never creates workspace settings (`.vscode/settings.json`) to hold a default value.
 *
 * - A non-default value goes where the value in effect comes from: the workspace when it already has one (and
 *   workspace values count: not for restricted settings in Restricted Mode), else the user settings when they
 *   have one, else the workspace when a folder is open, else the user settings.
 * - The default value is written by removing values: the workspace's (when the user value behind it is unset or the
 *   default too; otherwise the workspace pins the default over the user's value), else the user's. Nothing set
 *   anywhere: nothing is written.
 */
import { isDeepStrictEqual } from 'node:util';

export interface SettingValues {
  defaultValue?: unknown;
  globalValue?: unknown;
  workspaceValue?: unknown;
}

export interface SettingWrite {
  target: 'workspace' | 'global';
  /** undefined: remove the value from that target. */
  value: unknown;
}

export function planSettingWrites(
  info: SettingValues | undefined,
  value: unknown,
  opts: { workspaceCounts: boolean; hasFolder: boolean },
): SettingWrite[] {
  const workspaceValue = opts.workspaceCounts ? info?.workspaceValue : undefined;
  const isDefault = info !== undefined && isDeepStrictEqual(value, info.defaultValue);
  if (!isDefault) {
    const toWorkspace =
      opts.workspaceCounts && (workspaceValue !== undefined || (info?.globalValue === undefined && opts.hasFolder));
    return [{ target: toWorkspace ? 'workspace' : 'global', value }];
  }
  if (workspaceValue !== undefined) {
    const userIsDefault = info.globalValue === undefined || isDeepStrictEqual(info.globalValue, info.defaultValue);
    return [{ target: 'workspace', value: userIsDefault ? undefined : value }];
  }
  if (info.globalValue !== undefined) return [{ target: 'global', value: undefined }];
  return [];
}
