import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng } from '../../../../src/core/probes/rng';
import { initProbeParams } from '../../../../src/core/probes/probeParams';

describe('createRng', () => {
  it('the same seed gives the same sequence and different seeds different ones', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const sa = Array.from({ length: 20 }, () => a.next());
    assert.deepEqual(
      sa,
      Array.from({ length: 20 }, () => b.next()),
    );
    assert.notDeepEqual(
      sa,
      Array.from({ length: 20 }, () => c.next()),
    );
  });

  it('next() is uniform on [0, 1): range, mean 1/2 and variance 1/12 over 100k draws', () => {
    const r = createRng(1);
    const n = 100_000;
    let sum = 0;
    let sq = 0;
    const bins = new Array<number>(10).fill(0);
    for (let i = 0; i < n; i++) {
      const v = r.next();
      assert.ok(v >= 0 && v < 1);
      sum += v;
      sq += v * v;
      bins[Math.floor(v * 10)]!++;
    }
    const mean = sum / n;
    assert.ok(Math.abs(mean - 0.5) < 0.005, `mean ${mean}`);
    assert.ok(Math.abs(sq / n - mean * mean - 1 / 12) < 0.002);
    for (const b of bins) assert.ok(Math.abs(b / n - 0.1) < 0.005, `bin ${b}`);
  });

  it('normal() has mean 0, variance 1 and the normal tail mass beyond 2σ', () => {
    const r = createRng(7);
    const n = 100_000;
    let sum = 0;
    let sq = 0;
    let tail = 0;
    for (let i = 0; i < n; i++) {
      const v = r.normal();
      assert.ok(Number.isFinite(v));
      sum += v;
      sq += v * v;
      if (Math.abs(v) > 2) tail++;
    }
    assert.ok(Math.abs(sum / n) < 0.02);
    assert.ok(Math.abs(sq / n - 1) < 0.02);
    assert.ok(Math.abs(tail / n - 0.0455) < 0.004, `tail ${tail / n}`);
  });

  it('int(n) covers exactly 0..n-1 and shuffle() is a permutation that differs from the identity', () => {
    const r = createRng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(r.int(7));
    assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4, 5, 6]);
    const items = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = r.shuffle([...items]);
    assert.deepEqual(
      [...shuffled].sort((x, y) => x - y),
      items,
    );
    assert.notDeepEqual(shuffled, items);
  });
});

describe('initProbeParams', () => {
  it('starts as a mean probe (q = w = 0) with V and b uniform in ±1/√D like nn.Linear', () => {
    const D = 256;
    const p = initProbeParams(4, 3, D, createRng(5));
    assert.equal(p.q.length, 4 * D);
    assert.equal(p.w.length, 4);
    assert.equal(p.V.length, 12 * D);
    assert.equal(p.b.length, 12);
    assert.ok(p.q.every((v) => v === 0) && p.w.every((v) => v === 0));
    const bound = 1 / Math.sqrt(D);
    for (const v of [...p.V, ...p.b]) assert.ok(Math.abs(v) <= bound);
    // Uniform on ±bound has mean |v| = bound/2.
    const meanAbs = p.V.reduce((s, v) => s + Math.abs(v), 0) / p.V.length;
    assert.ok(Math.abs(meanAbs - bound / 2) < 0.05 * bound, `mean |V| ${meanAbs}`);
  });
});
