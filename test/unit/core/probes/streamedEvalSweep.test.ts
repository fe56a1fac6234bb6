/**
 * eval (evaluateProbe, probePredictions: also compare's rows) and layer sweeps read a large dataset streamed
 * (readTrainingRows: texts read again from the file during extraction) and must give exactly what the in-memory read
 * gives: the same metrics, rows, logits and warnings; the same sweep points and saved probes. The streamed path is
 * seen to be taken: a file cut short once extraction starts tokenizing fails the streamed run ("changed while it was
 * read") and not the in-memory one, whose texts are already held.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { evaluateProbe, layerSweep, trainProbeRun } from '../../../../src/core/probes';
import { probePredictions } from '../../../../src/core/probes/evaluate';
import { FORMATS, writeTable } from '../data/tableFiles';
import { bothWays, mixedTable, mixedTableKeptRows, streamed } from '../data/streamedWays';

const root = resolve(__dirname, '../../../..');
const modelDir = join(root, 'models/tiny-gemma2');
const work = mkdtempSync(join(tmpdir(), 'ps-streameval-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Log lines about the dataset (the cache lines name their own folders). */
const datasetLines = (logs: string[]) => logs.filter((m) => /^(Dataset|Test data): /.test(m));

/** An onLog that replaces `file` by `short` when extraction starts tokenizing (after the cache key's pass). */
function cutWhenTokenizing(file: string, short: string): (m: string) => void {
  return (m) => {
    if (/^Tokenizing /.test(m)) copyFileSync(short, file);
  };
}

describe('eval from a streamed dataset equals eval from memory', () => {
  let probeDir: string;
  before(async () => {
    const file = await writeTable(work, 'train', mixedTable('jsonl'), 'jsonl');
    probeDir = join(work, 'probe');
    await trainProbeRun({
      modelDir,
      dataPath: file,
      layer: 1,
      probe: 'mean',
      cacheDir: join(work, 'train-cache'),
      outDir: probeDir,
      executionProvider: 'cpu',
    });
  });

  for (const format of FORMATS)
    it(`${format}: the same metrics, file rows, labels, logits and warnings`, async () => {
      const file = await writeTable(work, `eval-${format}`, mixedTable(format), format);
      let run = 0;
      const { memory, streamed: s } = await bothWays(async () => {
        run++;
        const logs: string[] = [];
        const params = { probeDir, dataPath: file, cacheDir: join(work, `eval-cache-${format}-${run}`) };
        const p = await probePredictions(params, { onLog: (m) => logs.push(m) });
        const result = await evaluateProbe(params);
        return {
          result,
          rows: Array.from(p.rows),
          labels: p.labels,
          logits: Array.from(p.logits),
          fields: [p.textField, p.labelField],
          logs: datasetLines(logs),
        };
      });
      assert.deepEqual(s, memory);
      assert.deepEqual(memory.rows, mixedTableKeptRows());
      assert.equal(memory.result.n, mixedTableKeptRows().length);
      assert.deepEqual(memory.fields, ['text', 'label']);
      assert.ok(
        memory.logs.some((m) => /Skipped 2 row\(s\) with no "label"/.test(m)),
        memory.logs.join('\n'),
      );
    });

  for (const format of ['csv', 'jsonl', 'parquet'] as const)
    it(`${format}: the streamed eval reads its texts from the file while extracting`, async () => {
      const full = await writeTable(work, `full-${format}`, mixedTable(format), format);
      const cut = { text: mixedTable(format).text.slice(0, 20), label: mixedTable(format).label.slice(0, 20) };
      const short = await writeTable(work, `short-${format}`, cut, format);
      const file = join(work, `cut.${format}`);
      let run = 0;
      const { memory, streamed: s } = await bothWays(async () => {
        copyFileSync(full, file);
        run++;
        const params = { probeDir, dataPath: file, cacheDir: join(work, `cut-cache-${format}-${run}`) };
        return evaluateProbe(params, { onLog: cutWhenTokenizing(file, short) }).then(
          (r) => r.n,
          (e: Error) => e.message,
        );
      });
      assert.equal(memory, mixedTableKeptRows().length);
      assert.match(String(s), /changed while it was read/);
    });

  it('an unknown label is refused on the streamed path as in memory', async () => {
    const t = mixedTable('csv');
    t.label[30] = 'other';
    const file = await writeTable(work, 'unknown', t, 'csv');
    const { memory, streamed: s } = await bothWays(() =>
      evaluateProbe({ probeDir, dataPath: file, cacheDir: join(work, 'unknown-cache') }).then(
        () => 'accepted',
        (e: Error) => e.message,
      ),
    );
    assert.equal(s, memory);
    assert.match(memory, /has labels the probe was not trained on: other \(probe classes: mid, neg, pos\)/);
  });

  it('an unknown label spelled like a probe class (another case) is named as such, streamed and in memory', async () => {
    const t = mixedTable('csv');
    t.label = t.label.map((l) => (l === 'pos' ? 'POS' : l));
    const file = await writeTable(work, 'case', t, 'csv');
    const { memory, streamed: s } = await bothWays(() =>
      evaluateProbe({ probeDir, dataPath: file, cacheDir: join(work, 'case-cache') }).then(
        () => 'accepted',
        (e: Error) => e.message,
      ),
    );
    assert.equal(s, memory);
    assert.match(
      memory,
      /not trained on: POS \(probe classes: mid, neg, pos\)\. "POS" looks like "pos": labels are compared as written/,
    );
  });
});

