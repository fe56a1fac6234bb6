/**
 * Issue #8 "done means": every CLI command, run with a project as its working folder, leaves everything the user
 * created untouched (same type, bytes and mtime, nothing deleted) and creates files only inside Probescope's own
 * folders (the --out probe folders, .probescope/, the cache folder it was given). Runs the real CLI bundle as a child
 * process; HOME, TMPDIR and the state folder point outside the project.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildBundle, repoRoot } from '../worker/buildBundle';

const MODEL = join(repoRoot, 'models/tiny-gemma2');

interface Entry {
  type: string;
  size: number;
  mtimeMs: number;
  sha?: string;
}

/** Every path under dir (symlinks not followed) with type, size, mtime and content hash. */
function walk(dir: string, rel = '', out = new Map<string, Entry>()): Map<string, Entry> {
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    const st = lstatSync(join(dir, r));
    const type = st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : 'file';
    out.set(r, {
      type,
      size: st.size,
      mtimeMs: st.mtimeMs,
      sha:
        type === 'file'
          ? createHash('sha256')
              .update(readFileSync(join(dir, r)))
              .digest('hex')
          : undefined,
    });
    if (type === 'dir') walk(dir, r, out);
  }
  return out;
}

describe('CLI commands never write or delete user files in a project', () => {
  let bundle: Awaited<ReturnType<typeof buildBundle>>;
  let project: string;
  let outside: string;
  before(async () => {
    bundle = await buildBundle('cli');
    outside = mkdtempSync(join(tmpdir(), 'ps-outside-'));
    project = mkdtempSync(join(tmpdir(), 'ps-project-'));
    mkdirSync(join(project, '.git', 'refs'), { recursive: true });
    writeFileSync(join(project, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    mkdirSync(join(project, 'src'));
    writeFileSync(join(project, 'src', 'main.py'), 'print("hi")\n');
    mkdirSync(join(project, 'results'));
    writeFileSync(join(project, 'results', 'table.csv'), 'a,b\n1,2\n');
    mkdirSync(join(project, 'probes'));
    writeFileSync(join(project, 'probes', 'README.md'), 'my probes\n');
    mkdirSync(join(project, 'cache'));
    writeFileSync(join(project, 'cache', 'keep.txt'), 'mine\n');
    symlinkSync('src/main.py', join(project, 'link.py'));
    const rows = Array.from({ length: 16 }, (_, i) =>
      JSON.stringify({ text: `${i % 2 ? 'great lovely' : 'awful bad'} review ${i}`, label: i % 2 }),
    );
    writeFileSync(join(project, 'data.jsonl'), rows.join('\n') + '\n');
  });
  after(() => bundle?.remove());

  const common = [
    '--model',
    MODEL,
    '--data',
    'data.jsonl',
    '--layer',
    '1',
    '--probe',
    'mean',
    '--execution-provider',
    'cpu',
  ];
  // [arguments, expected exit status, folders (relative) the command may create files in]
  const commands: [string[], number, string[]][] = [
    [['version'], 0, []],
    [['activations', '--model', MODEL, '--layers', '1', '--text', 'hello there'], 0, []],
    [
      ['activations', '--model', MODEL, '--layers', '1', '--data', 'data.jsonl', '--out', '.probescope/cache'],
      0,
      ['.probescope'],
    ],
    [['train', ...common, '--out', 'results'], 2, []],
    [['train', ...common, '--out', '.'], 2, []],
    [['train', ...common, '--out', '.', '--force'], 2, []],
    [['train', ...common, '--out', 'data.jsonl', '--force'], 2, []],
    [['train', ...common, '--out', 'probes'], 2, []],
    [['train', ...common, '--out', 'probes/p1', '--cache-dir', '.probescope/cache'], 0, ['probes/p1', '.probescope']],
    [['train', ...common, '--out', 'probes/p1'], 2, []],
    [['train', ...common, '--out', 'probes/p1', '--force'], 0, ['probes/p1']],
    [['train', ...common, '--out', 'new-probe'], 0, ['new-probe']],
    [['eval', '--probe', 'probes/p1', '--data', 'data.jsonl', '--execution-provider', 'cpu'], 0, []],
    [['classify', '--probe', 'probes/p1', '--text', 'great lovely', '--execution-provider', 'cpu'], 0, []],
    [['demo'], 0, ['.probescope']],
    [['demo'], 0, ['.probescope']],
    [['cache', 'verify', '--cache-dir', '.probescope/cache'], 0, []],
  ];

  for (const [args, status, owned] of commands) {
    it(`probescope ${args.filter((a) => a !== MODEL).join(' ')}`, () => {
      const before = walk(project);
      const r = spawnSync(process.execPath, [bundle.path, ...args], {
        cwd: project,
        encoding: 'utf8',
        env: { ...process.env, HOME: outside, TMPDIR: outside, PROBESCOPE_STATE_DIR: join(outside, 'state') },
      });
      assert.equal(r.status, status, r.stderr);
      const afterWalk = walk(project);
      const mine = (p: string) => owned.some((o) => p === o || p.startsWith(`${o}/`));
      for (const [p, e] of before) {
        if (mine(p)) continue;
        const now = afterWalk.get(p);
        assert.ok(now, `${p} was deleted`);
        // A folder that gained one of Probescope's own folders changes its mtime; its entries are checked themselves.
        if (e.type === 'dir') assert.equal(now.type, 'dir', p);
        else assert.deepEqual(now, e, `${p} was changed`);
      }
      for (const p of afterWalk.keys())
        if (!before.has(p)) assert.ok(mine(p), `${p} was created outside Probescope's own folders`);
    });
  }
});
