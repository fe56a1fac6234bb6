/** `--data hf://datasets/owner/name [--config C] [--split S]` for the commands that read a dataset. */
import type { CliContext, CliOption } from '../command';
import { ProbescopeError } from '../../core/errors';
import { openHubDataset, parseHfDatasetUri } from '../../core/hub/hubDataset';
import { required, str } from './args';

type Values = Record<string, string | boolean | undefined>;

export const hubDataOptions: Record<string, CliOption> = {
  config: {
    type: 'string',
    description: 'With --data hf://datasets/…: the config (default: "default")',
    valueName: 'C',
  },
  split: { type: 'string', description: 'With --data hf://datasets/…: the split (default: train)', valueName: 'S' },
};

export const chatOption: Record<string, CliOption> = {
  chat: {
    type: 'string',
    description:
      "Format text with the model's chat template: messages (a [{role, content}] column), user, or user,model (--text-field prompt,response)",
    valueName: 'ROLES',
  },
};

/**
 * The local file for --data: the path as given, or for hf://datasets/owner/name the split's Parquet file downloaded
 * into the Hugging Face cache (its one file, or a folder of its shards, read as one table in shard order). Logs the licence of the dataset card.
 */
export async function resolveDataArg(values: Values, ctx: CliContext): Promise<string> {
  const data = required(values, 'data');
  const repoId = parseHfDatasetUri(data);
  if (!repoId) {
    if (str(values, 'config') !== undefined || str(values, 'split') !== undefined)
      throw new ProbescopeError('BAD_ARGUMENT', '--config and --split go with --data hf://datasets/owner/name.');
    return data;
  }
  const ds = await openHubDataset(
    { repoId, config: str(values, 'config'), split: str(values, 'split') },
    { onProgress: ctx.progress, onLog: ctx.log, signal: ctx.signal },
  );
  ctx.log(
    `${repoId}: config ${ds.config}, split ${ds.split}${ds.license ? `, licence ${ds.license}` : ', no licence in the dataset card'}`,
  );
  if (ds.files.length > 1)
    ctx.log(`${repoId} ${ds.config}/${ds.split}: ${ds.files.length} Parquet shards, read as one table`);
  return ds.dataPath;
}
