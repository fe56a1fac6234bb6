import type { TokenSpan } from '../../protocol/types';
import type { GemmaTokenizer } from '../model/tokenizer';
import { formatChat } from './chatFormat';
import type { ChatMessage, ChatTemplate } from './chatTemplate';

export interface ChatEncoding {
  /** The rendered conversation the model sees. */
  text: string;
  /** `text` for the extractor, which adds the tokenizer's <bos> itself (ChatTemplate.modelInput). */
  modelInput: string;
  /**
   * Tokens of `text`, with offsets mapped back to the messages: a token from message i's content has `message: i`
   * and UTF-16 [start, end) into messages[i].content; template text (<bos>, <start_of_turn>user\n …) has no
   * `message` and an empty span [0, 0], so it is never painted.
   */
  tokens: TokenSpan[];
}

/**
 * Tokenizes a conversation as the model sees it (its chat template) and maps every token back to the characters of
 * the message it came from. The template's own <bos> is the only one: no second <bos> is prepended. A token that
 * straddles template text and content keeps only the content part.
 */
export function encodeChat(tokenizer: GemmaTokenizer, template: ChatTemplate, messages: ChatMessage[]): ChatEncoding {
  const { text, segments } = formatChat(template, messages);
  const spans = tokenizer.encode(text, { addBos: false });
  const startsWithBos = spans[0]?.id === tokenizer.bosId;
  if (!startsWithBos && tokenizer.addBosByDefault) {
    spans.unshift({ id: tokenizer.bosId, text: tokenizer.decode([tokenizer.bosId]), start: 0, end: 0 });
  }
  const tokens = spans.map((t): TokenSpan => {
    if (t.end > t.start) {
      for (const s of segments) {
        const a = Math.max(t.start, s.start);
        const b = Math.min(t.end, s.end);
        if (b > a)
          return { id: t.id, text: t.text, start: a - s.start + s.from, end: b - s.start + s.from, message: s.message };
      }
    }
    return { id: t.id, text: t.text, start: 0, end: 0 };
  });
  return { text, modelInput: template.modelInput(text), tokens };
}

/** A plain text wrapped as a user turn (`--chat user`), or texts as the turns of `roles` (`--chat user,model`). */
export function chatMessages(roles: ChatMessage['role'][], texts: string[]): ChatMessage[] {
  return roles.map((role, i) => ({ role, content: texts[i] }));
}
