/**
 * Data safety of probe saves (issue #8 items 1-3): --out never deletes or overwrites what is not a probe, replacing
 * needs force and keeps the old probe until the new one is complete, a save killed at any point is finished or rolled
 * back on the next start, and Rename Probe follows one name rule and never loses the folder.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ProbescopeError } from '../../../../src/core/errors';
import { loadProbe, saveProbe } from '../../../../src/core/probes/probeFile';
import { recoverInterruptedSaves } from '../../../../src/core/probes/probeOutput';
import { MAX_PROBE_NAME, renameProbeFolder } from '../../../../src/core/probes/probeRename';
import { setWriteFault } from '../../../../src/core/storage';
import { probeManifest, probeParams } from './helpers/probeFixture';

const repoRoot = join(import.meta.dirname, '../../../..');
const isCode = (code: string) => (e: unknown) => e instanceof ProbescopeError && e.code === code;
const fresh = () => mkdtempSync(join(tmpdir(), 'ps-save-'));

/** Every file under dir with its contents, for before/after comparisons. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        out[`${r}/`] = '';
        walk(join(d, e.name), r);
      } else out[r] = readFileSync(join(d, e.name)).toString('base64');
    }
  };
  walk(dir, '');
  return out;
}

process.env.PROBESCOPE_STATE_DIR = join(fresh(), 'state');

test('saving into a folder with user files is refused and deletes nothing (results/, the project root itself)', async () => {
  const project = fresh();
  mkdirSync(join(project, '.git'));
  writeFileSync(join(project, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  mkdirSync(join(project, 'results'));
  writeFileSync(join(project, 'results', 'table.csv'), 'a,b\n1,2\n');
  writeFileSync(join(project, 'notes.md'), '# notes\n');
  const before = snapshot(project);
  for (const out of [join(project, 'results'), project, join(project, 'notes.md')]) {
    for (const force of [false, true]) {
      await assert.rejects(saveProbe(out, probeParams(2, 1), probeManifest('p', 2), { force }), (e: unknown) => {
        assert.ok(isCode('OUTPUT_REFUSED')(e), String(e));
        assert.match((e as Error).message, new RegExp(out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
        return true;
      });
    }
  }
  assert.deepEqual(snapshot(project), before, 'nothing written or deleted');
});

test('a new folder and an existing empty folder take a probe', async () => {
  const root = fresh();
  await saveProbe(join(root, 'a', 'b'), probeParams(2, 1), probeManifest('b', 2));
  mkdirSync(join(root, 'empty'));
  await saveProbe(join(root, 'empty'), probeParams(3, 1), probeManifest('empty', 3));
  assert.equal((await loadProbe(join(root, 'a', 'b'))).params.H, 2);
  assert.equal((await loadProbe(join(root, 'empty'))).params.H, 3);
  assert.deepEqual(readdirSync(root).sort(), ['a', 'empty']);
});

test('replacing a probe needs force; a probe folder with other files is never replaced', async () => {
  const root = fresh();
  const dir = join(root, 'p');
  await saveProbe(dir, probeParams(2, 1), probeManifest('p', 2));
  await assert.rejects(saveProbe(dir, probeParams(1, 1), probeManifest('p', 1)), (e: unknown) => {
    assert.ok(isCode('OUTPUT_REFUSED')(e));
    assert.match((e as Error).message, /--force/);
    return true;
  });
  assert.equal((await loadProbe(dir)).params.H, 2, 'refused save left the old probe');
  await saveProbe(dir, probeParams(1, 1), probeManifest('p', 1), { force: true });
  assert.equal((await loadProbe(dir)).params.H, 1);
  assert.deepEqual(readdirSync(root), ['p'], 'no temp or old folders left');
  writeFileSync(join(dir, 'my-notes.txt'), 'keep me');
  await assert.rejects(
    saveProbe(dir, probeParams(3, 1), probeManifest('p', 3), { force: true }),
    isCode('OUTPUT_REFUSED'),
  );
  assert.equal(readFileSync(join(dir, 'my-notes.txt'), 'utf8'), 'keep me');
});

test('a disk-full save (stubbed ENOSPC write) keeps the old probe, leaves no temp folder and says how much is needed', async () => {
  const root = fresh();
  const dir = join(root, 'p');
  await saveProbe(dir, probeParams(2, 1), probeManifest('p', 2));
  setWriteFault((file) => {
    if (file.endsWith('probe.safetensors')) throw Object.assign(new Error('ENOSPC: no space left'), { code: 'ENOSPC' });
  });
  try {
    await assert.rejects(saveProbe(dir, probeParams(4, 1), probeManifest('p', 4), { force: true }), (e: unknown) => {
      assert.ok(isCode('DISK_FULL')(e), String(e));
      assert.match((e as Error).message, /needs about [\d.]+ MiB more in .*free there/);
      return true;
    });
  } finally {
    setWriteFault(undefined);
  }
  assert.equal((await loadProbe(dir)).params.H, 2);
  assert.deepEqual(readdirSync(root), ['p']);
});

for (const [point, expectH, says] of [
  ['swap:after-journal', 2, undefined],
  ['swap:after-temp', 3, /finished/],
  ['swap:after-move-old', 3, /finished/],
  ['swap:after-move-new', 3, /removed the previous version/],
] as const) {
  test(`a save killed at ${point} is ${expectH === 3 ? 'finished' : 'rolled back'} by the next start`, async () => {
    const root = fresh();
    const dir = join(root, 'probe');
    await saveProbe(dir, probeParams(2, 1), probeManifest('old', 2));
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'helpers/saveChild.ts'), dir, '3'],
      { cwd: repoRoot, env: { ...process.env, PROBESCOPE_TEST_KILL_AT: point }, encoding: 'utf8' },
    );
    assert.equal(child.signal, 'SIGKILL', `the child must die at the kill point: ${child.stderr}`);
    const lines = await recoverInterruptedSaves();
    if (says) assert.match(lines.join('\n'), says);
    assert.equal((await loadProbe(dir)).params.H, expectH);
    assert.deepEqual(readdirSync(root), ['probe'], `left: ${readdirSync(root).join(', ')}`);
    assert.deepEqual(await recoverInterruptedSaves(), [], 'nothing left to recover');
  });
}

test('the CLI lists what it recovered at start', async () => {
  const root = fresh();
  const dir = join(root, 'probe');
  await saveProbe(dir, probeParams(2, 1), probeManifest('old', 2));
  const env = { ...process.env, PROBESCOPE_TEST_KILL_AT: 'swap:after-move-old' };
  spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'helpers/saveChild.ts'), dir, '3'], {
    cwd: repoRoot,
    env,
  });
  assert.deepEqual(
    readdirSync(root).filter((n) => n === 'probe'),
    [],
    'killed between the renames: no probe',
  );
  const cli = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), 'version'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(cli.stderr, /probescope: recovered: probe: finished an interrupted save/);
  assert.equal((await loadProbe(dir)).params.H, 3);
});

test('Rename Probe: one name rule (reserved suffixes, . and .., length), never replaces an existing folder', async () => {
  const root = fresh();
  const dir = join(root, 'p');
  await saveProbe(dir, probeParams(2, 1), probeManifest('p', 2));
  for (const bad of ['x.tmp-1', 'x.old-1', '.', '..', 'a/b', '', 'x'.repeat(MAX_PROBE_NAME + 1), 'trailing.']) {
    await assert.rejects(renameProbeFolder(dir, bad), isCode('BAD_ARGUMENT'), bad);
  }
  mkdirSync(join(root, 'taken'));
  await assert.rejects(renameProbeFolder(dir, 'taken'), isCode('OUTPUT_REFUSED'));
  assert.deepEqual(readdirSync(join(root, 'taken')), [], 'the empty folder was not replaced');
  const target = await renameProbeFolder(dir, 'x'.repeat(MAX_PROBE_NAME));
  assert.equal((await loadProbe(target)).manifest.name, 'x'.repeat(MAX_PROBE_NAME));
  assert.deepEqual(readdirSync(root).sort(), ['taken', 'x'.repeat(MAX_PROBE_NAME)]);
});

test('Rename Probe renames the folder first and rolls it back when probe.json cannot be rewritten', async () => {
  const root = fresh();
  const dir = join(root, 'p');
  await saveProbe(dir, probeParams(2, 1), probeManifest('p', 2));
  setWriteFault((file) => {
    if (file.includes('probe.json')) throw Object.assign(new Error('EIO'), { code: 'EIO' });
  });
  try {
    await assert.rejects(renameProbeFolder(dir, 'q'), isCode('IO_ERROR'));
  } finally {
    setWriteFault(undefined);
  }
  assert.deepEqual(readdirSync(root), ['p']);
  assert.equal((await loadProbe(dir)).manifest.name, 'p', 'old name kept in probe.json');
});

test('Delete Probe deletes only a folder holding just a probe (never the project root or a folder with user files)', async () => {
  const { checkDeletableProbe } = await import('../../../../src/core/probes/probeOutput');
  const project = fresh();
  writeFileSync(join(project, 'notes.md'), 'mine');
  const probe = join(project, 'p');
  await saveProbe(probe, probeParams(2, 1), probeManifest('p', 2));
  await checkDeletableProbe(probe);
  for (const dir of [project, join(project, 'notes.md'), join(project, 'missing')])
    await assert.rejects(checkDeletableProbe(dir), isCode('OUTPUT_REFUSED'), dir);
  writeFileSync(join(probe, 'extra.txt'), 'mine too');
  await assert.rejects(checkDeletableProbe(probe), isCode('OUTPUT_REFUSED'));
});

test('recovery never moves a folder of user files that appeared at the target after the kill', async () => {
  const root = fresh();
  const dir = join(root, 'probe');
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'helpers/saveChild.ts'), dir, '3'],
    { cwd: repoRoot, env: { ...process.env, PROBESCOPE_TEST_KILL_AT: 'swap:after-temp' }, encoding: 'utf8' },
  );
  assert.equal(child.signal, 'SIGKILL', child.stderr);
  mkdirSync(dir);
  writeFileSync(join(dir, 'mine.txt'), 'user data');
  const before = snapshot(root);
  const lines = await recoverInterruptedSaves();
  assert.match(lines.join('\n'), /left as found .*now holds other files/);
  assert.deepEqual(snapshot(root), before, 'nothing moved, written or deleted');
});
