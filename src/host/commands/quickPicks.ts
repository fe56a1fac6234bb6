/**
 * The quick picks the training flows share. Each opens with the default (from settings) active, so Enter accepts
 * it; Escape cancels the whole flow (undefined).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { probeKindLabel } from '../../protocol/probeLabel';
import type { LayerSpec, OptimizerName, ProbeKind } from '../../protocol/types';
import { layerMeaning } from '../../core/model/layerSemantics';
import { DATASET_DIALOG_EXTENSIONS, datasetExtensionProblem } from './datasetCheck';
import { shardFolderChoices } from './shardFolderPicks';

export interface Step {
  title: string;
  step?: number;
  totalSteps?: number;
}

interface ValueItem<T> extends vscode.QuickPickItem {
  value: T;
}

export function pickOne<T>(
  items: ValueItem<T>[],
  activeIndex: number,
  s: Step & { placeholder?: string },
): Promise<T | undefined> {
  return new Promise((resolve) => {
    const qp = vscode.window.createQuickPick<ValueItem<T>>();
    qp.title = s.title;
    qp.step = s.step;
    qp.totalSteps = s.totalSteps;
    qp.placeholder = s.placeholder;
    qp.items = items;
    // A command run from the palette while a webview has focus: the palette hands focus back to the webview a moment
    // after our picker shows, and without this the picker would close on that blur and drop the command.
    qp.ignoreFocusOut = true;
    if (items[activeIndex]) qp.activeItems = [items[activeIndex]];
    let done = false;
    qp.onDidAccept(() => {
      done = true;
      resolve(qp.selectedItems[0]?.value ?? qp.activeItems[0]?.value);
      qp.dispose();
    });
    qp.onDidHide(() => {
      if (!done) resolve(undefined);
      qp.dispose();
    });
    qp.show();
  });
}

const DATASET_GLOB = '**/*.{jsonl,ndjson,csv,tsv,tab,parquet,pq,jsonl.gz,ndjson.gz,csv.gz,tsv.gz,tab.gz}';

/**
 * Workspace datasets plus "Browse…" (the dialog lists only dataset types); folders of Parquet shards come first, each
 * as one dataset (shardFolderPicks.ts). `check` (datasetCheck.ts) runs on the
 * chosen file before the flow goes on: a problem is shown and the list opens again, so a wrong file is caught at
 * this step, not after the remaining pickers.
 */
export async function pickDatasetFile(
  s: Step,
  check: (file: string) => Promise<string | undefined> = async (f) => datasetExtensionProblem(f),
): Promise<string | undefined> {
  const files = await vscode.workspace.findFiles(DATASET_GLOB, '**/{node_modules,.git,.probescope}/**', 500);
  files.sort((a, b) => a.fsPath.localeCompare(b.fsPath));
  const items: ValueItem<string | 'browse'>[] = files.map((f) => ({
    label: `$(file) ${path.basename(f.fsPath)}`,
    description: vscode.workspace.asRelativePath(path.dirname(f.fsPath)),
    value: f.fsPath,
  }));
  // A split in Parquet shards first, as one dataset (picking one shard would read a part of the split).
  items.unshift(
    ...shardFolderChoices(files.map((f) => f.fsPath)).map((c) => {
      // A folder at the workspace root: asRelativePath gives its parent back absolute; say nothing of where it is.
      const parent = path.dirname(c.folder);
      const rel = vscode.workspace.asRelativePath(parent);
      return {
        label: `$(folder) ${path.basename(c.folder)}${path.sep}`,
        description: `${rel === parent ? '' : `${rel} · `}${c.shards} Parquet shards, read as one dataset`,
        value: c.folder,
      };
    }),
  );
  items.push({
    label: '$(folder-opened) Browse…',
    description: 'a JSONL, JSON, CSV, TSV or Parquet file',
    value: 'browse',
  });
  for (;;) {
    const picked = await pickOne(items, 0, { ...s, placeholder: 'Dataset with a text field and a label field' });
    if (picked === undefined) return undefined;
    const file = picked === 'browse' ? await browseDataset() : picked;
    if (file === undefined) continue; // the dialog was dismissed: back to the list
    const problem = await check(file);
    if (!problem) return file;
    void vscode.window.showErrorMessage(`Probescope: ${problem}`);
  }
}

async function browseDataset(): Promise<string | undefined> {
  const uris = await vscode.window.showOpenDialog({
    canSelectMany: false,
    canSelectFolders: false,
    openLabel: 'Use Dataset',
    title: 'Choose a dataset (JSONL, JSON, CSV, TSV or Parquet)',
    filters: { 'Datasets (JSONL, JSON, CSV, TSV, Parquet; .gz)': DATASET_DIALOG_EXTENSIONS },
  });
  return uris?.[0]?.fsPath;
}

