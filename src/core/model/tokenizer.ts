import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import type { TokenSpan } from '../../protocol/types';
import { ProbescopeError } from '../errors';
import { type GemmaConfig, readGemmaConfig } from './config';
import type { ModelFolder } from './modelFolder';
import { withTokenizeBudget } from './tokenizeBudget';
import { alignTokens } from './tokenOffsets';

/** How far config.vocab_size may exceed the tokenizer: embedding tables are padded (Gemma 3: 262,208 vs 262,145). */
const VOCAB_PADDING_ALLOWED = 1024;

interface TokenizerJson {
  added_tokens?: { id: number; content: string }[];
  model?: { unk_token?: string | null };
}

interface TokenizerConfigJson {
  add_bos_token?: boolean;
  bos_token?: string | { content: string };
  pad_token?: string | { content: string };
}

/**
 * A Gemma tokenizer (tokenizer.json through @huggingface/tokenizers) whose tokens carry UTF-16 offsets into the
 * original text, as VS Code positions need.
 */
export class GemmaTokenizer {
  /** Number of token ids the tokenizer can produce (highest id + 1). */
  readonly vocabSize: number;
  readonly bosId: number;
  readonly padId: number;
  /** Whether encode() prepends <bos> by default (tokenizer_config.json add_bos_token, default true). */
  readonly addBosByDefault: boolean;
  private readonly addedTokens: Map<number, string>;
  private readonly unkId: number | undefined;
  /** Where the one-time notice about a text that already starts with <bos> goes (default: stderr). */
  onNotice: (message: string) => void = (m) => process.stderr.write(`${m}\n`);
  private bosNoticeGiven = false;

  private constructor(
    private readonly tokenizer: Tokenizer,
    json: TokenizerJson,
    tokenizerConfig: TokenizerConfigJson,
    config: GemmaConfig | undefined,
    private readonly source: string,
  ) {
    this.addedTokens = new Map((json.added_tokens ?? []).map((t) => [t.id, t.content]));
    let maxId = -1;
    for (const id of tokenizer.get_vocab(true).values()) if (id > maxId) maxId = id;
    this.vocabSize = maxId + 1;
    const idOf = (tok: string | { content: string } | undefined): number | undefined =>
      tok === undefined ? undefined : tokenizer.token_to_id(typeof tok === 'string' ? tok : tok.content);
    this.bosId = idOf(tokenizerConfig.bos_token) ?? tokenizer.token_to_id('<bos>') ?? config?.bosId ?? 2;
    this.padId = idOf(tokenizerConfig.pad_token) ?? tokenizer.token_to_id('<pad>') ?? config?.padId ?? 0;
    this.addBosByDefault = tokenizerConfig.add_bos_token ?? true;
    const unk = json.model?.unk_token;
    this.unkId = typeof unk === 'string' ? tokenizer.token_to_id(unk) : undefined;
    if (config) this.checkVocab(config, source);
  }

  /** Loads tokenizer.json (+ tokenizer_config.json) of a model folder, checking it against config.json's vocab_size. */
  static async load(folder: ModelFolder | string): Promise<GemmaTokenizer> {
    const paths =
      typeof folder === 'string'
        ? { dir: folder, json: join(folder, 'tokenizer.json'), cfg: join(folder, 'tokenizer_config.json') }
        : { dir: folder.dir, json: folder.tokenizerJson, cfg: folder.tokenizerConfigJson };
    const json = await readJson<TokenizerJson>(paths.json, 'tokenizer.json');
    const tokenizerConfig =
      paths.cfg && (await exists(paths.cfg))
        ? await readJson<TokenizerConfigJson>(paths.cfg, 'tokenizer_config.json')
        : {};
    let config: GemmaConfig | undefined;
    if (typeof folder !== 'string') config = folder.config;
    else if (await exists(join(folder, 'config.json'))) config = await readGemmaConfig(join(folder, 'config.json'));
    let tokenizer: Tokenizer;
    try {
      tokenizer = new Tokenizer(json, tokenizerConfig);
    } catch (err) {
      throw new ProbescopeError(
        'MODEL_INVALID',
        `${paths.json} could not be loaded as a tokenizer: ${(err as Error).message}`,
      );
    }
    return new GemmaTokenizer(tokenizer, json, tokenizerConfig, config, paths.dir);
  }

  /**
   * Token ids with UTF-16 [start, end) offsets; a prepended <bos> is [0, 0]. A text that already starts with the BOS
   * string (chat-template output such as "<bos><start_of_turn>user…") gets no second <bos>, as transformers' chat path
   * (apply_chat_template, then add_special_tokens=False) does: its own <bos> token, spanning [0, 5), is the first
   * token. That is said once per tokenizer through onNotice.
   */
  encode(text: string, opts: { addBos?: boolean } = {}): TokenSpan[] {
    // Encode without the post-processor's specials so every token comes from the text, then add <bos> ourselves.
    // Within a time budget: tokenizer.json regexes can backtrack catastrophically (tokenizeBudget.ts).
    const enc = withTokenizeBudget(
      () => this.tokenizer.encode(text, { add_special_tokens: false }),
      text.length,
      this.source,
    );
    const spans = alignTokens(text, enc.ids, enc.tokens, this.addedTokens, this.unkId);
    if (opts.addBos ?? this.addBosByDefault) {
      const bosText = this.tokenizer.id_to_token(this.bosId) ?? '<bos>';
      if (spans.length > 0 && spans[0].id === this.bosId && spans[0].start === 0 && spans[0].end > 0) {
        if (!this.bosNoticeGiven) {
          this.bosNoticeGiven = true;
          this.onNotice(
            `note: a text already starts with ${bosText}; no second ${bosText} was added (as transformers' chat template path does).`,
          );
        }
        return spans;
      }
      spans.unshift({ id: this.bosId, text: bosText, start: 0, end: 0 });
    }
    return spans;
  }

  /** Text of token ids (byte pieces joined into characters). */
  decode(ids: number[], opts: { skipSpecialTokens?: boolean } = {}): string {
    return withTokenizeBudget(
      () => this.tokenizer.decode(ids, { skip_special_tokens: opts.skipSpecialTokens ?? false }),
      ids.length * 16,
      this.source,
    );
  }

  private checkVocab(config: GemmaConfig, source: string): void {
    const tooSmall = config.vocabSize < this.vocabSize;
    const tooLarge = config.vocabSize > this.vocabSize + VOCAB_PADDING_ALLOWED;
    if (tooSmall || tooLarge) {
      throw new ProbescopeError(
        'TOKENIZER_MISMATCH',
        `tokenizer.json in ${source} has ${this.vocabSize} tokens but config.json says vocab_size ${config.vocabSize}: ` +
          'the tokenizer belongs to a different model. Use the tokenizer.json that came with this model.',
      );
    }
  }
}

async function readJson<T>(path: string, what: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new ProbescopeError('MODEL_INVALID', `Cannot read ${path}; the model folder needs ${what}.`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new ProbescopeError('MODEL_INVALID', `${path} is not valid JSON (${(err as Error).message}).`);
  }
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}