describe('eval beyond the memory budget', () => {
  for (const probe of ['mean', 'attention'] as const)
    it(`${probe}: reads its examples from the cache in chunks, with the same predictions`, async () => {
      const file = await writeTable(work, `budget-${probe}`, mixedTable('csv'), 'csv');
      const probeDir = join(work, `budget-probe-${probe}`);
      await trainProbeRun({
        modelDir,
        dataPath: file,
        layer: 2,
        probe,
        heads: probe === 'attention' ? 2 : undefined,
        steps: 30,
        cacheDir: join(work, 'budget-cache'),
        outDir: probeDir,
        executionProvider: 'cpu',
      });
      const run = async (memoryBudget?: number) => {
        const logs: string[] = [];
        const params = { probeDir, dataPath: file, cacheDir: join(work, 'budget-cache'), memoryBudget };
        const p = await probePredictions(params, { onLog: (m) => logs.push(m) });
        return { p, result: await evaluateProbe(params), logs };
      };
      const held = await run();
      // 2 KiB: chunks of at most a quarter of the budget, so the 47 rows take many chunks.
      const lazy = await run(2048);
      assert.ok(!held.logs.some((m) => /more than the memory budget/.test(m)));
      assert.ok(
        lazy.logs.some((m) => /more than the memory budget/.test(m)),
        lazy.logs.join('\n'),
      );
      assert.deepEqual(lazy.p.rows, held.p.rows);
      assert.deepEqual(lazy.p.labels, held.p.labels);
      assert.equal(lazy.p.logits.length, held.p.logits.length);
      // Other chunk sizes sum in another order (float32): equal to 1e-5 relative. With a budget of 512 MiB or more the
      // chunks are those of the held path (32 Mi floats) and the logits identical.
      held.p.logits.forEach((z, i) =>
        assert.ok(
          Math.abs(lazy.p.logits[i] - z) <= 1e-5 * Math.max(1, Math.abs(z)),
          `logit ${i}: ${z} vs ${lazy.p.logits[i]}`,
        ),
      );
      assert.equal(lazy.result.accuracy, held.result.accuracy);
      assert.equal(lazy.result.n, 47);
    });
});

