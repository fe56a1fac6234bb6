import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseAttentionHostMessage,
  parseAttentionPanelState,
  parseAttentionWebviewMessage,
  parseDatasetPanelState,
  parseDatasetWebviewMessage,
  parseTrainingHostMessage,
  parseTrainingPanelState,
  parseTrainingWebviewMessage,
  MAX_ROWS_PAGE,
} from '../../../src/protocol/webview';
import type { ClassifyResult } from '../../../src/protocol/types';

test('dataset requestRows is accepted with integer offset/limit and returned without extra fields', () => {
  const m = parseDatasetWebviewMessage({
    type: 'requestRows',
    requestId: 3,
    offset: 50,
    limit: 100,
    search: 'x',
    evil: 1,
  });
  assert.deepEqual(m, { type: 'requestRows', requestId: 3, offset: 50, limit: 100, search: 'x' });
});

test('dataset requestRows with negative, fractional, oversized or non-numeric fields is rejected', () => {
  const base = { type: 'requestRows', requestId: 1, offset: 0, limit: 10, search: '' };
  assert.equal(parseDatasetWebviewMessage({ ...base, offset: -1 }), undefined);
  assert.equal(parseDatasetWebviewMessage({ ...base, offset: 1.5 }), undefined);
  assert.equal(parseDatasetWebviewMessage({ ...base, limit: 0 }), undefined);
  assert.equal(parseDatasetWebviewMessage({ ...base, limit: MAX_ROWS_PAGE + 1 }), undefined);
  assert.equal(parseDatasetWebviewMessage({ ...base, offset: '5' }), undefined);
  assert.equal(parseDatasetWebviewMessage({ ...base, search: 5 }), undefined);
  assert.equal(parseDatasetWebviewMessage({ ...base, requestId: undefined }), undefined);
});

test('dataset setSplit requires 0 < testSplit < 1 and an unsigned 32-bit integer seed', () => {
  assert.deepEqual(parseDatasetWebviewMessage({ type: 'setSplit', testSplit: 0.2, seed: 7 }), {
    type: 'setSplit',
    testSplit: 0.2,
    seed: 7,
  });
  for (const bad of [
    { testSplit: 0, seed: 1 },
    { testSplit: 1, seed: 1 },
    { testSplit: NaN, seed: 1 },
    { testSplit: 0.2, seed: -1 },
    { testSplit: 0.2, seed: 2 ** 32 },
  ]) {
    assert.equal(parseDatasetWebviewMessage({ type: 'setSplit', ...bad }), undefined, JSON.stringify(bad));
  }
});

test('dataset setColumns requires two non-empty column names; bare messages map to their type only', () => {
  assert.deepEqual(parseDatasetWebviewMessage({ type: 'setColumns', textField: 't', labelField: 'l' }), {
    type: 'setColumns',
    textField: 't',
    labelField: 'l',
  });
  assert.equal(parseDatasetWebviewMessage({ type: 'setColumns', textField: '', labelField: 'l' }), undefined);
  assert.deepEqual(parseDatasetWebviewMessage({ type: 'train', x: 1 }), { type: 'train' });
  assert.deepEqual(parseDatasetWebviewMessage({ type: 'openFile' }), { type: 'openFile' });
  assert.equal(parseDatasetWebviewMessage({ type: 'stop' }), undefined);
  assert.equal(parseDatasetWebviewMessage(null), undefined);
  assert.equal(parseDatasetWebviewMessage([{ type: 'ready' }]), undefined);
});

test('training messages: revealProbe needs a non-empty dir, unknown types are rejected', () => {
  assert.deepEqual(parseTrainingWebviewMessage({ type: 'stop' }), { type: 'stop' });
  assert.deepEqual(parseTrainingWebviewMessage({ type: 'retry' }), { type: 'retry' });
  assert.deepEqual(parseTrainingWebviewMessage({ type: 'revealProbe', dir: '/p' }), { type: 'revealProbe', dir: '/p' });
  assert.equal(parseTrainingWebviewMessage({ type: 'revealProbe', dir: '' }), undefined);
  assert.equal(parseTrainingWebviewMessage({ type: 'revealProbe' }), undefined);
  assert.equal(parseTrainingWebviewMessage({ type: 'train' }), undefined);
});

test('attention selectHead accepts sum, max and a non-negative integer head only', () => {
  assert.deepEqual(parseAttentionWebviewMessage({ type: 'selectHead', head: 'max' }), {
    type: 'selectHead',
    head: 'max',
  });
  assert.deepEqual(parseAttentionWebviewMessage({ type: 'selectHead', head: 2 }), { type: 'selectHead', head: 2 });
  assert.equal(parseAttentionWebviewMessage({ type: 'selectHead', head: -1 }), undefined);
  assert.equal(parseAttentionWebviewMessage({ type: 'selectHead', head: 'all' }), undefined);
});

