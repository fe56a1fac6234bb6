import type { CliCommand } from '../command';
import { classifyText } from '../../core/probes';
import { oneOf, required, str } from './args';

export const classifyCommand: CliCommand = {
  name: 'classify',
  summary: 'Classify one text with a saved probe; prints probabilities and per-token attention.',
  usage: 'probescope classify --probe DIR --text STR [--model DIR]',
  options: {
    probe: { type: 'string', description: 'Probe folder', valueName: 'DIR' },
    text: { type: 'string', description: 'Text to classify', valueName: 'STR' },
    model: { type: 'string', description: 'Model folder (default: the one recorded in probe.json)', valueName: 'DIR' },
    'execution-provider': { type: 'string', description: 'auto | cpu | webgpu | cuda', valueName: 'EP' },
  },
  async run(values) {
    const r = await classifyText({
      probeDir: required(values, 'probe'),
      text: required(values, 'text'),
      modelDir: str(values, 'model'),
      executionProvider: oneOf(values, 'execution-provider', ['auto', 'cpu', 'webgpu', 'cuda'] as const),
    });
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
    };
  },
};
