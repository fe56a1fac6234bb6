/**
 * A `probescope` subcommand. Options use node:util parseArgs definitions; `run` returns the JSON object the CLI
 * prints as its last stdout line. Progress goes to `ctx.progress` (stderr). Throw ProbescopeError for bad input.
 */
import type { ProgressEvent, TrainingStepEvent } from '../protocol/types';

export interface CliOption {
  type: 'string' | 'boolean';
  short?: string;
  default?: string | boolean;
  description: string;
  /** Shown in --help as the value placeholder, e.g. DIR. */
  valueName?: string;
}

export interface CliContext {
  /** Writes a human-readable progress line to stderr. */
  progress(event: Omit<ProgressEvent, 'progressId'>): void;
  step(event: Omit<TrainingStepEvent, 'progressId'>): void;
  log(message: string): void;
  signal: AbortSignal;
}

export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, CliOption>;
  /** Accept bare arguments (e.g. the further folders of `compare --probes A B C`); passed to run. */
  allowPositionals?: boolean;
  run(values: Record<string, string | boolean | undefined>, ctx: CliContext, positionals?: string[]): Promise<object>;
}
