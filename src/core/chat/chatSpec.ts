import { ProbescopeError } from '../errors';
import type { ChatMessage } from './chatTemplate';

/**
 * How dataset text becomes a conversation (`--chat`):
 * - `messages`: the text column holds `[{role, content}, …]` (JSON arrays, Parquet lists of structs, or a JSON string);
 * - a role list such as `user` or `user,model`: one text column per role (`--text-field prompt,response`), each value
 *   one turn.
 */
export type ChatSpec = { kind: 'messages' } | { kind: 'roles'; roles: ChatMessage['role'][] };

const ROLES = ['system', 'user', 'model', 'assistant'] as const;

export function parseChatSpec(spec: string): ChatSpec {
  const s = spec.trim();
  if (s === 'messages') return { kind: 'messages' };
  const roles = s.split(',').map((r) => r.trim());
  for (const r of roles) {
    if (!(ROLES as readonly string[]).includes(r)) {
      throw new ProbescopeError(
        'BAD_ARGUMENT',
        `--chat "${spec}": "${r}" is not a role; use messages, user, or a list such as user,model (roles: ${ROLES.join(', ')}).`,
      );
    }
  }
  return { kind: 'roles', roles: roles as ChatMessage['role'][] };
}

/**
 * A cell of a messages column as ChatMessage[]; undefined when it is not one. Accepts arrays of {role, content}
 * (content a string, or a list of {type: 'text', text} parts, joined) and JSON strings of such arrays.
 */
export function messagesOf(value: unknown): ChatMessage[] | undefined {
  let v = value;
  if (typeof v === 'string' && v.trim().startsWith('[')) {
    try {
      v = JSON.parse(v);
    } catch {
      return undefined;
    }
  }
  if (!Array.isArray(v) || v.length === 0) return undefined;
  const out: ChatMessage[] = [];
  for (const m of v) {
    if (typeof m !== 'object' || m === null) return undefined;
    const { role, content } = m as { role?: unknown; content?: unknown };
    if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) return undefined;
    const text =
      typeof content === 'string'
        ? content
        : Array.isArray(content)
          ? content
              .filter((p): p is { type: string; text: string } => p?.type === 'text' && typeof p.text === 'string')
              .map((p) => p.text)
              .join('')
          : undefined;
    if (text === undefined) return undefined;
    out.push({ role: role as ChatMessage['role'], content: text });
  }
  return out;
}
