import type { CliCommand } from '../command';
import { ProbescopeError } from '../../core/errors';
import { classifyText } from '../../core/probes';
import { oneOf, required, str } from './args';
import { textArg, textFileOption } from './textArg';

export const classifyCommand: CliCommand = {
  name: 'classify',
  summary: 'Classify one text (any length) with a saved probe; prints probabilities and per-token attention.',
  usage: 'probescope classify --probe DIR (--text STR | --text-file FILE) [--model DIR]',
  options: {
    probe: { type: 'string', description: 'Probe folder', valueName: 'DIR' },
    text: { type: 'string', description: 'Text to classify', valueName: 'STR' },
    'text-file': textFileOption,
    model: { type: 'string', description: 'Model folder (default: the one recorded in probe.json)', valueName: 'DIR' },
    'execution-provider': { type: 'string', description: 'auto | cpu | webgpu | cuda', valueName: 'EP' },
  },
  async run(values, ctx) {
    const probeDir = required(values, 'probe');
    const text = await textArg(values);
    if (text === undefined) throw new ProbescopeError('BAD_ARGUMENT', 'Missing --text (or --text-file).');
    const r = await classifyText(
      {
        probeDir,
        text,
        modelDir: str(values, 'model'),
        executionProvider: oneOf(values, 'execution-provider', ['auto', 'cpu', 'webgpu', 'cuda'] as const),
      },
      {
        signal: ctx.signal,
        onWindows: (done, total) => ctx.progress({ phase: 'extract', done, total, message: 'windows' }),
      },
    );
    if (r.coverage.windows > 1)
      ctx.log(
        `note: ${r.coverage.tokens} tokens scored in ${r.coverage.windows} windows of ${r.coverage.windowTokens} ` +
          `tokens (${r.coverage.overlapTokens} tokens of overlap); the probe reads the stitched states of the whole text.`,
      );
    return {
      label: r.label,
      probabilities: r.probabilities,
      tokens: r.tokens.map((t) => ({
        id: t.id,
        text: t.text,
        start: t.start,
        end: t.end,
        // Chat-formatted probes: message 0 is the text; template tokens have no message and an empty span.
        ...(t.message === undefined ? {} : { message: t.message }),
        attention: t.attention,
      })),
      heads: r.heads,
      probe: r.probe,
      layer: r.layer,
      coverage: r.coverage,
    };
  },
};
