/**
 * ExampleTokens: the token ids extraction needs, from texts held in an array or streamed from a TextSource.
 * - An array: every text is tokenized once and the ids are held (as before).
 * - A TextSource (a large dataset, data/trainingRows.ts): one streamed pass keeps only each text's token count
 *   (4 bytes an example: the shard plan needs the lengths); then, for the shards still to extract, the source is read
 *   again and the ids of a group of upcoming shards — at most `exampleTokensConfig.budgetTokens` tokens, at least one
 *   shard — are tokenized and held while those shards are extracted. Memory is the budget (4 bytes a token), not the
 *   dataset; the cost is one more read and tokenization of the texts per group (small beside the model's forward pass).
 * Tokenizing yields to the event loop every ~50 ms (arrays) or per batch (sources), so a Stop is seen (CANCELLED).
 */
import type { TextSource } from '../data/textSource';
import { ProbescopeError, throwIfAborted } from '../errors';
import type { ActivationExtractor } from '../model/extractor';
import { hangPoint } from '../storage';

/** Tests lower the budget to force several groups. */
export const exampleTokensConfig = { budgetTokens: 32 * 2 ** 20 };

export interface TokenizeHooks {
  signal?: AbortSignal;
  onLog?(message: string): void;
}

export class ExampleTokens {
  private group = new Map<number, Int32Array>();
  private groupShards = new Set<number>();
  /** Source passes made for groups of shards (tests read it). */
  groupPasses = 0;

  private constructor(
    private readonly extractor: Pick<ActivationExtractor, 'tokenize'>,
    private readonly source: TextSource | undefined,
    private readonly held: number[][] | undefined,
    /** Each example's token count before truncation. */
    readonly lengths: Int32Array,
    private readonly maxLength: number,
    private readonly hooks: TokenizeHooks,
  ) {}

  get count(): number {
    return this.lengths.length;
  }

  /** Tokenizes `texts` (first pass; see the file comment). */
  static async create(
    extractor: Pick<ActivationExtractor, 'tokenize'>,
    texts: readonly string[] | TextSource,
    maxLength: number,
    hooks: TokenizeHooks,
  ): Promise<ExampleTokens> {
    const count = Array.isArray(texts) ? texts.length : (texts as TextSource).count;
    hooks.onLog?.(`Tokenizing ${count} text${count === 1 ? '' : 's'}…`);
    await hangPoint('cache:tokenize');
    const lengths = new Int32Array(count);
    if (Array.isArray(texts)) {
      const held: number[][] = [];
      let last = performance.now();
      for (const t of texts as readonly string[]) {
        const ids = extractor.tokenize(t).map((s) => s.id);
        lengths[held.length] = ids.length;
        held.push(ids);
        if (performance.now() - last > 50) {
          await new Promise((resolve) => setImmediate(resolve));
          throwIfAborted(hooks.signal);
          last = performance.now();
        }
      }
      throwIfAborted(hooks.signal);
      return new ExampleTokens(extractor, undefined, held, lengths, maxLength, hooks);
    }
    const source = texts as TextSource;
    await source.scan((batch, first) => {
      throwIfAborted(hooks.signal);
      batch.forEach((t, j) => (lengths[first + j] = extractor.tokenize(t).length));
    });
    throwIfAborted(hooks.signal);
    return new ExampleTokens(extractor, source, undefined, lengths, maxLength, hooks);
  }

  /**
   * Truncated ids of the examples of shard `s` (`plan[s]`). From a source, a group of shards starting at `s` (those
   * `todo` accepts, within the budget) is read in one pass and held until a shard outside it is asked for.
   */
  async shardIds(s: number, plan: readonly number[][], todo: (shard: number) => boolean): Promise<number[][]> {
    if (this.held) return plan[s].map((i) => this.held![i].slice(0, this.maxLength));
    if (!this.groupShards.has(s)) await this.readGroup(s, plan, todo);
    return plan[s].map((i) => Array.from(this.group.get(i)!));
  }

  private async readGroup(s: number, plan: readonly number[][], todo: (shard: number) => boolean): Promise<void> {
    this.group = new Map();
    this.groupShards = new Set();
    const tokensOf = (shard: number) => plan[shard].reduce((a, i) => a + Math.min(this.lengths[i], this.maxLength), 0);
    let tokens = 0;
    for (let t = s; t < plan.length; t++) {
      if (t !== s && !todo(t)) continue;
      const more = tokensOf(t);
      if (t !== s && tokens + more > exampleTokensConfig.budgetTokens) break;
      tokens += more;
      this.groupShards.add(t);
      for (const i of plan[t]) this.group.set(i, new Int32Array(0));
    }
    const group = this.group;
    this.groupPasses++;
    await this.source!.scan((batch, first) => {
      throwIfAborted(this.hooks.signal);
      batch.forEach((t, j) => {
        const i = first + j;
        if (!group.has(i)) return;
        const ids = this.extractor.tokenize(t).map((x) => x.id);
        if (ids.length !== this.lengths[i])
          throw new ProbescopeError(
            'DATASET_INVALID',
            `Text ${i + 1} of the dataset changed while it was read (${ids.length} tokens now, ${this.lengths[i]} before); run again.`,
          );
        group.set(i, Int32Array.from(ids.slice(0, this.maxLength)));
      });
    });
  }
}
