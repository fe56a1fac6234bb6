/**
 * Probescope: Train Probe — dataset (the open dataset panel's, else a pick) → layer → probe kind/heads →
 * optimizer → test rows (the dataset's split column when it has one, a random split, or another file), each
 * defaulting from settings, then a run in the training panel. The probe is saved under the probes
 * folder and becomes the active probe.
 */
import * as path from 'node:path';
import type { TrainProbeParams } from '../../protocol/types';
import type { HostContext } from '../hostContext';
import { ModelSelection } from '../model/modelSelection';
import { newProbeFolderName } from '../tree/probeFolder';
import type { HostCommand } from './hostCommand';
import { chatTextFieldFor } from './chatColumnPick';
import { datasetChecker } from './datasetCheck';
import { pickDatasetFile, pickLayer, pickOptimizer, pickProbeKind, pickTestRows } from './quickPicks';
import { parseTrainArgs, type TrainArgs } from './trainArgs';

const TITLE = 'Probescope: Train Probe';

export const trainProbeCommand: HostCommand = {
  id: 'probescope.trainProbe',
  async run(ctx, arg) {
    const args = parseTrainArgs(arg);
    const params = await collectTrainParams(ctx, args);
    if (!params) return;
    await ctx.trainingPanel.start({
      mode: 'train',
      params,
      config: {
        mode: 'train',
        modelId: ctx.model.current().id,
        dataPath: params.dataPath,
        textField: params.textField,
        labelField: params.labelField,
        layer: params.layer,
        probe: params.probe,
        heads: params.heads ?? 1,
        optimizer: params.optimizer,
        steps: params.steps,
        lr: params.lr,
        testSplit: params.testSplit,
        seed: params.seed,
        splitField: params.splitField,
        testDataPath: params.testDataPath,
      },
    });
  },
};

async function collectTrainParams(ctx: HostContext, args: TrainArgs): Promise<TrainProbeParams | undefined> {
  const s = ctx.settings();
  const model = await ctx.model.forUse();
  if (!model) return undefined;
  const panelDataset = ctx.datasetPanel.current;
  const totalSteps = 5;
  const dataPath =
    args.dataPath ??
    panelDataset?.path ??
    (await pickDatasetFile({ title: `${TITLE}: Dataset`, step: 1, totalSteps }, datasetChecker(ctx)));
  if (!dataPath) return undefined;
  const fromPanel = panelDataset && panelDataset.path === dataPath ? panelDataset : undefined;
  const layer =
    args.layer ??
    (await pickLayer(await ModelSelection.numLayers(model.dir), s.layer, {
      title: `${TITLE}: Layer`,
      step: 2,
      totalSteps,
    }));
  if (layer === undefined) return undefined;
  const shape =
    args.probe !== undefined
      ? { probe: args.probe, heads: args.heads ?? s.heads }
      : await pickProbeKind(
          { probe: s.probeKind, heads: s.heads },
          { title: `${TITLE}: Probe Kind`, step: 3, totalSteps },
        );
  if (!shape) return undefined;
  const optimizer =
    args.optimizer ?? (await pickOptimizer(s.optimizer, { title: `${TITLE}: Optimizer`, step: 4, totalSteps }));
  if (!optimizer) return undefined;
  const testSplit = args.testSplit ?? fromPanel?.split.testSplit;
  const seed = args.seed ?? fromPanel?.split.seed;
  const given = args.splitField ?? args.testDataPath;
  // A split given as arguments (a Retry, or a caller that names it) is used as is; only an interactive run asks.
  const testRows = given
    ? args.splitField
      ? { kind: 'field' as const, field: args.splitField }
      : { kind: 'file' as const, path: args.testDataPath! }
    : args.testSplit !== undefined
      ? { kind: 'random' as const }
      : await pickTestRows(
          { splitField: fromPanel?.splitField, testSplit: testSplit ?? 0.25, seed: seed ?? 0 },
          { title: `${TITLE}: Test Rows`, step: 5, totalSteps },
        );
  if (!testRows) return undefined;
  const labelField = args.labelField ?? fromPanel?.labelField;
  // chatFormat user,model: the reply column is picked here, the worker gets textField "user,reply".
  const text = await chatTextFieldFor(
    ctx,
    s.chatFormat,
    dataPath,
    { textField: args.textField ?? fromPanel?.textField, labelField },
    { title: `${TITLE}: Model Reply Column` },
  );
  if (!text) return undefined;
  return {
    modelDir: model.dir,
    dataPath,
    textField: text.textField,
    labelField,
    layer,
    probe: shape.probe,
    heads: shape.probe === 'attention' ? shape.heads : undefined,
    optimizer: optimizer === 'auto' ? undefined : optimizer,
    lr: s.learningRate,
    steps: s.steps,
    preset: s.preset,
    // A given split replaces the random one (the engine refuses both at once).
    testSplit: testRows.kind === 'random' ? testSplit : undefined,
    splitField: testRows.kind === 'field' ? testRows.field : undefined,
    testDataPath: testRows.kind === 'file' ? testRows.path : undefined,
    seed,
    outDir: path.join(s.probesFolder, newProbeFolderName(shape.probe, layer, dataPath)),
    executionProvider: s.executionProvider,
    cacheDir: s.cacheFolder,
    maxLength: s.maxLength,
    chat: s.chatFormat,
    memoryBudget: s.memoryBudget,
    cacheDtype: s.cacheDtype,
  };
}
