/**
 * The worker's scoreText request: the same scores as the engine in-process, progress per window batch routed by
 * progressId, cancellation between batches (CANCELLED, worker keeps serving), and a bad class keeps its code.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ProbescopeError } from '../../../src/core/errors';
import { trainProbeRun } from '../../../src/core/probes';
import { scoreText } from '../../../src/core/scoring/scoreText';
import { WorkerSupervisor } from '../../../src/host/worker/workerSupervisor';
import { Notifications, Requests, type ProgressEvent } from '../../../src/protocol/worker';
import { buildBundle, repoRoot } from './buildBundle';

const MODEL = join(repoRoot, 'models/tiny-gemma2');
const TEXT = 'The council certified the count. Critics alleged fraud without evidence. '.repeat(120);

describe('scoreText through the real worker', () => {
  let bundle: Awaited<ReturnType<typeof buildBundle>>;
  let worker: WorkerSupervisor;
  let tmp: string;
  let probeDir: string;
  const quiet = { info: () => {}, warn: () => {}, error: () => {}, append: () => {} };

  before(async () => {
    bundle = await buildBundle('worker');
    worker = new WorkerSupervisor({ workerPath: bundle.path, logger: quiet });
    tmp = mkdtempSync(join(tmpdir(), 'probescope-score-worker-'));
    probeDir = (
      await trainProbeRun({
        modelDir: MODEL,
        dataPath: join(repoRoot, 'examples/span-sentiment.jsonl'),
        layer: 2,
        probe: 'attention',
        heads: 2,
        steps: 20,
        seed: 2,
        maxLength: 32,
        executionProvider: 'cpu',
        cacheDir: join(tmp, 'cache'),
        outDir: join(tmp, 'probe'),
      })
    ).outDir;
  });
  after(async () => {
    await worker.dispose();
    bundle.remove();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('a long text: the engine’s scores, with progress over the window batches', async () => {
    const events: ProgressEvent[] = [];
    const sub = worker.onNotification(Notifications.progress, (e) => {
      if (e.progressId === 'score-1') events.push(e);
    });
    const r = await worker.request(Requests.scoreText, {
      probeDir,
      text: TEXT,
      executionProvider: 'cpu',
      progressId: 'score-1',
    });
    sub.dispose();
    const local = await scoreText({ probeDir, text: TEXT, executionProvider: 'cpu' });
    assert.equal(r.tokens.length, local.tokens.length);
    assert.ok(r.windows.length > 16, `${r.windows.length} windows: more than one batch`);
    r.tokens.forEach((t, i) => assert.ok(Math.abs(t.score - local.tokens[i]!.score) < 1e-6));
    assert.ok(Math.abs(r.logit - local.logit) < 1e-6);
    assert.deepEqual(r.coverage, { start: 0, end: TEXT.length });
    // The scored class's 1 % FPR threshold, recorded at training, comes with the reply.
    assert.ok(r.fprThreshold.available && r.fprThreshold.source === 'probe.json', JSON.stringify(r.fprThreshold));
    assert.deepEqual(r.fprThreshold, local.fprThreshold);
    assert.ok(events.length >= 2, `${events.length} progress events`);
    assert.ok(events.every((e) => e.phase === 'extract' && e.total === r.windows.length));
    assert.equal(events[events.length - 1]!.done, r.windows.length);
  });

  test('cancelling stops between window batches with CANCELLED; the worker keeps serving', async () => {
    const controller = new AbortController();
    const sub = worker.onNotification(Notifications.progress, (e) => {
      if (e.progressId === 'score-cancel') controller.abort();
    });
    const err = await worker
      .request(
        Requests.scoreText,
        { probeDir, text: TEXT.repeat(4), executionProvider: 'cpu', progressId: 'score-cancel' },
        controller.signal,
      )
      .catch((e: unknown) => e);
    sub.dispose();
    assert.ok(err instanceof ProbescopeError, `not cancelled: ${JSON.stringify(err)}`);
    assert.equal(err.code, 'CANCELLED');
    assert.equal((await worker.request(Requests.ping, { payload: 'alive' })).payload, 'alive');
  });

  test('an unknown class is BAD_ARGUMENT naming the classes', async () => {
    const err = await worker
      .request(Requests.scoreText, { probeDir, text: 'x', className: 'neutral' })
      .catch((e: unknown) => e);
    assert.ok(err instanceof ProbescopeError);
    assert.equal(err.code, 'BAD_ARGUMENT');
    assert.match(err.message, /"0", "1"/);
  });
});
