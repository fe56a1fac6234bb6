import { join } from 'node:path';
import { resolveModelFolder } from '../src/core/model';
import { readDataset, sortedClasses } from '../src/core/data';
import { buildActivations, examplesFrom } from '../src/core/probes/probeData';
import { trainLbfgs } from '../src/core/probes/trainingLoop';
import { ProbeComputer, initProbeParams, createRng } from '../src/core/probes';
(async () => {
  const folder = await resolveModelFolder('models/tiny-gemma2');
  const ds = await readDataset('examples/span-sentiment.jsonl');
  const classes = sortedClasses(ds.labels);
  const labels = ds.labels.map((l) => classes.indexOf(l));
  const layer = +process.argv[2];
  const cache = await buildActivations(folder, [layer], ds.texts, { cacheDir: '/tmp/pc9b', executionProvider: 'cpu' }, {});
  const rows = ds.texts.map((_, i) => i);
  const comp = await ProbeComputer.create({ H: 1, C: 1, D: 64 }, { executionProvider: 'cpu' });
  for (const f of [1, 2e5]) {
    const ex = examplesFrom(cache, layer, 'mean', rows, labels).map((e) => ({ ...e, x: e.x.map((v) => v * f) }));
    const r = await trainLbfgs(comp, initProbeParams(1, 1, 64, createRng(0)), { train: ex, val: [] }, { maxIter: 2000, weightDecay: 0 }, { onLog: (m) => console.log(m.slice(0,200)) });
    console.log(layer, f, r.steps);
  }
})();
