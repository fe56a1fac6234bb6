import { ProbescopeError } from '../errors';
import type { ChatMessage, ChatTemplate } from './chatTemplate';

/** Where message `message`'s content landed in the rendered text: rendered[start, end) = content[from, from + end - start). */
export interface ChatSegment {
  message: number;
  start: number;
  end: number;
  /** Offset into the message's original content of rendered[start] (templates may trim it). */
  from: number;
}

export interface FormattedChat {
  /** The conversation as the template renders it (with the template's own <bos>, turn markers …). */
  text: string;
  /** One per message, in order; everything outside them is template text. */
  segments: ChatSegment[];
}

const marker = (i: number): string => `\uE000${i}\uE001`;

/**
 * Renders `messages` and finds each message's content in the result. The template is first rendered with a unique
 * marker in place of each content, which splits it into the fixed pieces around the contents; the real rendering must
 * then be piece0 + content0' + piece1 + …, where content' is the content as is or trimmed (Gemma's templates apply
 * `| trim`). A template that rewrites content in any other way cannot be mapped back: BAD_ARGUMENT says so.
 */
export function formatChat(template: ChatTemplate, messages: ChatMessage[]): FormattedChat {
  const text = template.render(messages);
  const skeleton = template.render(messages.map((m, i) => ({ ...m, content: marker(i) })));
  const pieces: string[] = [];
  let rest = skeleton;
  for (let i = 0; i < messages.length; i++) {
    const at = rest.indexOf(marker(i));
    if (at < 0 || rest.indexOf(marker(i), at + 1) >= 0) return unmappable(template, i);
    pieces.push(rest.slice(0, at));
    rest = rest.slice(at + marker(i).length);
  }
  pieces.push(rest);

  const segments: ChatSegment[] = [];
  let pos = 0;
  for (let i = 0; i < messages.length; i++) {
    if (!text.startsWith(pieces[i], pos)) return unmappable(template, i);
    pos += pieces[i].length;
    const content = messages[i].content;
    const trimmed = content.trim();
    const lead = content.length - content.trimStart().length;
    const next = pieces[i + 1];
    const fits = (s: string): boolean => text.startsWith(s, pos) && text.startsWith(next, pos + s.length);
    const as = fits(content) ? { s: content, from: 0 } : fits(trimmed) ? { s: trimmed, from: lead } : undefined;
    if (!as) return unmappable(template, i);
    segments.push({ message: i, start: pos, end: pos + as.s.length, from: as.from });
    pos += as.s.length;
  }
  if (text.slice(pos) !== pieces[messages.length]) return unmappable(template, messages.length - 1);
  return { text, segments };
}

function unmappable(template: ChatTemplate, i: number): never {
  throw new ProbescopeError(
    'BAD_ARGUMENT',
    `The chat template in ${template.source} changes message ${i + 1}'s content beyond trimming it, so tokens cannot be ` +
      'mapped back to the original text; format the conversation yourself and drop --chat.',
  );
}
