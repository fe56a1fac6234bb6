import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { activationsCommand, parseLayers } from '../../../../src/cli/commands/activations';
import type { CliContext } from '../../../../src/cli/command';
import { ProbescopeError } from '../../../../src/core/errors';
import { FIXTURES, maxAbsDiff, reference } from '../model/fixtureRef';

const logs: string[] = [];
const ctx: CliContext = {
  progress: (e) => logs.push(`progress ${e.done}/${e.total}`),
  step: () => undefined,
  log: (m) => logs.push(m),
  signal: new AbortController().signal,
};
const roots: string[] = [];
after(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

describe('probescope activations', () => {
  it('--text prints tokens with offsets and [tokens][hidden] states per layer matching the reference', async () => {
    const out = await mkdtemp(join(tmpdir(), 'ps-cli-act-'));
    roots.push(out);
    const c = reference('tiny-gemma3').cases[2];
    const model = join(FIXTURES, 'tiny-gemma3');
    const r = (await activationsCommand.run({ model, layers: '0,2,final', text: c.text, out }, ctx)) as {
      tokens: { id: number; text: string; start: number; end: number }[];
      layers: Record<string, number[][]>;
    };
    assert.deepEqual(
      r.tokens.map((t) => t.id),
      c.input_ids,
    );
    assert.deepEqual(r.tokens[0], { id: 2, text: '<bos>', start: 0, end: 0 });
    assert.deepEqual(Object.keys(r.layers), ['0', '2', 'final']);
    assert.ok(maxAbsDiff(Float32Array.from(r.layers['2'].flat()), c.hidden_states[2]) <= 5e-5);
    assert.ok(maxAbsDiff(Float32Array.from(r.layers.final.flat()), c.final_norm_hidden_state) <= 2e-5);
    assert.equal(JSON.parse(JSON.stringify(r)).layers['0'].length, c.input_ids.length);
  });

  it('--data builds a cache in --out and summarises it', async () => {
    const out = await mkdtemp(join(tmpdir(), 'ps-cli-act-'));
    roots.push(out);
    const data = join(out, 'd.jsonl');
    await writeFile(
      data,
      ['Hello world', 'The vote was close.', 'ok'].map((text, i) => JSON.stringify({ text, label: i % 2 })).join('\n'),
    );
    const r = (await activationsCommand.run(
      { model: join(FIXTURES, 'tiny-gemma2'), layers: 'all', data, out },
      ctx,
    )) as Record<string, unknown>;
    assert.equal(r.examples, 3);
    assert.deepEqual(r.layers, [0, 1, 2, 3, 4, 'final']);
    assert.ok(String(r.cacheDir).startsWith(join(out, 'activations')));
    // Token caches are float16 by default: 2 bytes a value.
    assert.equal(r.dtype, 'float16');
    assert.equal(r.bytes, (r.tokens as number) * 64 * 6 * 2);
    assert.ok(typeof r.seconds === 'number');
  });

  it('rejects bad layer lists and a missing or doubled input', async () => {
    assert.deepEqual(parseLayers('all', 2), [0, 1, 2, 'final']);
    assert.deepEqual(parseLayers(' 1, final', 4), [1, 'final']);
    assert.throws(() => parseLayers('5', 4), /"5" is not a layer; use 0..4, final, or all/);
    assert.throws(() => parseLayers('1,,2', 4), ProbescopeError);
    const model = join(FIXTURES, 'tiny-gemma2');
    await assert.rejects(activationsCommand.run({ model, layers: '1' }, ctx), /exactly one of --text or --data/);
    await assert.rejects(
      activationsCommand.run({ model, layers: '1', text: 'a', data: 'b' }, ctx),
      /exactly one of --text or --data/,
    );
  });
});
