/** Flag parsing shared by the train/eval/classify/demo commands: typed values or BAD_ARGUMENT naming the flag. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LayerSpec } from '../../protocol/types';
import { ProbescopeError } from '../../core/errors';

type Values = Record<string, string | boolean | undefined>;

/** Decimal spellings only: "12", "-3", "0.5", "1e-3" — not "0x10", "0b1", "Infinity" or "" (all of which Number takes). */
const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export function str(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function required(values: Values, name: string): string {
  const v = str(values, name);
  if (v === undefined || v === '') throw new ProbescopeError('BAD_ARGUMENT', `Missing --${name}.`);
  return v;
}

export function num(
  values: Values,
  name: string,
  opts: { integer?: boolean; min?: number; max?: number } = {},
): number | undefined {
  const v = str(values, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  const ok =
    (opts.integer ? INTEGER : DECIMAL).test(v.trim()) &&
    Number.isFinite(n) &&
    (!opts.integer || Number.isInteger(n)) &&
    (opts.min === undefined || n >= opts.min) &&
    (opts.max === undefined || n <= opts.max);
  if (!ok) {
    const range =
      opts.min !== undefined || opts.max !== undefined ? ` in [${opts.min ?? '-∞'}, ${opts.max ?? '∞'}]` : '';
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      `--${name} must be ${opts.integer ? 'an integer' : 'a number'}${range}; got "${v}".`,
    );
  }
  return n;
}

/** A comma-separated list of integers ("0,1,2"), or undefined when the flag is absent. */
export function intList(values: Values, name: string): number[] | undefined {
  const v = str(values, name);
  if (v === undefined) return undefined;
  const parts = v.split(',').map((x) => x.trim());
  if (parts.some((x) => !INTEGER.test(x)))
    throw new ProbescopeError('BAD_ARGUMENT', `--${name} must be comma-separated integers such as 0,1,2; got "${v}".`);
  return parts.map(Number);
}

export function layer(values: Values, name = 'layer'): LayerSpec {
  const v = required(values, name);
  if (v === 'final') return 'final';
  const n = Number(v);
  if (!INTEGER.test(v.trim()) || n < 0)
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      `--${name} must be a layer number (0 = embeddings) or "final"; got "${v}".`,
    );
  return n;
}

export function oneOf<T extends string>(values: Values, name: string, allowed: readonly T[]): T | undefined {
  const v = str(values, name);
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v))
    throw new ProbescopeError('BAD_ARGUMENT', `--${name} must be one of ${allowed.join(', ')}; got "${v}".`);
  return v as T;
}

/** The folder holding package.json, walking up from this file: works from src/ (tsx) and from dist/cli.js. */
export function packageRoot(): string {
  let dir = typeof __dirname === 'string' ? __dirname : process.cwd();
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'examples'))) return dir;
    const parent = dirname(dir);
    if (parent === dir)
      throw new ProbescopeError('INTERNAL', 'Cannot find the Probescope package folder (package.json with examples/).');
    dir = parent;
  }
}
