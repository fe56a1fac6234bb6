/**
 * Hostile probe folders (issue #8 item 6): probe files that are symlinks to /dev/zero, FIFOs, huge files or lying
 * safetensors headers are refused from their file type and size before any read, so a listing never blocks or grows
 * memory. (The Probes view lists probes in the extension host with exactly these bounded reads.)
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ProbescopeError } from '../../../../src/core/errors';
import { listProbes } from '../../../../src/core/probes/listProbes';
import { loadProbe, saveProbe } from '../../../../src/core/probes/probeFile';
import { readProbeManifest } from '../../../../src/core/probes/probeManifest';
import { probeManifest, probeParams } from './helpers/probeFixture';

const invalid = (e: unknown) => e instanceof ProbescopeError && e.code === 'PROBE_INVALID';

async function probesRoot(): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'ps-hostile-'));
  await saveProbe(join(root, 'good'), probeParams(2, 1), probeManifest('good', 2));
  // probe.json -> /dev/zero (endless), a FIFO (blocks a plain read forever), a 200 MB sparse file.
  mkdirSync(join(root, 'zero'));
  symlinkSync('/dev/zero', join(root, 'zero', 'probe.json'));
  mkdirSync(join(root, 'fifo'));
  execFileSync('mkfifo', [join(root, 'fifo', 'probe.json')]);
  mkdirSync(join(root, 'huge'));
  writeFileSync(join(root, 'huge', 'probe.json'), '{');
  truncateSync(join(root, 'huge', 'probe.json'), 200 * 2 ** 20);
  return root;
}

test('listing a probes folder with /dev/zero, FIFO and 200 MB probe.json files returns only the real probe', async () => {
  const root = await probesRoot();
  const listed = await listProbes(root);
  assert.deepEqual(
    listed.map((p) => p.manifest.name),
    ['good'],
  );
  for (const [name, says] of [
    ['zero', /a device, not a regular file/],
    ['fifo', /a pipe \(FIFO\), not a regular file/],
    ['huge', /209715200 bytes; a probe\.json is at most 1048576 bytes/],
  ] as const) {
    await assert.rejects(readProbeManifest(join(root, name)), (e: unknown) => {
      assert.ok(invalid(e), String(e));
      assert.match((e as Error).message, says);
      return true;
    });
  }
});

test('probe.safetensors as /dev/zero, a FIFO, an oversized file or a lying header length is refused before reading', async () => {
  const root = mkdtempSync(join(tmpdir(), 'ps-hostile-'));
  const cases: [string, (file: string) => void, RegExp][] = [
    ['zero', (f) => symlinkSync('/dev/zero', f), /a device/],
    ['fifo', (f) => execFileSync('mkfifo', [f]), /FIFO/],
    [
      'big',
      (f) => {
        writeFileSync(f, Buffer.alloc(8));
        truncateSync(f, 64 * 2 ** 20);
      },
      /is 67108864 bytes; a probe\.safetensors is at most \d+ bytes/,
    ],
    [
      'header',
      (f) => {
        const b = Buffer.alloc(64);
        b.writeBigUInt64LE(2n ** 40n, 0);
        writeFileSync(f, b);
      },
      /header length 1099511627776 does not fit/,
    ],
  ];
  for (const [name, make, says] of cases) {
    const dir = join(root, name);
    await saveProbe(dir, probeParams(2, 1), probeManifest(name, 2));
    const file = join(dir, 'probe.safetensors');
    execFileSync('rm', [file]);
    make(file);
    await assert.rejects(loadProbe(dir), (e: unknown) => {
      assert.ok(invalid(e), `${name}: ${String(e)}`);
      assert.match((e as Error).message, says, name);
      return true;
    });
  }
});

test('a dataset that is a FIFO or a link to /dev/zero is refused at once, not read', async () => {
  const { readDataset } = await import('../../../../src/core/data');
  const root = mkdtempSync(join(tmpdir(), 'ps-hostile-data-'));
  execFileSync('mkfifo', [join(root, 'fifo.jsonl')]);
  symlinkSync('/dev/zero', join(root, 'zero.csv'));
  for (const [name, says] of [
    ['fifo.jsonl', /a pipe \(FIFO\)/],
    ['zero.csv', /not a regular file/],
  ] as const) {
    await assert.rejects(readDataset(join(root, name)), (e: unknown) => {
      assert.ok(e instanceof ProbescopeError && e.code === 'DATASET_INVALID', String(e));
      assert.match(e.message, says);
      return true;
    });
  }
});
