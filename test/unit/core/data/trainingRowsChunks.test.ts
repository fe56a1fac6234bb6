/**
 * scanTrainingRows keeps its per-row values in typed chunks of 64 Ki, drops rows with a missing label in place and
 * groups identical texts through a hash table. On a file longer than two chunks, with missing labels and repeated
 * texts spread over every chunk, it must give exactly what the in-memory read gives: texts, labels, groups, the
 * duplicate count, and the same random split and carved validation.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readDataset } from '../../../../src/core/data/readDataset';
import { allTexts } from '../../../../src/core/data/textSource';
import { scanTrainingRows, trainingGroups, trainingRowsOf } from '../../../../src/core/data/trainingRows';
import { groupedStratifiedSplit, groupedValidationSplit } from '../../../../src/core/data';

const work = mkdtempSync(join(tmpdir(), 'ps-trainchunks-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe('scanTrainingRows across several 64 Ki chunks', () => {
  it('equals the in-memory read: texts, labels, groups, duplicates and splits', async () => {
    const rows = 150_000;
    const lines = ['text,label'];
    for (let i = 0; i < rows; i++) {
      // Every 97th row repeats one of 40 texts; every 1,001st row has no label; a few rows have no text.
      const text = i % 97 === 5 ? `again ${i % 40}` : i % 5003 === 7 ? '' : `row ${i} ${(i * 7919) % 1000}`;
      const label = i % 1001 === 3 ? '' : ['a', 'b', 'c'][(i * 31) % 3];
      lines.push(`${text},${label}`);
    }
    const file = join(work, 'long.csv');
    writeFileSync(file, lines.join('\n') + '\n');
    const memory = trainingRowsOf(await readDataset(file));
    const streamed = await scanTrainingRows(file);
    assert.ok(memory.labels.length > 2 * 65_536 && memory.labels.length < rows - 100);
    assert.deepEqual(streamed.labels, memory.labels);
    assert.deepEqual(await allTexts(streamed.texts), await allTexts(memory.texts));
    assert.equal(streamed.ds.duplicates, memory.ds.duplicates);
    assert.ok(memory.ds.duplicates > 1000);
    const gm = Array.from(await trainingGroups([memory]));
    const gs = Array.from(await trainingGroups([streamed]));
    assert.deepEqual(gs, gm);
    const split = (g: number[]) => {
      const { train, test } = groupedStratifiedSplit(memory.labels.toArray(), g, 0.2, 3);
      const v = groupedValidationSplit(
        Array.from(train, (i) => memory.labels.at(i)),
        Array.from(train, (i) => g[i]),
        0.1,
        4,
      );
      return { train, test, v };
    };
    assert.deepEqual(split(gs), split(gm));
  });
});