export function pickLayer(
  numLayers: number | undefined,
  current: LayerSpec,
  s: Step,
  withFinal = true,
): Promise<LayerSpec | undefined> {
  const n = numLayers ?? (typeof current === 'number' ? Math.max(current, 1) : 1);
  const items: ValueItem<LayerSpec>[] = [];
  // Each item says what the layer is and its name in TransformerLens, transformers and EleutherAI (layerSemantics.ts).
  const item = (l: LayerSpec): ValueItem<LayerSpec> => {
    const m = layerMeaning(l, n);
    return {
      label: l === 'final' ? 'final' : `Layer ${l}`,
      description: m.probescope,
      detail: `TransformerLens ${m.transformerLens} · HF ${m.huggingFace} · EleutherAI ${m.eleutherAI}`,
      value: l,
    };
  };
  for (let l = 0; l <= n; l++) items.push(item(l));
  if (withFinal) items.push(item('final'));
  const active = items.findIndex((i) => i.value === current);
  return pickOne(items, Math.max(0, active), {
    ...s,
    placeholder: `Residual stream layer: L = after decoder block L (HF hidden_states[L] for L < ${n}); final = after the final norm`,
  });
}

export interface ProbeShape {
  probe: ProbeKind;
  heads: number;
}

export function pickProbeKind(current: ProbeShape, s: Step): Promise<ProbeShape | undefined> {
  const heads = [...new Set([current.probe === 'attention' ? current.heads : 8, 1, 4, 8, 16])];
  const items: ValueItem<ProbeShape>[] = [
    ...heads.map((h) => ({
      label: probeKindLabel('attention', h),
      description: `learned attention over tokens, ${h} head${h === 1 ? '' : 's'}`,
      value: { probe: 'attention' as const, heads: h },
    })),
    { label: 'mean', description: 'linear probe on the mean token state', value: { probe: 'mean', heads: 1 } },
    { label: 'last', description: 'linear probe on the last token state', value: { probe: 'last', heads: 1 } },
  ];
  const active = items.findIndex(
    (i) => i.value.probe === current.probe && (current.probe !== 'attention' || i.value.heads === current.heads),
  );
  return pickOne(items, Math.max(0, active), { ...s, placeholder: 'Probe kind' });
}

export function pickOptimizer(current: OptimizerName | 'auto', s: Step): Promise<OptimizerName | 'auto' | undefined> {
  const items: ValueItem<OptimizerName | 'auto'>[] = [
    { label: 'auto', description: 'AdamW for attention probes, L-BFGS for mean/last', value: 'auto' },
    { label: 'adamw', description: 'AdamW (the reference uses lr 1e-4, ≤ 2000 steps)', value: 'adamw' },
    { label: 'lbfgs', description: 'L-BFGS with strong-Wolfe line search', value: 'lbfgs' },
  ];
  return pickOne(
    items,
    Math.max(
      0,
      items.findIndex((i) => i.value === current),
    ),
    { ...s, placeholder: 'Optimizer' },
  );
}

/** Which rows test the probe: the dataset's split column (when it has one), a random split, or another file. */
export type TestRowsChoice = { kind: 'random' } | { kind: 'field'; field: string } | { kind: 'file'; path: string };

export async function pickTestRows(
  opts: { splitField?: string; testSplit: number; seed: number },
  s: Step,
): Promise<TestRowsChoice | undefined> {
  const items: ValueItem<'random' | 'field' | 'file'>[] = [];
  if (opts.splitField)
    items.push({
      label: `$(split-horizontal) From column "${opts.splitField}"`,
      description: 'the split the dataset ships with (train / test / validation)',
      value: 'field',
    });
  items.push({
    label: `$(shuffle) Random split: ${Math.round(opts.testSplit * 100)} % test`,
    description: `stratified, seed ${opts.seed}`,
    value: 'random',
  });
  items.push({
    label: '$(file) Test on another file…',
    description: 'train on this dataset, test on that file',
    value: 'file',
  });
  const picked = await pickOne(items, 0, { ...s, placeholder: 'Test rows' });
  if (picked === undefined) return undefined;
  if (picked === 'field') return { kind: 'field', field: opts.splitField! };
  if (picked === 'random') return { kind: 'random' };
  const file = await pickDatasetFile({ ...s, title: `${s.title} File` });
  return file ? { kind: 'file', path: file } : undefined;
}
