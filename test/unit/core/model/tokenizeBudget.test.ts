/**
 * Issue #8 item 7: a tokenizer.json whose pre-tokenizer Split pattern backtracks catastrophically (`(a+)+$` on a long
 * run of "a") neither hangs the engine (each text has a time budget) nor makes the CLI deaf to Ctrl-C (checked on a
 * real child process with real signals).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ProbescopeError } from '../../../../src/core/errors';
import { GemmaTokenizer } from '../../../../src/core/model/tokenizer';
import { repoRoot } from '../../worker/buildBundle';

const EVIL = 'a'.repeat(48) + 'b';

/** tiny-gemma2 with a catastrophic pre-tokenizer pattern. */
function hostileModel(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'ps-redos-')), 'model');
  cpSync(join(repoRoot, 'models/tiny-gemma2'), dir, { recursive: true });
  const file = join(dir, 'tokenizer.json');
  const json = JSON.parse(readFileSync(file, 'utf8'));
  json.pre_tokenizer = { type: 'Split', pattern: { Regex: '(a+)+$' }, behavior: 'Isolated', invert: false };
  writeFileSync(file, JSON.stringify(json));
  return dir;
}

test('a catastrophic tokenizer regex is stopped by the per-text budget with a message naming the tokenizer', async () => {
  const dir = hostileModel();
  const tok = await GemmaTokenizer.load(dir);
  const before = process.env.PROBESCOPE_TOKENIZE_BUDGET_MS;
  process.env.PROBESCOPE_TOKENIZE_BUDGET_MS = '300';
  try {
    assert.throws(
      () => tok.encode(EVIL),
      (e: unknown) => {
        assert.ok(e instanceof ProbescopeError && e.code === 'MODEL_INVALID', String(e));
        assert.match(e.message, /backtracks catastrophically/);
        assert.ok(e.message.includes(dir), 'names the model folder');
        return true;
      },
    );
    // The budgeted runner stays usable: ordinary texts still tokenize.
    assert.ok(tok.encode('hello world').length >= 2);
  } finally {
    if (before === undefined) delete process.env.PROBESCOPE_TOKENIZE_BUDGET_MS;
    else process.env.PROBESCOPE_TOKENIZE_BUDGET_MS = before;
  }
});

test('Ctrl-C stops a CLI run stuck in a catastrophic tokenizer regex (exit 130)', async () => {
  const model = hostileModel();
  const data = join(model, '..', 'data.jsonl');
  writeFileSync(data, [EVIL, 'ok text'].map((text) => JSON.stringify({ text })).join('\n') + '\n');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(repoRoot, 'src/cli/main.ts'),
      'activations',
      '--model',
      model,
      '--layers',
      '1',
      '--data',
      data,
      '--out',
      join(model, '..', 'cache'),
      '--execution-provider',
      'cpu',
    ],
    // A budget far beyond the test's life: only the signal can end the run.
    {
      cwd: repoRoot,
      env: { ...process.env, PROBESCOPE_TOKENIZE_BUDGET_MS: '3600000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  let timer: NodeJS.Timeout | undefined;
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    // Once tokenizing has started, press Ctrl-C (again every second, as a user would, until it quits).
    if (!timer && /^Tokenizing 2 texts/m.test(stderr)) {
      const press = () => child.kill('SIGINT');
      setTimeout(press, 300);
      timer = setInterval(press, 1000);
    }
  });
  const code = await exited;
  clearInterval(timer);
  assert.ok(timer, `tokenizing never started:\n${stderr}`);
  assert.equal(code, 130, stderr);
  assert.match(stderr, /cancel/i);
});

test('the second Ctrl-C quits a CLI run whose current step ignores the first (exit 130)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'ps-sigint-'));
  const data = join(root, 'data.jsonl');
  writeFileSync(data, JSON.stringify({ text: 'hello' }) + '\n');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(repoRoot, 'src/cli/main.ts'),
      'activations',
      '--model',
      join(repoRoot, 'models/tiny-gemma2'),
      '--layers',
      '1',
      '--data',
      data,
      '--out',
      join(root, 'cache'),
      '--execution-provider',
      'cpu',
    ],
    // The test hook makes the tokenize step hang without looking at cancellation.
    {
      cwd: repoRoot,
      env: { ...process.env, PROBESCOPE_TEST_HANG_AT: 'cache:tokenize' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  const presses: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    if (presses.length === 0 && /^Tokenizing 1 text/m.test(stderr)) {
      presses.push('first');
      child.kill('SIGINT');
    } else if (presses.length === 1 && /press Ctrl-C again to quit now/.test(stderr)) {
      // The first Ctrl-C was seen and the step ignores it: the process must still be running, and quit on the second.
      presses.push('second');
      assert.equal(child.exitCode, null, 'still running after the first Ctrl-C');
      child.kill('SIGINT');
    }
  });
  const code = await exited;
  assert.deepEqual(presses, ['first', 'second'], stderr);
  assert.equal(code, 130, stderr);
});
