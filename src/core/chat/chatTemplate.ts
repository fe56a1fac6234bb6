import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { ProbescopeError } from '../errors';

/** One turn of a conversation. `model` is Gemma's name for the assistant and is passed to templates as `assistant`. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'model';
  content: string;
}

type TokenValue = string | { content: string } | undefined;

/**
 * A model's chat template (Jinja, rendered by @huggingface/jinja as transformers' apply_chat_template does), read from
 * chat_template.jinja (newer exports) or tokenizer_config.json's chat_template (a string, or a list of named templates
 * of which "default" is used). bos_token / eos_token come from tokenizer_config.json.
 */
export class ChatTemplate {
  private readonly template: Template;

  private constructor(
    readonly source: string,
    text: string,
    readonly bosToken: string | undefined,
    readonly eosToken: string | undefined,
    /** tokenizer_config.json add_bos_token (default true, as GemmaTokenizer): the extractor prepends <bos> itself. */
    readonly tokenizerAddsBos: boolean,
  ) {
    try {
      this.template = new Template(text);
    } catch (err) {
      throw new ProbescopeError(
        'MODEL_INVALID',
        `The chat template in ${source} does not parse: ${(err as Error).message}`,
      );
    }
  }

  /** Loads the template of a model folder; MODEL_INVALID when it has none (base models: drop --chat). */
  static async load(dir: string): Promise<ChatTemplate> {
    const cfgPath = join(dir, 'tokenizer_config.json');
    const cfg = await readJsonIfAny(cfgPath);
    const token = (v: TokenValue): string | undefined => (typeof v === 'string' ? v : v?.content);
    const bos = token(cfg?.bos_token as TokenValue);
    const eos = token(cfg?.eos_token as TokenValue);
    const addsBos = cfg?.add_bos_token !== false;
    const jinjaPath = join(dir, 'chat_template.jinja');
    const jinja = await readFile(jinjaPath, 'utf8').catch(() => undefined);
    if (jinja !== undefined) return new ChatTemplate(jinjaPath, jinja, bos, eos, addsBos);
    const t = cfg?.chat_template;
    const text =
      typeof t === 'string'
        ? t
        : Array.isArray(t)
          ? (t as { name?: string; template?: string }[]).find((x) => x.name === 'default')?.template
          : undefined;
    if (typeof text !== 'string' || !text) {
      throw new ProbescopeError(
        'MODEL_INVALID',
        `${dir} has no chat template (no chat_template.jinja, no chat_template in tokenizer_config.json): ` +
          'use an instruction-tuned (-it) model, or drop --chat to feed the text as it is.',
      );
    }
    return new ChatTemplate(cfgPath, text, bos, eos, addsBos);
  }

  /**
   * The text to hand to the extractor (which tokenizes with the tokenizer's own <bos>) for a rendered conversation:
   * the template's leading bos_token is dropped when the tokenizer prepends one, so the model sees one <bos> — as
   * transformers' apply_chat_template(tokenize=True) gives — and the ids equal the rendered text's tokens.
   */
  modelInput(rendered: string): string {
    return this.tokenizerAddsBos && this.bosToken && rendered.startsWith(this.bosToken)
      ? rendered.slice(this.bosToken.length)
      : rendered;
  }

  /** The template's text for `messages`; BAD_ARGUMENT with the template's own message when it refuses them. */
  render(messages: ChatMessage[], opts: { addGenerationPrompt?: boolean } = {}): string {
    try {
      return this.template.render({
        messages: messages.map((m) => ({ role: m.role === 'model' ? 'assistant' : m.role, content: m.content })),
        bos_token: this.bosToken ?? '',
        eos_token: this.eosToken ?? '',
        add_generation_prompt: opts.addGenerationPrompt ?? false,
      });
    } catch (err) {
      throw new ProbescopeError(
        'BAD_ARGUMENT',
        `The model's chat template refused the conversation: ${(err as Error).message} (roles: ${messages.map((m) => m.role).join(', ')}).`,
      );
    }
  }
}

async function readJsonIfAny(path: string): Promise<Record<string, unknown> | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new ProbescopeError('MODEL_INVALID', `${path} is not valid JSON (${(err as Error).message}).`);
  }
}
