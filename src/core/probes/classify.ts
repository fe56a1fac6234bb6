/**
 * classifyText: one text of any length (BAD_ARGUMENT for an empty or whitespace-only text) through the model and a saved probe, with per-token, per-head attention.
 * Texts longer than the probe's training maxLength are covered by overlapping windows (src/core/scoring/windowPlan.ts):
 * each token's state comes from the window where it has the most left context, and the probe is applied to the
 * stitched states of the whole text (streamed, so memory stays O(tokens·H·C), not O(tokens·D)).
 */
import type { ClassifiedToken, ClassifyCoverage, ClassifyParams, ClassifyResult } from '../../protocol/types';
import { ChatTemplate, encodeChat, type ChatEncoding } from '../chat';
import { ProbescopeError } from '../errors';
import { GemmaTokenizer } from '../model/tokenizer';
import { ProbeReadout } from '../scoring/probeReadout';
import { streamStitchedStates } from '../scoring/stitchedStates';
import { argmax, probabilities } from './metrics';
import { cachedExtractor, probeWithModel } from './runtime';

export async function classifyText(
  params: ClassifyParams,
  hooks: { signal?: AbortSignal; onWindows?(done: number, total: number): void } = {},
): Promise<ClassifyResult & { coverage: ClassifyCoverage }> {
  // Without this, an empty text is `<bos>` alone: a label for nothing. Refused before any probe, model or run.
  if (params.text.trim() === '')
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      `Nothing to classify: the text is ${params.text === '' ? 'empty' : 'whitespace only'}. Give the text to classify ` +
        '(--text STR or --text-file FILE; in the editor, select text).',
    );
  const { probe, manifest, folder } = await probeWithModel(params.probeDir, params.modelDir);
  const maxLength = typeof manifest.training.maxLength === 'number' ? manifest.training.maxLength : undefined;
  const extractor = await cachedExtractor(folder, manifest.layer, params.executionProvider, maxLength);
  // A probe trained on chat-formatted text sees the text as a user turn; tokens map back to the text's characters
  // (template tokens are empty spans).
  const chat = typeof manifest.training.chat === 'string' ? await userTurn(folder.dir, params.text) : undefined;
  const spans = chat ? chat.tokens : extractor.tokenize(params.text);
  if (spans.length < 1) throw new ProbescopeError('BAD_ARGUMENT', 'The text produced no tokens to classify.');
  const D = probe.D;
  const readout = new ProbeReadout(probe, manifest.probe, spans.length);
  const coverage = await streamStitchedStates(
    extractor,
    manifest.layer,
    spans,
    (_, states, row) => readout.add(states, row * D),
    hooks,
  );
  const r = readout.finish();
  const probs = probabilities(r.logits, probe.C)[0];
  const probabilitiesByClass: Record<string, number> = {};
  manifest.classes.forEach((c, k) => (probabilitiesByClass[c] = probs[k]));
  const attentionProbe = manifest.probe === 'attention';
  const H = probe.H;
  const tokens: ClassifiedToken[] = spans.map((t, i) => ({
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
    coverage,
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
