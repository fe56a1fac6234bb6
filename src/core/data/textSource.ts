/**
 * TextSource: the texts of a training run (a dataset's kept rows, then a test file's) without holding them. A source
 * streams its texts in order, batch by batch, as often as a consumer needs them (hash, tokenize, extract); an array
 * source is the in-memory case. Memory is one batch of texts at a time (plus what the source itself keeps: see
 * trainingRows.ts).
 */
import * as path from 'node:path';
import { ProbescopeError } from '../errors';

export interface TextSource {
  /** Number of texts. */
  readonly count: number;
  /**
   * Calls `onTexts(texts, first)` for consecutive batches covering texts 0 … count−1 in order (`first`: the index of
   * texts[0]). `onTexts` runs synchronously; throwing from it ends the scan with that error.
   */
  scan(onTexts: (texts: readonly string[], first: number) => void): Promise<void>;
}

/** The in-memory case: the texts of an array, in batches of `batch`. */
export function arraySource(texts: readonly string[], batch = 4096): TextSource & { texts: readonly string[] } {
  return {
    texts,
    count: texts.length,
    async scan(onTexts) {
      for (let i = 0; i < texts.length; i += batch) onTexts(texts.slice(i, i + batch), i);
      await Promise.resolve();
    },
  };
}

/** The texts of `a`, then those of `b` (numbered on from a.count). */
export function concatSources(a: TextSource, b: TextSource): TextSource {
  const aTexts = (a as { texts?: readonly string[] }).texts;
  const bTexts = (b as { texts?: readonly string[] }).texts;
  if (aTexts && bTexts) return arraySource([...aTexts, ...bTexts]);
  return {
    count: a.count + b.count,
    async scan(onTexts) {
      await a.scan(onTexts);
      await b.scan((texts, first) => onTexts(texts, a.count + first));
    },
  };
}

/** The texts as an array when the source holds them (an array source), else undefined. */
export function textsInMemory(source: TextSource | readonly string[]): readonly string[] | undefined {
  if (Array.isArray(source)) return source as readonly string[];
  return (source as { texts?: readonly string[] }).texts;
}

/** Every text of a source in one array (tests and small sources only: this holds them all). */
export async function allTexts(source: TextSource): Promise<string[]> {
  const out: string[] = [];
  await source.scan((texts) => {
    for (const t of texts) out.push(t);
  });
  return out;
}

/**
 * The texts at `rows` (distinct indices into the source), in that order, in one array: one pass over a streamed
 * source. For subsets that fit in memory (a test split), not for the whole of a large source.
 */
export async function textsAt(source: TextSource, rows: ArrayLike<number>): Promise<string[]> {
  const inMemory = textsInMemory(source);
  if (inMemory) return Array.from(rows, (i) => inMemory[i]);
  const slot = new Map(Array.from(rows, (r, j) => [r, j]));
  const out = new Array<string>(rows.length);
  await source.scan((texts, first) => {
    texts.forEach((t, k) => {
      const j = slot.get(first + k);
      if (j !== undefined) out[j] = t;
    });
  });
  return out;
}

/** The error of a streamed source whose file gave `found` texts on a later read instead of the `expected` of its first. */
export function changedWhileRead(file: string, found: number, expected: number): ProbescopeError {
  return new ProbescopeError(
    'DATASET_INVALID',
    `${path.basename(file)} changed while it was read (${found} of ${expected} texts found on the second read); run again.`,
  );
}
