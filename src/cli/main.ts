/**
 * `probescope` (dist/cli.js). Contract (DESIGN.md "CLI contract"): the JSON result is the LAST line of stdout, progress
 * goes to stderr; exit 0 ok, 1 on a ProbescopeError (one line), 2 on bad arguments (one line `probescope: error: …`),
 * 130 when interrupted. Ctrl-C aborts the command's AbortSignal; a second Ctrl-C quits at once.
 */
import { parseArgs } from 'node:util';
import { ProbescopeError } from '../core/errors';
import { recoverInterruptedSaves } from '../core/probes/probeOutput';
import { fsError } from '../core/storage/fsErrors';
import { versionFacts } from '../worker/versionInfo';
import type { CliCommand, CliContext, CliOption } from './command';
import { commands as registered } from './commands';
import { formatProgress, formatStep, Throttle } from './progressFormat';

const versionCommand: CliCommand = {
  name: 'version',
  summary:
    'Print the Probescope, Node and ONNX Runtime versions, the backends and which execution providers can run here (with why not) as JSON.',
  usage: 'probescope version',
  options: {},
  run: async () => {
    const { version, onnxruntime, node, backends, executionProviders } = await versionFacts();
    return { version, onnxruntime, node, backends, executionProviders };
  },
};

/** Exit status and message for arguments the user must fix. */
class UsageError extends Error {}

function allCommands(): CliCommand[] {
  return [versionCommand, ...registered.filter((c) => c.name !== 'version')];
}

function mainHelp(cmds: CliCommand[]): string {
  const width = Math.max(...cmds.map((c) => c.name.length)) + 2;
  return [
    'probescope: train attention probes on Gemma hidden states (ONNX Runtime).',
    '',
    'Usage: probescope <command> [options]',
    '',
    'Commands:',
    ...cmds.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Every command prints one JSON object as the last line of stdout; progress goes to stderr.',
    'Run `probescope <command> --help` for the options of a command.',
    '',
  ].join('\n');
}

function commandHelp(cmd: CliCommand): string {
  const rows: [string, string][] = Object.entries(cmd.options).map(([name, o]) => [optionLabel(name, o), describe(o)]);
  rows.push(['-h, --help', 'Show this help.']);
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  return [
    `Usage: ${cmd.usage}`,
    '',
    cmd.summary,
    '',
    'Options:',
    ...rows.map(([l, d]) => `  ${l.padEnd(width)}${d}`),
    '',
  ].join('\n');
}

function optionLabel(name: string, o: CliOption): string {
  const flag = `${o.short ? `-${o.short}, ` : ''}--${name}`;
  return o.type === 'string' ? `${flag} ${o.valueName ?? 'VALUE'}` : flag;
}

function describe(o: CliOption): string {
  return o.default === undefined || o.default === false ? o.description : `${o.description} (default: ${o.default})`;
}

function parseCommandArgs(
  cmd: CliCommand,
  args: string[],
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; default?: string | boolean }> = {};
  for (const [name, o] of Object.entries(cmd.options)) {
    options[name] = {
      type: o.type,
      ...(o.short ? { short: o.short } : {}),
      ...(o.default !== undefined ? { default: o.default } : {}),
    };
  }
  try {
    const parsed = parseArgs({ args, options, strict: true, allowPositionals: cmd.allowPositionals === true });
    return { values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals };
  } catch (err) {
    const first = ((err as Error).message.split('\n')[0] ?? '').replace(/\. To specify a positional.*$/, '');
    throw new UsageError(`${first} (see \`probescope ${cmd.name} --help\`)`);
  }
}

function cliContext(signal: AbortSignal): CliContext {
  const throttle = new Throttle(250);
  return {
    progress: (e) => {
      if (throttle.allow(e.phase, e.done >= e.total || e.done === 0)) process.stderr.write(`${formatProgress(e)}\n`);
    },
    step: (e) => {
      if (throttle.allow('step', e.valLoss !== undefined)) process.stderr.write(`${formatStep(e)}\n`);
    },
    log: (message) => process.stderr.write(`${message}\n`),
    signal,
  };
}

function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

async function run(argv: string[]): Promise<number> {
  const cmds = allCommands();
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stdout.write(mainHelp(cmds));
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainHelp(cmds));
    return 0;
  }
  // Two-word commands ("cache verify"): the second word is part of the name.
  const two =
    rest[0] !== undefined && !rest[0].startsWith('-') ? cmds.find((c) => c.name === `${name} ${rest[0]}`) : undefined;
  if (two) rest.shift();
  const cmd = two ?? cmds.find((c) => c.name === (name === '--version' ? 'version' : name));
  if (!cmd) {
    const what = name.startsWith('-') ? `unknown option '${name}'` : `unknown command '${name}'`;
    throw new UsageError(`${what}; commands: ${cmds.map((c) => c.name).join(', ')} (see \`probescope --help\`)`);
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(commandHelp(cmd));
    return 0;
  }
  const { values, positionals } = parseCommandArgs(cmd, rest);
  // Finish or roll back probe saves a killed run left behind, and say so (data-safety contract, docs/CONTRACTS.md).
  for (const line of await recoverInterruptedSaves().catch(() => [] as string[]))
    process.stderr.write(`probescope: recovered: ${line}\n`);

  const controller = new AbortController();
  process.on('SIGINT', () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('probescope: cancelling (press Ctrl-C again to quit now)\n');
    controller.abort();
  });
  let result: object;
  try {
    result = await cmd.run(values, cliContext(controller.signal), positionals);
  } catch (err) {
    // A bad flag value: point at the command's help, as parse errors do.
    if (err instanceof ProbescopeError && err.code === 'BAD_ARGUMENT')
      throw new UsageError(`${oneLine(err.message).replace(/\.$/, '')} (see \`probescope ${cmd.name} --help\`)`);
    throw err;
  }
  await new Promise<void>((resolve) => process.stdout.write(`${JSON.stringify(result)}\n`, () => resolve()));
  return 0;
}

function exitCodeFor(err: unknown): [number, string] {
  if (err instanceof UsageError) return [2, `probescope: error: ${oneLine(err.message)}`];
  if (err instanceof ProbescopeError) {
    if (err.code === 'CANCELLED') return [130, `probescope: cancelled: ${oneLine(err.message)}`];
    return [
      err.code === 'BAD_ARGUMENT' || err.code === 'OUTPUT_REFUSED' ? 2 : 1,
      `probescope: error: ${oneLine(err.message)}`,
    ];
  }
  // A file-system error no command turned into a ProbescopeError still names the file and what to do.
  const errno = err as NodeJS.ErrnoException;
  if (typeof errno?.code === 'string' && typeof errno.path === 'string')
    return [1, `probescope: error: ${oneLine(fsError(err, errno.path, 'access').message)}`];
  const message = err instanceof Error ? err.message : String(err);
  if (process.env.PROBESCOPE_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return [1, `probescope: error: internal error: ${oneLine(message)} (set PROBESCOPE_DEBUG=1 for the stack)`];
}

export async function main(argv: string[]): Promise<never> {
  // stdout carries only the result line: anything a library prints goes to stderr.
  console.log = console.error;
  console.info = console.error;
  let code: number;
  try {
    code = await run(argv);
  } catch (err) {
    const [status, line] = exitCodeFor(err);
    process.stderr.write(`${line}\n`);
    code = status;
  }
  // Exit explicitly: native sessions or pools must not keep a finished command alive.
  process.exit(code);
}

void main(process.argv.slice(2));
