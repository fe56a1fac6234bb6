/**
 * `probescope cache merge DIR… --out DIR`: joins the slices written by `activations --shard I/N` (one per cluster
 * worker) into one cache, byte-identical to a single run's (src/core/activations/cacheMerge.ts). Prints
 * {"ok":true,"caches":[{"dir","key","slices","shards","examples","tokens","bytes","copiedShards"}]}.
 */
import { resolve } from 'node:path';
import type { CliCommand } from '../command';
import { mergeCacheSlices } from '../../core/activations/cacheMerge';
import { ProbescopeError } from '../../core/errors';
import { str } from './args';

export const cacheMergeCommand: CliCommand = {
  name: 'cache merge',
  summary: 'Join the slices of `activations --shard I/N` runs into one activation cache.',
  usage: 'probescope cache merge DIR… --out DIR',
  allowPositionals: true,
  options: {
    out: {
      type: 'string',
      description: 'Cache folder for the merged cache (may be one of the inputs: then nothing is copied)',
      valueName: 'DIR',
    },
  },
  async run(values, ctx, positionals = []) {
    const out = str(values, 'out');
    if (!out) throw new ProbescopeError('BAD_ARGUMENT', 'cache merge needs --out DIR (the merged cache folder).');
    if (positionals.length === 0)
      throw new ProbescopeError('BAD_ARGUMENT', 'cache merge needs the cache folders of the slices (DIR…).');
    const caches = await mergeCacheSlices(positionals, resolve(out), {
      onLog: ctx.log,
      onProgress: (done, total) => ctx.progress({ phase: 'merge', done, total }),
      signal: ctx.signal,
    });
    return { ok: true, caches };
  },
};
