/** The `probescope` subcommands; each command file exports a CliCommand and is listed here (help keeps this order). */
import type { CliCommand } from '../command';
import { activationsCommand } from './activations';
import { cacheMergeCommand } from './cacheMerge';
import { cacheVerifyCommand } from './cacheVerify';
import { classifyCommand } from './classify';
import { compareCommand } from './compare';
import { demoCommand } from './demo';
import { evalCommand } from './eval';
import { trainCommand } from './train';

export const commands: CliCommand[] = [
  activationsCommand,
  trainCommand,
  evalCommand,
  compareCommand,
  classifyCommand,
  demoCommand,
  cacheVerifyCommand,
  cacheMergeCommand,
];