test('attention exportPng accepts only a base64 PNG data URL', () => {
  const ok = 'data:image/png;base64,iVBORw0KGgo=';
  assert.deepEqual(parseAttentionWebviewMessage({ type: 'exportPng', dataUrl: ok }), {
    type: 'exportPng',
    dataUrl: ok,
  });
  assert.equal(parseAttentionWebviewMessage({ type: 'exportPng', dataUrl: 'data:text/html;base64,AAAA' }), undefined);
  assert.equal(
    parseAttentionWebviewMessage({ type: 'exportPng', dataUrl: 'data:image/png;base64,<script>' }),
    undefined,
  );
  assert.deepEqual(parseAttentionWebviewMessage({ type: 'exportHtml', html: '<b>x</b>' }), {
    type: 'exportHtml',
    html: '<b>x</b>',
  });
  assert.equal(parseAttentionWebviewMessage({ type: 'exportHtml', html: 3 }), undefined);
  assert.deepEqual(parseAttentionWebviewMessage({ type: 'copied', format: 'html' }), {
    type: 'copied',
    format: 'html',
  });
});

const result: ClassifyResult = {
  label: 'pos',
  probabilities: { neg: 0.1, pos: 0.9 },
  tokens: [{ id: 5, text: 'hi', start: 0, end: 2, attention: [0.5, 1] }],
  heads: 2,
  probe: 'attention',
  layer: 3,
};

test('attention show from the host is accepted with a valid ClassifyResult and rejected with a malformed token', () => {
  const show = { type: 'show', text: 'hi', result, classes: ['neg', 'pos'], probeName: 'p' };
  assert.ok(parseAttentionHostMessage(show));
  const bad = { ...show, result: { ...result, tokens: [{ ...result.tokens[0], attention: ['x'] }] } };
  assert.equal(parseAttentionHostMessage(bad), undefined);
});

test('saved panel states round-trip and malformed ones are rejected', () => {
  const ds = {
    path: '/d.jsonl',
    textField: 'text',
    labelField: 'label',
    split: { testSplit: 0.2, seed: 0 },
    search: '',
    scrollRow: 500,
  };
  assert.deepEqual(parseDatasetPanelState(ds), ds);
  assert.equal(parseDatasetPanelState({ ...ds, scrollRow: -3 }), undefined);
  const tr = {
    status: 'finished',
    steps: [{ progressId: 'a', step: 1, trainLoss: 0.5 }, { step: 'x' }],
    sweepPoints: [],
  };
  assert.deepEqual(parseTrainingPanelState(tr), { status: 'finished', steps: [tr.steps[0]], sweepPoints: [] });
  assert.equal(parseTrainingPanelState({ ...tr, status: 'exploded' }), undefined);
  const at = { head: 1, show: { text: 'hi', result, classes: ['neg', 'pos'], probeName: 'p' } };
  assert.deepEqual(parseAttentionPanelState(at), at);
  assert.deepEqual(parseAttentionPanelState({ head: 'sum', show: { text: 1 } }), { head: 'sum' });
});

test('a restored training panel state keeps a valid run configuration (Retry re-runs it) and drops a malformed one', () => {
  const config = {
    mode: 'train',
    modelId: 'tiny-gemma2',
    dataPath: '/ws/data.jsonl',
    textField: 'body',
    labelField: 'y',
    layer: 3,
    probe: 'attention',
    heads: 8,
    optimizer: 'adamw',
    testSplit: 0.25,
    seed: 7,
  };
  const base = { status: 'running', runId: 'r1', steps: [], sweepPoints: [] };
  assert.deepEqual(parseTrainingPanelState({ ...base, config }), { ...base, config });
  for (const bad of [
    { ...config, layer: -1 },
    { ...config, probe: 'linear' },
    { ...config, heads: 0 },
    { ...config, optimizer: 'sgd' },
    { ...config, seed: 1.5 },
    { ...config, textField: 3 },
    { mode: 'sweep', modelId: 'm', dataPath: '/d', layers: [], kinds: [{ probe: 'mean' }] },
  ]) {
    assert.equal(parseTrainingPanelState({ ...base, config: bad })?.config, undefined, JSON.stringify(bad));
  }
  const sweep = {
    mode: 'sweep',
    modelId: 'm',
    dataPath: '/d',
    layers: [0, 'final'],
    kinds: [{ probe: 'attention', heads: 4 }],
  };
  assert.deepEqual(parseTrainingPanelState({ ...base, config: sweep })?.config, sweep);
  // History rows: valid ones kept (at most five), malformed ones dropped.
  const row = { status: 'stopped', config, steps: 159, sweepPoints: [] };
  const state = parseTrainingPanelState({ ...base, history: [row, { ...row, steps: -1 }, ...Array(6).fill(row)] });
  assert.equal(state?.history?.length, 5);
  assert.deepEqual(state?.history?.[0], row);
});

test('attention exportSvg accepts an SVG document only', () => {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>';
  assert.deepEqual(parseAttentionWebviewMessage({ type: 'exportSvg', svg }), { type: 'exportSvg', svg });
  assert.equal(parseAttentionWebviewMessage({ type: 'exportSvg', svg: '<html></html>' }), undefined);
  assert.equal(parseAttentionWebviewMessage({ type: 'exportSvg', svg: 42 }), undefined);
});

test('training host messages with a runId that is not a string are rejected', () => {
  assert.ok(parseTrainingHostMessage({ type: 'stopped', runId: 'abc' }));
  assert.equal(parseTrainingHostMessage({ type: 'stopped', runId: 5 }), undefined);
});