describe('layer sweeps from a streamed dataset equal sweeps from memory', () => {
  /** The points (without their folders), the saved probes' weights, and the dataset log lines. */
  async function sweep(tag: string, data: string, test?: string) {
    const logs: string[] = [];
    const outDir = join(work, `sweep-${tag}`);
    const r = await layerSweep(
      {
        modelDir,
        dataPath: data,
        ...(test ? { testDataPath: test } : {}),
        layers: [1, 2],
        kinds: [{ probe: 'mean' }, { probe: 'last' }],
        cacheDir: join(work, `sweep-cache-${tag}`),
        outDir,
        executionProvider: 'cpu',
      },
      { onLog: (m) => logs.push(m) },
    );
    return {
      points: r.points.map((p) => ({ ...p, outDir: p.outDir!.slice(outDir.length) })),
      weights: r.points.map((p) => readFileSync(join(p.outDir!, 'probe.safetensors'))),
      logs: datasetLines(logs),
    };
  }

  for (const format of ['csv', 'jsonl', 'parquet'] as const)
    it(`${format}: the same points and probes, with and without --test-data`, async () => {
      const file = await writeTable(work, `sweep-${format}`, mixedTable(format), format);
      const test = await writeTable(work, `sweep-test-${format}`, mixedTable(format), format);
      for (const testFile of [undefined, test]) {
        let run = 0;
        const tag = `${format}-${testFile ? 'test' : 'random'}`;
        const { memory, streamed: s } = await bothWays(() => sweep(`${tag}-${++run}`, file, testFile));
        assert.deepEqual(s, memory, tag);
        assert.equal(memory.points.length, 4);
        assert.equal(memory.logs.filter((m) => m.startsWith('Test data: ')).length > 0, testFile !== undefined);
      }
    });

  it('the shared cache holds the texts each point plans: a streamed point equals the probe trained alone', async () => {
    const file = await writeTable(work, 'alone', mixedTable('csv'), 'csv');
    const test = await writeTable(work, 'alone-test', mixedTable('csv'), 'csv');
    const { fromSweep, alone } = await streamed(async () => {
      const fromSweep = await sweep('alone', file, test);
      const out = join(work, 'alone-probe');
      await trainProbeRun({
        modelDir,
        dataPath: file,
        testDataPath: test,
        layer: 2,
        probe: 'last',
        cacheDir: join(work, 'alone-cache'),
        outDir: out,
        executionProvider: 'cpu',
      });
      return { fromSweep, alone: readFileSync(join(out, 'probe.safetensors')) };
    });
    const at = fromSweep.points.findIndex((p) => p.layer === 2 && p.probe === 'last');
    assert.ok(fromSweep.weights[at].equals(alone));
  });

  it('the streamed sweep reads its texts from the file while extracting', async () => {
    const full = await writeTable(work, 'sweep-full', mixedTable('csv'), 'csv');
    const short = await writeTable(work, 'sweep-short', { text: ['a b', 'c d'], label: ['pos', 'neg'] }, 'csv');
    const file = join(work, 'sweep-cut.csv');
    copyFileSync(full, file);
    const err = await streamed(() =>
      layerSweep(
        {
          modelDir,
          dataPath: file,
          layers: [1],
          kinds: [{ probe: 'mean' }],
          cacheDir: join(work, 'sweep-cut-cache'),
          outDir: join(work, 'sweep-cut'),
          executionProvider: 'cpu',
        },
        { onLog: cutWhenTokenizing(file, short) },
      ).then(
        () => 'finished',
        (e: Error) => e.message,
      ),
    );
    assert.match(err, /changed while it was read/);
  });

  it('a file that changes after the sweep extracted its cache is refused by the points, in memory and streamed', async () => {
    const full = await writeTable(work, 'sweep-late-full', mixedTable('csv'), 'csv');
    const cut = { text: mixedTable('csv').text.slice(0, 30), label: mixedTable('csv').label.slice(0, 30) };
    const short = await writeTable(work, 'sweep-late-short', cut, 'csv');
    const file = join(work, 'sweep-late.csv');
    let run = 0;
    const { memory, streamed: s } = await bothWays(() => {
      copyFileSync(full, file);
      let swapped = false;
      return layerSweep(
        {
          modelDir,
          dataPath: file,
          layers: [1],
          kinds: [{ probe: 'mean' }],
          cacheDir: join(work, `sweep-late-cache-${++run}`),
          outDir: join(work, `sweep-late-${run}`),
          executionProvider: 'cpu',
        },
        {
          // The first point starts once the cache is built: the file is swapped before its split is planned.
          onProgress: (p) => {
            if (p.phase === 'sweep' && !swapped) {
              swapped = true;
              copyFileSync(short, file);
            }
          },
        },
      ).then(
        () => 'finished',
        (e: Error) => e.message,
      );
    });
    for (const err of [memory, s])
      assert.match(
        err,
        /changed during the layer sweep: its cache holds \d+ texts, the file now gives 2\d\. Run the sweep again/,
      );
  });
});
