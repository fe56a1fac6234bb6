import { trainProbeRun } from '../src/core/probes';
(async () => {
  for (const layer of [1, 2, 3, 4]) for (const preset of ['fast', 'reference'] as const) {
    const r = await trainProbeRun({ modelDir: 'models/tiny-gemma2', dataPath: 'examples/span-sentiment.jsonl', layer, probe: 'mean', preset, executionProvider: 'cpu', outDir: '/tmp/pc9p', cacheDir: '/tmp/pc9b' }, { onLog: (m) => { if (/Warning/.test(m)) console.log('  warn'); } });
    console.log(layer, preset, r.train.accuracy, r.test.accuracy, r.test.loss?.toFixed(4), r.steps);
  }
})();
