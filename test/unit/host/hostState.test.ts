import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { HostState } from '../../../src/host/state/hostState';
import { TestStateFile } from '../../../src/host/state/testStateFile';

test('the test-state file mirrors every HostState change with the UX-contract fields', () => {
  const dir = mkdtempSync(join(tmpdir(), 'probescope-state-'));
  const path = join(dir, 'nested', 'state.json');
  const state = new HostState();
  const file = new TestStateFile(path);
  state.onDidChange((s) => file.write(s));
  file.write(state.current);
  assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), {
    workerPid: null,
    model: null,
    activeProbe: null,
    overlay: null,
    training: null,
    lastError: null,
  });
  state.update({ workerPid: 42, model: { id: 'tiny-gemma2', layer: 3 } });
  state.update({ training: { state: 'running', steps: 40 } });
  const written = JSON.parse(readFileSync(path, 'utf8'));
  assert.equal(written.workerPid, 42);
  assert.deepEqual(written.model, { id: 'tiny-gemma2', layer: 3 });
  assert.deepEqual(written.training, { state: 'running', steps: 40 });
  // temp files are renamed into place, never left behind
  assert.deepEqual(readdirSync(join(dir, 'nested')), ['state.json']);
});

test('a disposed listener no longer receives changes', () => {
  const state = new HostState();
  let calls = 0;
  const sub = state.onDidChange(() => calls++);
  state.update({ lastError: 'x' });
  sub.dispose();
  state.update({ lastError: null });
  assert.equal(calls, 1);
  assert.equal(state.current.lastError, null);
});
