/**
 * A time budget for one tokenizer call. The tokenizer runs the regular expressions of tokenizer.json (pre-tokenizer
 * Split, normalizer/decoder Replace patterns) in the JS regex engine, which backtracks: a pattern like `(a+)+$` on a
 * long run of "a" never finishes and would freeze the worker or the CLI. Each call runs inside node:vm with `timeout`
 * (V8 terminates the regex) and `breakOnSigint` (Ctrl-C interrupts it even though JS is busy).
 *
 * Budget per text: TOKENIZE_BUDGET_BASE_MS + TOKENIZE_BUDGET_MS_PER_CHAR · characters (the real Gemma 3 tokenizer
 * takes ≈ 8 µs per character here, so the budget is > 10× the measured cost); PROBESCOPE_TOKENIZE_BUDGET_MS overrides
 * the base (tests). Overhead ≈ 70 µs per call (the watchdog thread).
 */
import * as vm from 'node:vm';
import { ProbescopeError } from '../errors';

export const TOKENIZE_BUDGET_BASE_MS = 10_000;
export const TOKENIZE_BUDGET_MS_PER_CHAR = 0.1;

const context = vm.createContext({ job: undefined as (() => unknown) | undefined, out: undefined as unknown });
const script = new vm.Script('out = job(); job = undefined;');

/** The budget in ms for a text of `chars` characters. */
export function tokenizeBudgetMs(chars: number): number {
  const base = Number(process.env.PROBESCOPE_TOKENIZE_BUDGET_MS) || TOKENIZE_BUDGET_BASE_MS;
  return Math.ceil(base + TOKENIZE_BUDGET_MS_PER_CHAR * chars);
}

/**
 * fn() within the budget for a text of `chars` characters. Over budget → MODEL_INVALID naming `source` (the tokenizer
 * file) and the likely cause; interrupted by Ctrl-C → CANCELLED. Errors thrown by fn pass through.
 */
export function withTokenizeBudget<T>(fn: () => T, chars: number, source: string): T {
  const ms = tokenizeBudgetMs(chars);
  context.job = fn;
  try {
    script.runInContext(context, { timeout: ms, breakOnSigint: true });
    return context.out as T;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      throw new ProbescopeError(
        'MODEL_INVALID',
        `Tokenizing a text of ${chars} characters took more than ${(ms / 1000).toFixed(1)} s and was stopped. The ` +
          `tokenizer in ${source} is pathologically slow on it: most likely a regular expression in tokenizer.json ` +
          '(a pre_tokenizer Split or a normalizer/decoder Replace pattern) backtracks catastrophically. Use the ' +
          "tokenizer.json that came with the model, or shorten the text's repeated characters.",
      );
    }
    if (code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED') throw new ProbescopeError('CANCELLED', 'Cancelled (Ctrl-C).');
    throw err;
  } finally {
    context.job = undefined;
    context.out = undefined;
  }
}
