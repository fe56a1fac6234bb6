#!/usr/bin/env node
// The project's test runner: `node test/run.mjs [unit|scripts|e2e|integration|all] [path-prefix…] [--node-test-flag…]`.
// Runs node:test (TypeScript through tsx) over test/<group>/**/*.test.ts, the human-readable report on stdout, and
// ends with one line `N passed, N failed, N skipped`. Exits non-zero when anything failed.
// Node 20's --test takes no globs, so the files are collected here. Integration tests share one real VS Code host
// setup and run one file at a time.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const groups = ['unit', 'scripts', 'e2e', 'integration'];

const args = process.argv.slice(2);
const which = args[0] && !args[0].startsWith('-') && !args[0].includes('/') ? args.shift() : 'all';
if (which !== 'all' && !groups.includes(which)) {
  console.error(`test/run.mjs: unknown group '${which}' (use unit, scripts, e2e, integration or all)`);
  process.exit(2);
}
const nodeFlags = args.filter((a) => a.startsWith('--'));
const prefixes = args.filter((a) => !a.startsWith('--')).map((p) => relative(root, resolve(p)));

function collect(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .flatMap((e) => {
      const p = join(dir, e.name);
      if (e.isDirectory()) return e.name === 'fixtures' || e.name === 'node_modules' ? [] : collect(p);
      return e.name.endsWith('.test.ts') ? [p] : [];
    })
    .sort();
}

function count(tap, key) {
  const m = new RegExp(`^# ${key} (\\d+)$`, 'm').exec(tap);
  return m ? Number(m[1]) : 0;
}

const total = { passed: 0, failed: 0, skipped: 0 };
let failedRun = false;
const tmp = mkdtempSync(join(tmpdir(), 'probescope-tests-'));

for (const group of which === 'all' ? groups : [which]) {
  const files = collect(join(root, 'test', group))
    .map((f) => relative(root, f))
    .filter((f) => prefixes.length === 0 || prefixes.some((p) => f.startsWith(p)));
  if (files.length === 0) continue;
  console.log(`\n── ${group}: ${files.length} file${files.length === 1 ? '' : 's'}`);
  const tapFile = join(tmp, `${group}.tap`);
  const res = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      ...(group === 'integration' ? ['--test-concurrency=1'] : []),
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tapFile}`,
      ...nodeFlags,
      ...files,
    ],
    { cwd: root, stdio: 'inherit' },
  );
  let tap = '';
  try {
    tap = readFileSync(tapFile, 'utf8');
  } catch {
    // node could not start the run at all; counted as a failure below.
  }
  const failed = count(tap, 'fail') + count(tap, 'cancelled');
  total.passed += count(tap, 'pass');
  total.failed += failed;
  total.skipped += count(tap, 'skipped') + count(tap, 'todo');
  if (res.status !== 0 || failed > 0 || tap === '') {
    failedRun = true;
    if (failed === 0) total.failed += 1; // the run itself broke (no summary, or a crash outside any test)
  }
}
rmSync(tmp, { recursive: true, force: true });

console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(failedRun ? 1 : 0);
