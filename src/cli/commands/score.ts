import type { CliCommand } from '../command';
import { ProbescopeError } from '../../core/errors';
import { scoreText } from '../../core/scoring/scoreText';
import { num, oneOf, required, str } from './args';
import { textArg } from './textArg';

/** `probescope score`: per-token probe scores over a whole document (docs/CONTRACTS.md "Token scores"). */
export const scoreCommand: CliCommand = {
  name: 'score',
  summary: 'Score every token of a text of any length with a saved probe (exact decompositions of its logit).',
  usage:
    'probescope score --probe DIR (--text STR | --file PATH) [--class C] [--vs-rest] [--window N] [--stride M] [--model DIR]',
  options: {
    probe: { type: 'string', description: 'Probe folder', valueName: 'DIR' },
    text: { type: 'string', description: 'Text to score', valueName: 'STR' },
    file: {
      type: 'string',
      description: 'Read the text from a UTF-8 file (- = stdin) instead of --text',
      valueName: 'PATH',
    },
    class: {
      type: 'string',
      description: 'Class to score (default: the positive class of a binary probe, else the predicted class)',
      valueName: 'C',
    },
    'vs-rest': { type: 'boolean', description: 'Multiclass: score the class against the mean of the others' },
    window: {
      type: 'string',
      description: "Tokens per model run (default: the probe's training maxLength)",
      valueName: 'N',
    },
    stride: {
      type: 'string',
      description: 'New tokens per window after the first (default: three quarters of the window)',
      valueName: 'M',
    },
    model: { type: 'string', description: 'Model folder (default: the one recorded in probe.json)', valueName: 'DIR' },
    'execution-provider': { type: 'string', description: 'auto | cpu | webgpu | cuda', valueName: 'EP' },
  },
  async run(values, ctx) {
    const probeDir = required(values, 'probe');
    const text = await textArg({ text: values.text, 'text-file': values.file }, 'file');
    if (text === undefined) throw new ProbescopeError('BAD_ARGUMENT', 'Missing --text (or --file).');
    const r = await scoreText(
      {
        probeDir,
        text,
        className: str(values, 'class'),
        versusRest: values['vs-rest'] === true,
        windowTokens: num(values, 'window', { integer: true, min: 2 }),
        strideTokens: num(values, 'stride', { integer: true, min: 1 }),
        modelDir: str(values, 'model'),
        executionProvider: oneOf(values, 'execution-provider', ['auto', 'cpu', 'webgpu', 'cuda'] as const),
      },
      {
        signal: ctx.signal,
        onWindows: (done, total) => ctx.progress({ phase: 'extract', done, total, message: 'windows' }),
      },
    );
    if (r.windows.length > 1)
      ctx.log(
        `note: ${r.tokens.length} tokens scored in ${r.windows.length} windows of ${r.windowTokens} tokens ` +
          `(${r.strideTokens} new tokens per window); each token from the window with the most left context.`,
      );
    return {
      probe: r.probe,
      class: r.class,
      ...(r.versus ? { versus: r.versus } : {}),
      label: r.label,
      logit: r.logit,
      threshold: r.threshold,
      fprThreshold: r.fprThreshold,
      layer: r.layer,
      heads: r.heads,
      tokens: r.tokens,
      windows: r.windows.map((w) => ({
        start: w.start,
        end: w.end,
        logit: w.logit,
        tokens: [w.tokenStart, w.tokenEnd],
      })),
      coverage: r.coverage,
      windowTokens: r.windowTokens,
      strideTokens: r.strideTokens,
    };
  },
};
