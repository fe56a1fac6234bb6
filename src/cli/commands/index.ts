/** The `probescope` subcommands; each command file exports a CliCommand and is listed here (help keeps this order). */
import type { CliCommand } from '../command';
import { activationsCommand } from './activations';
import { cacheMergeCommand } from './cacheMerge';
import { cacheVerifyCommand } from './cacheVerify';
import { classifyCommand } from './classify';
import { compareCommand } from './compare';
import { demoCommand } from './demo';
import { downloadCommand, variantsCommand } from './download';
import { evalCommand } from './eval';
import { scoreCommand } from './score';
import { trainCommand } from './train';

export const commands: CliCommand[] = [
  activationsCommand,
  trainCommand,
  evalCommand,
  compareCommand,
  classifyCommand,
  scoreCommand,
  demoCommand,
  cacheVerifyCommand,
  variantsCommand,
  downloadCommand,
  cacheMergeCommand,
];
