/** classifyText: one text through the model and a saved probe, with per-token, per-head attention. */
import type { ClassifiedToken, ClassifyParams, ClassifyResult } from '../../protocol/types';
import { ProbescopeError } from '../errors';
import { probeComputer } from './computerCache';
import { argmax, probabilities } from './metrics';
import { poolStates } from './pooling';
import { cachedExtractor, probeWithModel } from './runtime';

export async function classifyText(params: ClassifyParams): Promise<ClassifyResult> {
  const { probe, manifest, folder } = await probeWithModel(params.probeDir, params.modelDir);
  const maxLength = typeof manifest.training.maxLength === 'number' ? manifest.training.maxLength : undefined;
  const extractor = await cachedExtractor(folder, manifest.layer, params.executionProvider, maxLength);
  const [ex] = await extractor.extract([params.text]);
  const states = ex.states.get(manifest.layer);
  if (!states) throw new ProbescopeError('INTERNAL', `The extractor returned no states for layer ${manifest.layer}.`);
  const D = probe.D;
  const length = states.length / D;
  if (length < 1) throw new ProbescopeError('BAD_ARGUMENT', 'The text produced no tokens to classify.');
  const attentionProbe = manifest.probe === 'attention';
  const x = poolStates(states, length, D, manifest.probe);
  const S = attentionProbe ? length : 1;
  const computer = await probeComputer({ H: probe.H, C: probe.C, D }, params.executionProvider);
  const r = await computer.forward(probe, { B: 1, S, D, x, mask: new Float32Array(S).fill(1) });
  const probs = probabilities(r.logits, probe.C)[0];
  const probabilitiesByClass: Record<string, number> = {};
  manifest.classes.forEach((c, k) => (probabilitiesByClass[c] = probs[k]));
  const H = probe.H;
  const tokens: ClassifiedToken[] = ex.tokens.slice(0, length).map((t, i) => ({
    ...t,
    attention: attentionProbe ? Array.from(r.attention.subarray(i * H, (i + 1) * H)) : [],
  }));
  return {
    label: manifest.classes[argmax(probs)],
    probabilities: probabilitiesByClass,
    tokens,
    heads: attentionProbe ? H : 0,
    probe: manifest.probe,
    layer: manifest.layer,
  };
}
