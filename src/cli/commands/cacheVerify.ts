/**
 * `probescope cache verify`: the full integrity check of every activation cache under a cache folder (each shard read
 * through and its sha256 compared, the index checked for shape). Damaged shards are extracted again by the next run
 * that needs them; this command only reports. Prints {"ok":…,"caches":[{"dir","ok","examples","shards","bytes","problems"}]}.
 */
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CliCommand } from '../command';
import { verifyCacheFolder } from '../../core/activations/cacheIntegrity';
import { ProbescopeError } from '../../core/errors';
import { str } from './args';

export const cacheVerifyCommand: CliCommand = {
  name: 'cache verify',
  summary: 'Check every activation cache in a cache folder: each shard against its sha256, each index for shape.',
  usage: 'probescope cache verify [--cache-dir DIR]',
  options: {
    'cache-dir': {
      type: 'string',
      description: 'The cache folder given to train/activations (default: OS temp probescope-cache)',
      valueName: 'DIR',
    },
  },
  async run(values, ctx) {
    const cacheDir = resolve(str(values, 'cache-dir') ?? join(tmpdir(), 'probescope-cache'));
    const root = join(cacheDir, 'activations');
    const subs = await readdir(root).catch(() => undefined);
    if (!subs) throw new ProbescopeError('BAD_ARGUMENT', `${cacheDir} holds no activation caches (no ${root} folder).`);
    const caches = [];
    for (const [i, sub] of subs.sort().entries()) {
      ctx.progress({ phase: 'verify', done: i, total: subs.length, message: sub });
      const report = await verifyCacheFolder(join(root, sub));
      if (!report.ok) ctx.log(`${report.dir}: ${report.problems.join('; ')}`);
      caches.push(report);
    }
    ctx.progress({ phase: 'verify', done: subs.length, total: subs.length });
    return { ok: caches.every((c) => c.ok), caches };
  },
};
