/**
 * Retry for a run that a window reload interrupted: the training panel's saved state holds the run's configuration
 * (dataset, columns, split, layer(s), probe kind(s), optimizer); this re-runs it through the same command the user
 * ran, with every pick given, so nothing is asked again. The configuration came from the webview's state and was
 * validated field by field (parseTrainingPanelState); the model is the selected one, after the same Restricted Mode
 * check as any run, and the user is asked when it is not the model the interrupted run used.
 */
import * as vscode from 'vscode';
import type { TrainingPanelConfig } from '../../protocol/webview';
import type { HostContext } from '../hostContext';
import type { TrainArgs } from '../commands/trainArgs';
import { DEFAULT_TEST_SPLIT } from '../../core/probes/defaults';

export async function retryRestoredRun(ctx: HostContext, config: TrainingPanelConfig): Promise<void> {
  const current = ctx.model.current();
  if (current.id !== config.modelId) {
    const choice = await vscode.window.showWarningMessage(
      `The interrupted run used the model ${config.modelId}; the selected model is now ${current.id}.`,
      { modal: true },
      `Retry with ${current.id}`,
    );
    if (!choice) return;
  }
  const args: TrainArgs = {
    dataPath: config.dataPath,
    textField: config.textField,
    labelField: config.labelField,
    // The split the run used: a given one, else the random split with its fraction (the default when none was set).
    splitField: config.splitField,
    testDataPath: config.testDataPath,
    testSplit: config.splitField || config.testDataPath ? undefined : (config.testSplit ?? DEFAULT_TEST_SPLIT),
    seed: config.seed,
  };
  ctx.log.info(`Training: retrying the run interrupted by the window reload (${config.mode}, ${config.dataPath}).`);
  if (config.mode === 'train') {
    Object.assign(args, {
      layer: config.layer,
      probe: config.probe,
      heads: config.heads,
      optimizer: config.optimizer ?? 'auto',
    });
    await vscode.commands.executeCommand('probescope.trainProbe', args);
  } else {
    Object.assign(args, { layers: config.layers, kinds: config.kinds });
    await vscode.commands.executeCommand('probescope.layerSweep', args);
  }
}
