/**
 * Probescope: Select Model — the bundled tiny model, a local folder, or a Hugging Face id (downloaded with a
 * cancellable progress notification). The choice is checked by loading it in the worker.
 */
import * as vscode from 'vscode';
import { Requests } from '../../protocol/worker';
import type { HostContext } from '../hostContext';
import { checkModelTrust } from '../model/workspaceTrust';
import { describeProgress } from '../training/extractionProgress';
import { isCancellation, reportError } from '../workerErrors';
import type { HostCommand } from './hostCommand';

type Source = 'bundled' | 'folder' | 'hub' | 'layer';
const HUB_ID = /^[\w.-]+\/[\w.-]+$/;

export const selectModelCommand: HostCommand = {
  id: 'probescope.selectModel',
  async run(ctx) {
    const current = ctx.model.current();
    const items: (vscode.QuickPickItem & { value: Source })[] = [
      { label: '$(package) Bundled tiny model', description: 'tiny-gemma2, for trying things out', value: 'bundled' },
      { label: '$(folder) Model folder…', description: 'config.json, tokenizer.json, model.onnx', value: 'folder' },
      {
        label: '$(cloud-download) Hugging Face model…',
        description: 'e.g. onnx-community/gemma-3-270m-it-ONNX',
        value: 'hub',
      },
      { label: '$(layers) Layer…', description: `current: layer ${current.layer}`, value: 'layer' },
    ];
    const picked = await vscode.window.showQuickPick(items, {
      title: 'Probescope: Select Model',
      ignoreFocusOut: true,
      placeHolder: `Current: ${current.id} (${current.dir})`,
    });
    if (!picked) return;
    if (picked.value === 'layer') {
      await vscode.commands.executeCommand('probescope.selectLayer');
      return;
    }
    if (picked.value === 'bundled') await ctx.model.select({ folder: '', modelId: '' });
    else if (picked.value === 'folder') {
      if (!(await pickFolder(ctx))) return;
    } else if (!(await downloadFromHub(ctx))) return;
    await verify(ctx);
  },
};

async function pickFolder(ctx: HostContext): Promise<boolean> {
  const uris = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    openLabel: 'Use Model',
  });
  const dir = uris?.[0]?.fsPath;
  if (!dir) return false;
  const verdict = await checkModelTrust(dir);
  if (verdict === 'refused') return false;
  await ctx.model.select(verdict === 'bundled' ? { folder: '', modelId: '' } : { folder: dir, modelId: '' });
  return true;
}

async function downloadFromHub(ctx: HostContext): Promise<boolean> {
  const repoId = await vscode.window.showInputBox({
    title: 'Probescope: Hugging Face model',
    ignoreFocusOut: true,
    prompt: 'Repo id of an ONNX Gemma export',
    placeHolder: 'onnx-community/gemma-3-270m-it-ONNX',
    value: ctx.settings().modelId,
    validateInput: (v) => (HUB_ID.test(v.trim()) ? undefined : 'Enter a repo id such as owner/name'),
  });
  if (!repoId) return false;
  const onnxFile = await pickVariant(ctx, repoId.trim());
  if (onnxFile === null) return false;
  try {
    const { modelDir } = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Downloading ${repoId.trim()}`, cancellable: true },
      async (progress, token) => {
        let last = 0;
        const route = ctx.progress.listen({
          onProgress: (e) => {
            const increment = e.total > 0 ? ((e.done - last) / e.total) * 100 : undefined;
            last = e.done;
            progress.report({ message: describeProgress(e), increment });
          },
        });
        try {
          return await ctx.worker.request(
            Requests.downloadModel,
            { repoId: repoId.trim(), onnxFile, progressId: route.progressId },
            token,
          );
        } finally {
          route.dispose();
        }
      },
    );
    await ctx.model.select({ folder: modelDir, modelId: repoId.trim() });
    return true;
  } catch (err) {
    if (!isCancellation(err)) reportError(ctx, `Downloading ${repoId.trim()} failed`, err);
    return false;
  }
}

/**
 * The repo's ONNX variants with download sizes, the cached one marked and the one that fits this machine first.
 * Returns the chosen .onnx path, undefined when the repo has a single variant (nothing to choose), null when the
 * user cancelled or the listing failed (the error is shown).
 */
async function pickVariant(ctx: HostContext, repoId: string): Promise<string | undefined | null> {
  let list;
  try {
    list = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Listing ONNX variants of ${repoId}`,
        cancellable: true,
      },
      (_, token) => ctx.worker.request(Requests.listModelVariants, { repoId }, token),
    );
  } catch (err) {
    if (!isCancellation(err)) reportError(ctx, `Listing ${repoId} failed`, err);
    return null;
  }
  if (list.variants.length <= 1) return undefined;
  const gb = (b: number): string => (b >= 1e9 ? `${(b / 1e9).toFixed(1)} GB` : `${(b / 1e6).toFixed(0)} MB`);
  const items = list.variants.map((v) => ({
    label: `${v.cached ? '$(check) ' : ''}${v.name}`,
    description: [
      gb(v.bytes),
      v.cached ? 'in the cache' : undefined,
      v.onnxFile === list.recommended ? 'recommended for this machine' : undefined,
      v.fits ? undefined : `needs more memory than this machine's ${gb(list.memoryBytes)}`,
    ]
      .filter(Boolean)
      .join(' · '),
    detail: v.onnxFile,
    onnxFile: v.onnxFile,
  }));
  // The recommended variant first, so Enter takes it.
  items.sort((a, b) => Number(b.onnxFile === list.recommended) - Number(a.onnxFile === list.recommended));
  const picked = await vscode.window.showQuickPick(items, {
    title: `Probescope: ONNX variant of ${repoId}`,
    placeHolder: 'fp32 matches transformers best; q4/int8 need far less memory',
    ignoreFocusOut: true,
  });
  return picked ? picked.onnxFile : null;
}

/** Loads the selected model once so problems show now, not at the first classification. */
async function verify(ctx: HostContext): Promise<void> {
  const m = await ctx.model.forUse();
  if (!m) return;
  try {
    const summary = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `Probescope: loading ${m.id}` },
      () =>
        ctx.worker.request(Requests.loadModel, {
          modelDir: m.dir,
          executionProvider: ctx.settings().executionProvider,
        }),
    );
    ctx.log.info(
      `Model ${summary.id}: ${summary.architecture}, ${summary.numLayers} layers, d_model ${summary.hiddenSize}, ${summary.executionProvider}`,
    );
    if (summary.notice) void vscode.window.showInformationMessage(`Probescope: ${summary.notice}`);
    const layer = ctx.settings().layer;
    if (typeof layer === 'number' && layer > summary.numLayers) await ctx.model.setLayer(summary.numLayers);
  } catch (err) {
    reportError(ctx, `Model ${m.id} could not be loaded`, err);
  }
}
