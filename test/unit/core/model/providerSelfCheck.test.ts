import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  numericalSelfCheck,
  SELF_CHECK_TOLERANCE,
  selfCheckTestHooks,
} from '../../../../src/core/model/providerSelfCheck';
import { forgetResolvedProviders, resolveExecutionProvider } from '../../../../src/core/model/session';

afterEach(() => {
  delete selfCheckTestHooks.fakeAvailable;
  delete selfCheckTestHooks.perturb;
  forgetResolvedProviders();
});

describe('GPU numerical self-check', () => {
  it('the self-check graph runs on the CPU provider and agrees with itself exactly', async () => {
    selfCheckTestHooks.fakeAvailable = ['webgpu'];
    const r = await numericalSelfCheck('webgpu');
    assert.deepEqual(r, { ok: true, maxAbsDiff: 0 });
  });

  it('a difference above the fp32 tolerance fails the check and names the difference', async () => {
    selfCheckTestHooks.fakeAvailable = ['webgpu'];
    selfCheckTestHooks.perturb = 1e-3;
    const r = await numericalSelfCheck('webgpu');
    assert.equal(r.ok, false);
    assert.ok(Math.abs(r.maxAbsDiff - 1e-3) < 1e-6, `max abs diff ${r.maxAbsDiff}`);
    assert.match(r.reason!, /differ from the CPU's \(max abs diff 1\.0e-3 > /);
  });

  it('a difference inside the tolerance passes', async () => {
    selfCheckTestHooks.fakeAvailable = ['webgpu'];
    selfCheckTestHooks.perturb = SELF_CHECK_TOLERANCE / 4;
    const r = await numericalSelfCheck('webgpu');
    assert.equal(r.ok, true);
    assert.ok(r.maxAbsDiff > 0 && r.maxAbsDiff <= SELF_CHECK_TOLERANCE);
  });

  it('NaN from the candidate fails the check', async () => {
    selfCheckTestHooks.fakeAvailable = ['webgpu'];
    selfCheckTestHooks.perturb = NaN;
    const r = await numericalSelfCheck('webgpu');
    assert.equal(r.ok, false);
    assert.ok(Number.isNaN(r.maxAbsDiff));
  });

  it('a provider that cannot run the graph fails the check with its error, without throwing', async () => {
    // No hook: on a machine without the CUDA provider library, ORT refuses the session.
    const r = await numericalSelfCheck('cuda');
    if (r.ok) return; // a machine with a working CUDA provider: nothing to check here
    assert.match(r.reason!, /self-check graph failed to run/);
  });
});

describe("executionProvider 'auto' and the self-check", () => {
  it('picks a GPU provider that passes the self-check', async () => {
    selfCheckTestHooks.fakeAvailable = ['webgpu'];
    assert.deepEqual(await resolveExecutionProvider('auto'), { provider: 'webgpu' });
  });

  it('falls back to CPU with a one-line notice when the GPU provider fails the self-check', async () => {
    selfCheckTestHooks.fakeAvailable = ['webgpu'];
    selfCheckTestHooks.perturb = 0.01;
    const r = await resolveExecutionProvider('auto');
    assert.equal(r.provider, 'cpu');
    assert.ok(r.notice && !r.notice.includes('\n'));
    assert.match(r.notice!, /^note: using CPU \(a GPU failed its numerical self-check; webgpu: its results differ/);
  });

  it('checks CUDA first and moves on to WebGPU when CUDA fails the self-check', async () => {
    selfCheckTestHooks.fakeAvailable = ['cuda', 'webgpu'];
    selfCheckTestHooks.perturb = 0.01; // both fail: both named
    const r = await resolveExecutionProvider('auto');
    assert.equal(r.provider, 'cpu');
    assert.match(r.notice!, /cuda: its results differ.*; webgpu: its results differ/);
    forgetResolvedProviders();
    delete selfCheckTestHooks.perturb;
    assert.deepEqual(await resolveExecutionProvider('auto'), { provider: 'cuda' });
  });

  it('the result is memoised: the self-check runs once per setting', async () => {
    selfCheckTestHooks.fakeAvailable = ['webgpu'];
    const first = await resolveExecutionProvider('auto');
    selfCheckTestHooks.perturb = 0.01; // would fail now, but the first answer stands
    assert.equal(await resolveExecutionProvider('auto'), first);
  });
});
