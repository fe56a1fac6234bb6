import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProbeManifest } from '../../../../src/protocol/types';
import { ProbescopeError } from '../../../../src/core/errors';
import { checkProbeMatchesModel, loadProbe, saveProbe } from '../../../../src/core/probes/probeFile';
import { decodeSafetensors, encodeSafetensors } from '../../../../src/core/probes/safetensors';

function randomParams(H: number, C: number, D: number) {
  const r = (n: number) => Float32Array.from({ length: n }, (_, i) => (Math.sin(i * 12.9898 + n) * 43758.5453) % 1);
  return { H, C, D, q: r(H * D), w: r(H), V: r(H * C * D), b: r(H * C) };
}

function manifest(H: number, classes: string[]): ProbeManifest {
  return {
    format: 'probescope-probe/1',
    name: 'p',
    model: { id: 'tiny', hash: 'abc123', hiddenSize: 16, numLayers: 4 },
    layer: 3,
    probe: 'attention',
    heads: H,
    classes,
    metrics: {},
    training: { lr: 0.01 },
    createdAt: new Date(0).toISOString(),
  };
}

test('safetensors header follows the spec: u64 LE length, 8-byte aligned JSON, contiguous in-bounds offsets', () => {
  const p = randomParams(3, 2, 5);
  const bytes = encodeSafetensors(
    {
      'q.weight': { shape: [3, 5], data: p.q },
      position_weight: { shape: [3], data: p.w },
      'v.bias': { shape: [6], data: p.b },
    },
    { format: 'pt' },
  );
  const dv = new DataView(bytes.buffer, bytes.byteOffset);
  const n = Number(dv.getBigUint64(0, true));
  assert.equal((8 + n) % 8, 0);
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8'));
  assert.deepEqual(header.__metadata__, { format: 'pt' });
  const spans = Object.entries(header)
    .filter(([k]) => k !== '__metadata__')
    .map(([, v]) => (v as { data_offsets: number[] }).data_offsets)
    .sort((a, b) => a[0] - b[0]);
  assert.deepEqual(spans, [
    [0, 60],
    [60, 72],
    [72, 96],
  ]);
  assert.equal(bytes.length - 8 - n, 96);
  assert.equal(header['q.weight'].dtype, 'F32');
  assert.deepEqual(header['q.weight'].shape, [3, 5]);
  // Raw data: first float of q.weight little-endian right after the header.
  assert.equal(dv.getFloat32(8 + n, true), p.q[0]);
  assert.equal(dv.getFloat32(8 + n + 60, true), p.w[0]);
});

test('a truncated or overlapping safetensors file is PROBE_INVALID', () => {
  const bytes = encodeSafetensors({ a: { shape: [4], data: new Float32Array(4) } });
  assert.throws(
    () => decodeSafetensors(bytes.subarray(0, bytes.length - 4)),
    (e: unknown) => e instanceof ProbescopeError && e.code === 'PROBE_INVALID',
  );
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const json = Buffer.from(bytes.subarray(8, 8 + n))
    .toString()
    .replace('[0,16]', '[4,16]');
  const broken = new Uint8Array(bytes);
  broken.set(Buffer.from(json), 8);
  assert.throws(() => decodeSafetensors(broken), /gap or overlap|needs/);
});

test('saveProbe then loadProbe returns bit-identical tensors and the manifest', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'ps-probe-')), 'probes', 'p1');
  const p = randomParams(4, 3, 16);
  await saveProbe(dir, p, manifest(4, ['a', 'b', 'c']));
  const { params, manifest: m } = await loadProbe(dir);
  assert.equal(params.H, 4);
  assert.equal(params.C, 3);
  assert.equal(params.D, 16);
  for (const k of ['q', 'w', 'V', 'b'] as const)
    assert.deepEqual(Buffer.from(params[k].buffer), Buffer.from(p[k].buffer), k);
  assert.deepEqual(m, manifest(4, ['a', 'b', 'c']));
  const header = decodeSafetensors(readFileSync(join(dir, 'probe.safetensors')));
  assert.deepEqual(Object.keys(header.tensors).sort(), ['position_weight', 'q.weight', 'v.bias', 'v.weight']);
  assert.deepEqual(header.tensors['v.weight'].shape, [12, 16]);
});

test('saving over an existing probe with force replaces it and leaves no temp folders behind', async () => {
  const root = mkdtempSync(join(tmpdir(), 'ps-probe-'));
  const dir = join(root, 'p');
  await saveProbe(dir, randomParams(2, 1, 16), manifest(2, ['0', '1']));
  const p2 = randomParams(1, 1, 16);
  await saveProbe(dir, p2, { ...manifest(1, ['0', '1']), probe: 'mean' }, { force: true });
  const { params, manifest: m } = await loadProbe(dir);
  assert.equal(params.H, 1);
  assert.equal(m.probe, 'mean');
  assert.deepEqual(readdirSync(root), ['p']);
});

test('loadProbe refuses with PROBE_MISMATCH a probe from another model, hidden size or layer', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'ps-probe-')), 'p');
  await saveProbe(dir, randomParams(2, 1, 16), manifest(2, ['0', '1']));
  const ok = { hash: 'abc123', hiddenSize: 16, numLayers: 4 };
  await loadProbe(dir, ok);
  const mismatch = (e: unknown) => e instanceof ProbescopeError && e.code === 'PROBE_MISMATCH';
  await assert.rejects(loadProbe(dir, { ...ok, hash: 'zzz' }), mismatch);
  await assert.rejects(loadProbe(dir, { ...ok, hiddenSize: 32 }), mismatch);
  assert.throws(() => checkProbeMatchesModel(manifest(2, ['0', '1']), { ...ok, numLayers: 2 }), mismatch);
});

test('a probe.json that does not match its tensors is PROBE_INVALID', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'ps-probe-')), 'p');
  await saveProbe(dir, randomParams(2, 1, 16), manifest(2, ['0', '1']));
  writeFileSync(join(dir, 'probe.json'), JSON.stringify({ ...manifest(3, ['0', '1']) }));
  await assert.rejects(loadProbe(dir), (e: unknown) => e instanceof ProbescopeError && e.code === 'PROBE_INVALID');
});
