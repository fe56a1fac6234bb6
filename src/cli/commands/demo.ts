import * as path from 'node:path';
import type { CliCommand } from '../command';
import { bundledModelDir } from '../../core/model';
import { trainProbeRun } from '../../core/probes';
import { num, packageRoot, str } from './args';
import { trainSummary } from './train';

export const DEMO_LAYER = 3;

export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'Train an 8-head attention probe and a mean probe on the bundled example with the bundled tiny model.',
  usage: 'probescope demo [--out DIR] [--seed N]',
  options: {
    out: { type: 'string', description: 'Where the two probes go (default: ./.probescope/demo)', valueName: 'DIR' },
    seed: { type: 'string', description: 'Seed (default 0)', valueName: 'N' },
  },
  async run(values, ctx) {
    const out = path.resolve(str(values, 'out') ?? path.join('.probescope', 'demo'));
    const common = {
      modelDir: bundledModelDir(),
      dataPath: path.join(packageRoot(), 'examples', 'span-sentiment.jsonl'),
      layer: DEMO_LAYER,
      seed: num(values, 'seed', { integer: true }),
      cacheDir: path.join(out, 'cache'),
      // The demo's own probe folders: a second run replaces the probes of the first (never other contents).
      force: true,
    };
    const hooks = { onProgress: ctx.progress, onStep: ctx.step, onLog: ctx.log, signal: ctx.signal };
    ctx.log('Training an 8-head attention probe…');
    const attention = await trainProbeRun(
      { ...common, probe: 'attention', heads: 8, outDir: path.join(out, 'attention') },
      hooks,
    );
    ctx.log('Training a mean probe…');
    const mean = await trainProbeRun({ ...common, probe: 'mean', outDir: path.join(out, 'mean') }, hooks);
    return { attention: trainSummary(attention), mean: trainSummary(mean) };
  },
};
