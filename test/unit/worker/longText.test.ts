/** A 100k-token selection through the real worker: classified whole, no crash, and the worker keeps serving. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { GemmaTokenizer } from '../../../src/core/model/tokenizer';
import { trainProbeRun } from '../../../src/core/probes';
import type { WorkerSupervisor } from '../../../src/host/worker/workerSupervisor';
import { Requests } from '../../../src/protocol/worker';
import { repoRoot, useRealWorker } from './buildBundle';

const MODEL = join(repoRoot, 'models/tiny-gemma2');

describe('long texts through the real worker', () => {
  let worker: WorkerSupervisor;
  let tmp: string;
  useRealWorker('probescope-long-worker-', (w, t) => {
    worker = w;
    tmp = t;
  });

  test('classify of a 100k-token text scores every token and reports the whole text as covered', async () => {
    const { outDir } = await trainProbeRun({
      modelDir: MODEL,
      dataPath: join(repoRoot, 'examples/span-sentiment.jsonl'),
      layer: 2,
      probe: 'attention',
      heads: 2,
      steps: 10,
      executionProvider: 'cpu',
      cacheDir: join(tmp, 'cache'),
      outDir: join(tmp, 'probe'),
    });
    const text = 'Observers 👩‍💻 praised the count. '.repeat(1) + 'vote '.repeat(100_000);
    const expected = (await GemmaTokenizer.load(MODEL)).encode(text);
    const r = await worker.request(Requests.classify, { probeDir: outDir, text, executionProvider: 'cpu' });
    assert.equal(r.tokens.length, expected.length);
    assert.deepEqual(r.tokens.at(-1)!, { ...expected.at(-1)!, attention: r.tokens.at(-1)!.attention });
    assert.equal(r.coverage?.tokens, expected.length);
    assert.equal(r.coverage?.coveredChars, text.length);
    assert.ok(r.coverage!.windows > 200, `${r.coverage!.windows} windows`);
    for (let h = 0; h < 2; h++) {
      const sum = r.tokens.reduce((a, t) => a + t.attention[h]!, 0);
      assert.ok(Math.abs(sum - 1) < 1e-6, `head ${h} sums to ${sum}`);
    }
    assert.equal((await worker.request(Requests.ping, { payload: 'alive' })).payload, 'alive');
    // An empty or whitespace-only selection is refused (BAD_ARGUMENT), not classified as <bos> alone.
    for (const empty of ['', ' \n\t  '])
      await assert.rejects(
        worker.request(Requests.classify, { probeDir: outDir, text: empty, executionProvider: 'cpu' }),
        (e: unknown) => {
          assert.equal((e as { code?: string }).code, 'BAD_ARGUMENT'); // the supervisor rejects with the worker's code
          assert.match((e as Error).message, /Nothing to classify: the text is (empty|whitespace only)/);
          return true;
        },
      );
  });
});
