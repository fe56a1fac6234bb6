/**
 * Probescope: Open Dataset from Hugging Face… — a Hub dataset id (owner/name or hf://datasets/owner/name); its
 * Parquet conversion's default config and train split are downloaded into the Hugging Face cache (cancellable
 * progress notification) and shown in the dataset panel, which has config/split pickers and the card's licence.
 */
import * as vscode from 'vscode';
import { Requests } from '../../protocol/worker';
import { describeProgress } from '../training/extractionProgress';
import { isCancellation, reportError } from '../workerErrors';
import type { HostCommand } from './hostCommand';

const HUB_DATASET = /^(?:hf:\/\/datasets\/)?([\w.-]+\/[\w.-]+)\/?$/;

export const openHubDatasetCommand: HostCommand = {
  id: 'probescope.openHubDataset',
  async run(ctx, arg) {
    const given = typeof arg === 'string' ? arg : undefined;
    const input =
      given ??
      (await vscode.window.showInputBox({
        title: 'Probescope: Hugging Face dataset',
        ignoreFocusOut: true,
        prompt: 'Dataset id (its Parquet conversion is downloaded into the Hugging Face cache)',
        placeHolder: 'stanfordnlp/imdb',
        validateInput: (v) => (HUB_DATASET.test(v.trim()) ? undefined : 'Enter a dataset id such as owner/name'),
      }));
    const repoId = input && HUB_DATASET.exec(input.trim())?.[1];
    if (!repoId) return;
    try {
      const info = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Downloading dataset ${repoId}`, cancellable: true },
        async (progress, token) => {
          const route = ctx.progress.listen({ onProgress: (e) => progress.report({ message: describeProgress(e) }) });
          try {
            return await ctx.worker.request(Requests.openHubDataset, { repoId, progressId: route.progressId }, token);
          } finally {
            route.dispose();
          }
        },
      );
      ctx.log.info(
        `Dataset ${repoId}: ${info.config}/${info.split}, ${info.files.length} Parquet file(s), licence ${info.license ?? 'not stated in the card'}`,
      );
      ctx.datasetPanel.open(info.dataPath, info);
    } catch (err) {
      if (!isCancellation(err)) reportError(ctx, `Opening dataset ${repoId} failed`, err);
    }
  },
};
