/** classifyText: one text through the model and a saved probe, with per-token, per-head attention. */
import type { ClassifiedToken, ClassifyParams, ClassifyResult } from '../../protocol/types';
import { ChatTemplate, encodeChat, type ChatEncoding } from '../chat';
import { ProbescopeError } from '../errors';
import { GemmaTokenizer } from '../model/tokenizer';
import { probeComputer } from './computerCache';
import { argmax, probabilities } from './metrics';
import { poolStates } from './pooling';
import { cachedExtractor, probeWithModel } from './runtime';

export async function classifyText(params: ClassifyParams): Promise<ClassifyResult> {
  const { probe, manifest, folder } = await probeWithModel(params.probeDir, params.modelDir);
  const maxLength = typeof manifest.training.maxLength === 'number' ? manifest.training.maxLength : undefined;
  const extractor = await cachedExtractor(folder, manifest.layer, params.executionProvider, maxLength);
  // A probe trained on chat-formatted text sees the text as a user turn; tokens map back to the text's characters.
  const chat = typeof manifest.training.chat === 'string' ? await userTurn(folder.dir, params.text) : undefined;
  const [ex] = await extractor.extract([chat ? chat.modelInput : params.text]);
  if (chat && chat.tokens.some((t, i) => ex.tokens[i] && ex.tokens[i].id !== t.id))
    throw new ProbescopeError('INTERNAL', 'The chat-formatted tokens differ from the extracted ones.');
  const spans = chat ? chat.tokens : ex.tokens;
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
  const tokens: ClassifiedToken[] = spans.slice(0, length).map((t, i) => ({
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

/** `text` as the user turn of the model's chat template, tokens mapped back to `text`. */
async function userTurn(modelDir: string, text: string): Promise<ChatEncoding> {
  let loaded = chatModels.get(modelDir);
  if (!loaded) {
    loaded = Promise.all([ChatTemplate.load(modelDir), GemmaTokenizer.load(modelDir)]);
    loaded.catch(() => chatModels.delete(modelDir));
    chatModels.set(modelDir, loaded);
  }
  const [template, tokenizer] = await loaded;
  return encodeChat(tokenizer, template, [{ role: 'user', content: text }]);
}
const chatModels = new Map<string, Promise<[ChatTemplate, GemmaTokenizer]>>();
