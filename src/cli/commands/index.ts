/** The `probescope` subcommands; each command file exports a CliCommand and is listed here (help keeps this order). */
import type { CliCommand } from '../command';
import { activationsCommand } from './activations';
import { classifyCommand } from './classify';
import { demoCommand } from './demo';
import { evalCommand } from './eval';
import { scoreCommand } from './score';
import { trainCommand } from './train';

export const commands: CliCommand[] = [
  activationsCommand,
  trainCommand,
  evalCommand,
  classifyCommand,
  scoreCommand,
  demoCommand,
];
