import type { CliCommand } from '../command';
import { compareProbes } from '../../core/evaluation/compareProbes';
import { comparisonCsv, comparisonMarkdown } from '../../core/evaluation/comparisonTable';
import { writeFileAtomic } from '../../core/model/tappedModel';
import { ProbescopeError } from '../../core/errors';
import { required, str } from './args';
import { savedProbeDataOptions, savedProbeDataParams } from './datasetOptions';

/** `probescope compare`: --probes takes the first folder; the further folders follow as bare arguments (or commas). */
export const compareCommand: CliCommand = {
  name: 'compare',
  summary: 'Evaluate several probes on one dataset: one table with 95 % intervals and paired bootstrap tests.',
  usage:
    'probescope compare --probes DIR DIR… --data FILE [--csv FILE] [--markdown FILE] [--model DIR] [--text-field NAME] [--label-field NAME] [--encoding NAME] [--delimiter CHAR] [--quote|--no-quote]',
  options: {
    probes: {
      type: 'string',
      description: 'Probe folders (two or more), space- or comma-separated',
      valueName: 'DIR…',
    },
    data: {
      type: 'string',
      description: 'Dataset (.jsonl, .csv, .parquet, or a folder of Parquet shards)',
      valueName: 'FILE',
    },
    csv: { type: 'string', description: 'Also write the table as CSV here', valueName: 'FILE' },
    markdown: {
      type: 'string',
      description: 'Also write the table and the paired tests as Markdown here',
      valueName: 'FILE',
    },
    model: {
      type: 'string',
      description: 'Model folder (default: the one recorded in each probe.json)',
      valueName: 'DIR',
    },
    ...savedProbeDataOptions,
  },
  allowPositionals: true,
  async run(values, ctx, positionals = []) {
    const first = required(values, 'probes');
    const probeDirs = [...first.split(','), ...positionals].map((s) => s.trim()).filter((s) => s !== '');
    if (probeDirs.length < 2)
      throw new ProbescopeError('BAD_ARGUMENT', `--probes needs at least two probe folders (got ${probeDirs.length}).`);
    const c = await compareProbes(
      {
        probeDirs,
        ...(await savedProbeDataParams(values, ctx)),
      },
      { onProgress: ctx.progress, onLog: ctx.log, signal: ctx.signal },
    );
    const csv = str(values, 'csv');
    const md = str(values, 'markdown');
    if (csv) await writeFileAtomic(csv, comparisonCsv(c));
    if (md) await writeFileAtomic(md, comparisonMarkdown(c));
    return { ...c, ...(csv ? { csv } : {}), ...(md ? { markdown: md } : {}) };
  },
};
