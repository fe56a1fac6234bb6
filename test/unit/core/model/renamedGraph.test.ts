import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ActivationExtractor } from '../../../../src/core/model/extractor';
import { resolveModelFolder } from '../../../../src/core/model/modelFolder';
import { decodeModel, encodeModel } from '../../../../src/core/onnx/proto';
import type { LayerSpec } from '../../../../src/protocol/types';
import { FIXTURES, MODELS, maxAbsDiff, reference } from './fixtureRef';

/** Rewrites every node name and every tensor name except the graph inputs to n0, n1, … */
async function renamedCopy(modelName: string, dir: string): Promise<void> {
  const m = decodeModel(await readFile(join(FIXTURES, modelName, 'model.onnx')));
  const g = m.graph!;
  const keep = new Set(g.input.map((i) => i.name));
  const names = new Map<string, string>();
  const rename = (t: string) => {
    if (!t || keep.has(t)) return t;
    let r = names.get(t);
    if (!r) names.set(t, (r = `n${names.size}`));
    return r;
  };
  g.node.forEach((n, i) => {
    n.name = `node${i}`;
    n.input = n.input.map(rename);
    n.output = n.output.map(rename);
  });
  for (const t of g.initializer) t.name = rename(t.name);
  for (const v of [...g.output, ...g.valueInfo]) v.name = rename(v.name);
  assert.ok(!g.node.some((n) => n.output.some((o) => o.includes('layers'))), 'no original name survives');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'model.onnx'), encodeModel(m));
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json'])
    await copyFile(join(FIXTURES, modelName, f), join(dir, f));
}

describe('graph with every tensor renamed', () => {
  const roots: string[] = [];
  after(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

  for (const modelName of MODELS) {
    it(`${modelName}: taps are still found by structure and match the reference within 5e-5`, async () => {
      const root = await mkdtemp(join(tmpdir(), 'ps-renamed-'));
      roots.push(root);
      await renamedCopy(modelName, join(root, 'model'));
      const folder = await resolveModelFolder(join(root, 'model'));
      const layers: LayerSpec[] = [0, 1, 2, 3, 4, 'final'];
      const ex = await ActivationExtractor.create(folder, layers, {
        cacheDir: join(root, 'cache'),
        executionProvider: 'cpu',
      });
      const ref = reference(modelName);
      const out = await ex.extract(ref.cases.map((c) => c.text));
      await ex.dispose();
      out.forEach((e, i) => {
        const c = ref.cases[i];
        for (const l of layers) {
          const d = maxAbsDiff(e.states.get(l)!, l === 'final' ? c.final_norm_hidden_state : c.hidden_states[l]);
          assert.ok(d <= (l === 'final' ? 2e-5 : 5e-5), `${c.name} layer ${l}: ${d}`);
        }
      });
    });
  }
});
