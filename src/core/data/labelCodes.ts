/**
 * LabelCodes: the label of each row as an index into its distinct names (numbered by first occurrence), 4 bytes a row
 * in a typed array outside the JS heap. A string[] of the same labels holds an 8-byte reference a row inside the heap,
 * and on millions of rows that live array also makes V8 let its heap grow further before collecting (the training
 * load of a 4.6M-row file: ≈ 130 MiB more peak RSS during its text pass, bench/RESULTS.md).
 */
export class LabelCodes implements Iterable<string> {
  /** `codes[i]` indexes `names`; names are distinct. */
  constructor(
    readonly codes: Uint32Array,
    readonly names: readonly string[],
  ) {}

  /** The labels of `labels`, names numbered by first occurrence. */
  static from(labels: readonly string[]): LabelCodes {
    const b = LabelCodes.builder(labels.length);
    for (const l of labels) b.push(l);
    return b.done();
  }

  /** Codes for `n` labels pushed in row order (no array of the labels is built), names numbered by first occurrence. */
  static builder(n: number): { push(label: string): void; done(): LabelCodes } {
    const index = new Map<string, number>();
    const names: string[] = [];
    const codes = new Uint32Array(n);
    let at = 0;
    return {
      push(label) {
        let c = index.get(label);
        if (c === undefined) {
          c = names.length;
          index.set(label, c);
          names.push(label);
        }
        codes[at++] = c;
      },
      done: () => new LabelCodes(codes, names),
    };
  }

  get length(): number {
    return this.codes.length;
  }

  /** The label of row i. */
  at(i: number): string {
    return this.names[this.codes[i]];
  }

  /** These rows, then `other`'s (its names joined to these, numbered by first occurrence). */
  concat(other: LabelCodes): LabelCodes {
    const index = new Map(this.names.map((n, c) => [n, c]));
    const names = [...this.names];
    const remap = other.names.map((n) => {
      let c = index.get(n);
      if (c === undefined) {
        c = names.length;
        index.set(n, c);
        names.push(n);
      }
      return c;
    });
    const codes = new Uint32Array(this.length + other.length);
    codes.set(this.codes);
    for (let i = 0; i < other.length; i++) codes[this.length + i] = remap[other.codes[i]];
    return new LabelCodes(codes, names);
  }

  /** Rows per name, in names order (names without rows count 0). */
  counts(): number[] {
    const out = new Array<number>(this.names.length).fill(0);
    for (let i = 0; i < this.codes.length; i++) out[this.codes[i]]++;
    return out;
  }

  /** A number per row from a number per name (e.g. the class index of each label; -1 for none). */
  mapNames(f: (name: string) => number): Int32Array {
    const byName = Int32Array.from(this.names, f);
    const out = new Int32Array(this.codes.length);
    for (let i = 0; i < this.codes.length; i++) out[i] = byName[this.codes[i]];
    return out;
  }

  /** The labels as strings (for small sets and tests). */
  toArray(): string[] {
    return Array.from(this.codes, (c) => this.names[c]);
  }

  *[Symbol.iterator](): Iterator<string> {
    for (let i = 0; i < this.codes.length; i++) yield this.names[this.codes[i]];
  }
}
