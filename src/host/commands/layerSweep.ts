/**
 * Probescope: Layer Sweep — trains probes of the chosen kinds at every chosen layer on one dataset and plots test
 * accuracy by layer (one line per kind) in the training panel.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LayerSpec, LayerSweepParams, ProbeKind } from '../../protocol/types';
import { ModelSelection } from '../model/modelSelection';
import { newProbeFolderName, probeKindLabel } from '../tree/probeFolder';
import type { HostCommand } from './hostCommand';
import { chatTextFieldFor } from './chatColumnPick';
import { datasetChecker } from './datasetCheck';
import { pickDatasetFile } from './quickPicks';
import { parseTrainArgs } from './trainArgs';

const TITLE = 'Probescope: Layer Sweep';

export const layerSweepCommand: HostCommand = {
  id: 'probescope.layerSweep',
  async run(ctx, arg) {
    const args = parseTrainArgs(arg);
    const s = ctx.settings();
    const model = await ctx.model.forUse();
    if (!model) return;
    const dataPath =
      args.dataPath ??
      ctx.datasetPanel.current?.path ??
      (await pickDatasetFile({ title: `${TITLE}: Dataset`, step: 1, totalSteps: 3 }, datasetChecker(ctx)));
    if (!dataPath) return;
    const n = (await ModelSelection.numLayers(model.dir)) ?? (typeof s.layer === 'number' ? s.layer : 1);
    const layerItems = Array.from({ length: n + 1 }, (_, l) => ({
      label: `Layer ${l}`,
      value: l as LayerSpec,
      picked: true,
    }));
    const layers =
      args.layers?.map((value) => ({ value })) ??
      (await vscode.window.showQuickPick(layerItems, {
        title: `${TITLE}: Layers (2/3)`,
        canPickMany: true,
        ignoreFocusOut: true,
        placeHolder: 'Layers to sweep (all by default; Enter accepts)',
      }));
    if (!layers?.length) return;
    const kindItems: { label: string; value: { probe: ProbeKind; heads?: number }; picked: boolean }[] = [
      { label: probeKindLabel('attention', s.heads), value: { probe: 'attention', heads: s.heads }, picked: true },
      { label: 'mean', value: { probe: 'mean' }, picked: true },
      { label: 'last', value: { probe: 'last' }, picked: true },
    ];
    const kinds =
      args.kinds?.map((value) => ({ value })) ??
      (await vscode.window.showQuickPick(kindItems, {
        title: `${TITLE}: Probe Kinds (3/3)`,
        canPickMany: true,
        ignoreFocusOut: true,
        placeHolder: 'Probe kinds (one accuracy line each)',
      }));
    if (!kinds?.length) return;
    const fromPanel = ctx.datasetPanel.current?.path === dataPath ? ctx.datasetPanel.current : undefined;
    const labelField = args.labelField ?? fromPanel?.labelField;
    // chatFormat user,model: the reply column is picked here, the worker gets textField "user,reply".
    const text = await chatTextFieldFor(
      ctx,
      s.chatFormat,
      dataPath,
      { textField: args.textField ?? fromPanel?.textField, labelField },
      { title: `${TITLE}: Model Reply Column` },
    );
    if (!text) return;
    const params: LayerSweepParams = {
      modelDir: model.dir,
      dataPath,
      textField: text.textField,
      labelField,
      layers: layers.map((l) => l.value),
      kinds: kinds.map((k) => k.value),
      lr: s.learningRate,
      steps: s.steps,
      preset: s.preset,
      // The dataset's own split column, when it has one, replaces the random split.
      splitField: args.splitField ?? fromPanel?.splitField,
      testDataPath: args.testDataPath,
      testSplit:
        (args.splitField ?? fromPanel?.splitField ?? args.testDataPath)
          ? undefined
          : (args.testSplit ?? fromPanel?.split.testSplit),
      seed: args.seed ?? fromPanel?.split.seed,
      // Sweep probes are intermediate results: they go to the cache, not the Probes view.
      outDir: path.join(s.cacheFolder, 'sweeps', newProbeFolderName('sweep', 'all', dataPath)),
      executionProvider: s.executionProvider,
      cacheDir: s.cacheFolder,
      maxLength: s.maxLength,
      chat: s.chatFormat,
      memoryBudget: s.memoryBudget,
      cacheDtype: s.cacheDtype,
    };
    await ctx.trainingPanel.start({
      mode: 'sweep',
      params,
      config: {
        mode: 'sweep',
        modelId: model.id,
        dataPath,
        textField: params.textField,
        labelField: params.labelField,
        layers: params.layers,
        kinds: params.kinds,
        testSplit: params.testSplit,
        seed: params.seed,
        splitField: params.splitField,
        testDataPath: params.testDataPath,
      },
    });
  },
};
