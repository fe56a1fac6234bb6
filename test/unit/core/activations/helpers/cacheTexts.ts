/** Texts of varied length for cache tests (a few examples per 20 kB shard of the tiny model). */
export const TEXTS = Array.from(
  { length: 16 },
  (_, i) => `Example ${i}: ${'the council met again and again '.repeat(1 + (i % 5))}`,
);
