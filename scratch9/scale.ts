import { copyFile, mkdir, readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { decodeModel, encodeModel } from '../src/core/onnx/proto';
import { trainProbeRun } from '../src/core/probes';
async function scaled(factor: number) {
  const root = await mkdtemp(join(tmpdir(), 'ps-scale-'));
  const src = 'models/tiny-gemma2';
  const m = decodeModel(await readFile(join(src, 'model.onnx')));
  const emb = m.graph!.initializer.find((t) => t.name === 'model.embed_tokens.weight')!;
  const raw = new Float32Array(new Uint8Array(emb.rawData).buffer);
  for (let i = 0; i < raw.length; i++) raw[i] *= factor;
  emb.rawData = new Uint8Array(raw.buffer);
  const dir = join(root, 'model');
  await mkdir(dir);
  await writeFile(join(dir, 'model.onnx'), encodeModel(m));
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) await copyFile(join(src, f), join(dir, f));
  return dir;
}
(async () => {
  const preset = (process.argv[2] ?? 'fast') as 'fast' | 'reference';
  const probe = (process.argv[3] ?? 'mean') as 'mean' | 'attention';
  for (const f of [1, 1e4, 2e5]) {
    const dir = await scaled(f);
    const r = await trainProbeRun({ modelDir: dir, dataPath: 'examples/span-sentiment.jsonl', layer: 0, probe, preset, executionProvider: 'cpu', outDir: join(dir, '..', 'p'), cacheDir: join(dir, '..', 'c') }, { onLog: (m) => console.log('  log:', m) });
    console.log(preset, probe, f, 'train', r.train.accuracy, r.train.loss, 'test', r.test.accuracy, r.test.loss, 'steps', r.steps, JSON.stringify(r.test.confusion));
  }
})();
