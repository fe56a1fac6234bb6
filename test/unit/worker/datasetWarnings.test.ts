/**
 * The dataset panel gets its summary from the worker's inspectDataset: the worker must pass the dataset rules'
 * warnings and refusals through unchanged, so the panel says what the CLI says.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import * as iconv from 'iconv-lite';
import { readDataset } from '../../../src/core/data';
import { ProbescopeError } from '../../../src/core/errors';
import type { WorkerSupervisor } from '../../../src/host/worker/workerSupervisor';
import { Requests } from '../../../src/protocol/worker';
import { useRealWorker } from './buildBundle';

describe('dataset warnings through the real worker', () => {
  let worker: WorkerSupervisor;
  let tmp: string;
  useRealWorker('probescope-dswarn-', (w, t) => {
    worker = w;
    tmp = t;
  });

  test('inspectDataset carries every warning the CLI prints (delimiter, columns, skipped rows, duplicates)', async () => {
    const p = join(tmp, 'export.csv');
    const rows = ['prompt;text2;completion;label;label'];
    for (let i = 0; i < 12; i++) rows.push(`Q;x;answer ${i % 10};${i === 4 ? 'NaN' : i % 2 === 0 ? '1.0' : '0'};z`);
    rows.push('Q;x;   ;1;z');
    writeFileSync(p, rows.join('\n') + '\n');
    const core = await readDataset(p);
    const s = await worker.request(Requests.inspectDataset, { path: p });
    assert.deepEqual(s.warnings.slice(0, core.warnings.length), core.warnings);
    const kinds = s.warnings.map((w) => w.kind);
    for (const k of ['parse', 'duplicate-column', 'columns', 'empty-text', 'missing-label', 'duplicates'])
      assert.ok(kinds.includes(k as never), `panel shows the ${k} warning: ${kinds.join(', ')}`);
    assert.equal(s.textField, 'completion');
    assert.deepEqual(s.classes, [
      { label: '0', count: 6 },
      { label: '1', count: 5 },
    ]);
  });

  test('an undecodable file is refused with the same message, and the encoding option reads it', async () => {
    const p = join(tmp, 'legacy.csv');
    writeFileSync(p, iconv.encode('text,label\ncrème brûlée,1\nfaçade,0\n', 'cp1252'));
    const err = await worker.request(Requests.inspectDataset, { path: p }).catch((e: unknown) => e);
    assert.ok(err instanceof ProbescopeError);
    assert.equal(err.code, 'DATASET_INVALID');
    assert.match(err.message, /legacy\.csv line 2: not valid UTF-8.*--encoding cp1252/);
    const s = await worker.request(Requests.inspectDataset, { path: p, encoding: 'cp1252' });
    const page = await worker.request(Requests.datasetRows, {
      path: p,
      encoding: 'cp1252',
      textField: s.textField,
      labelField: s.labelField,
      offset: 0,
      limit: 5,
    });
    assert.deepEqual(
      page.rows.map((r) => r.text),
      ['crème brûlée', 'façade'],
    );
  });
});
