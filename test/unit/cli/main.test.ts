/** The real `probescope` bundle: help, argument errors (exit 2, one stderr line) and `version` (JSON last line). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { version as packageVersion } from '../../../package.json';
import { commands } from '../../../src/cli/commands';
import { buildBundle, repoRoot } from '../worker/buildBundle';

describe('probescope CLI', () => {
  let bundle: Awaited<ReturnType<typeof buildBundle>>;
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [bundle.path, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const lines = (s: string) => s.split('\n').filter((l) => l.length > 0);

  before(async () => {
    bundle = await buildBundle('cli');
  });
  after(() => bundle.remove());

  test('--help lists version and every registered command, and exits 0', () => {
    const r = cli('--help');
    assert.equal(r.status, 0, r.stderr);
    for (const name of ['version', ...commands.map((c) => c.name)]) {
      assert.match(r.stdout, new RegExp(`^  ${name}\\s+\\S`, 'm'), `--help does not list ${name}`);
    }
  });

  test('<command> --help shows its usage and every option, and exits 0', () => {
    for (const cmd of [{ name: 'version', usage: 'probescope version', options: {} }, ...commands]) {
      const r = cli(cmd.name, '--help');
      assert.equal(r.status, 0, `${cmd.name} --help: ${r.stderr}`);
      assert.ok(r.stdout.includes(`Usage: ${cmd.usage}`), `${cmd.name} --help lacks its usage`);
      for (const opt of Object.keys(cmd.options))
        assert.ok(r.stdout.includes(`--${opt}`), `${cmd.name} --help lacks --${opt}`);
    }
  });

  test('version prints the package and onnxruntime versions as JSON on the last stdout line', () => {
    const r = cli('version');
    assert.equal(r.status, 0, r.stderr);
    const out = lines(r.stdout);
    const v = JSON.parse(out[out.length - 1]!) as {
      version: string;
      onnxruntime: string;
      backends: { name: string }[];
    };
    assert.equal(v.version, packageVersion);
    assert.match(v.onnxruntime, /^1\.30\.\d+$/);
    assert.ok(v.backends.some((b) => b.name === 'cpu'));
  });

  test('an unknown command exits 2 with one stderr line naming it and nothing on stdout', () => {
    const r = cli('frobnicate', '--model', 'x');
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    const err = lines(r.stderr);
    assert.equal(err.length, 1, r.stderr);
    assert.match(err[0]!, /^probescope: error: unknown command 'frobnicate'/);
  });

  test('an unknown option exits 2 with one stderr line naming it', () => {
    const r = cli('version', '--bogus');
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    const err = lines(r.stderr);
    assert.equal(err.length, 1, r.stderr);
    assert.match(err[0]!, /^probescope: error: .*'--bogus'/);
  });

  test('a stray positional argument exits 2 with one stderr line', () => {
    const r = cli('version', 'extra');
    assert.equal(r.status, 2);
    const err = lines(r.stderr);
    assert.equal(err.length, 1, r.stderr);
    assert.match(err[0]!, /^probescope: error: .*'extra'/);
  });

  test('a ProbescopeError from a command exits 1 with one stderr line and no result', () => {
    const r = cli(
      'train',
      '--model',
      '/nonexistent/model',
      '--data',
      'examples/topic-3class.jsonl',
      '--layer',
      '1',
      '--probe',
      'mean',
      '--out',
      '/nonexistent/out',
    );
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, '');
    const err = lines(r.stderr);
    assert.equal(err.length, 1, r.stderr);
    assert.match(err[0]!, /^probescope: error: .*\/nonexistent\/model/);
  });
});
