import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseProviderArgs } from '../../../bench/providers/main';
import { compare, summarize, type BenchReport, type ProviderReport } from '../../../bench/providers/report';

describe('provider bench: comparisons with the CPU EP', () => {
  it('max abs diff over every output, tolerance 1e-4 relative to max(1, max |cpu|)', () => {
    const cpu = [Float32Array.of(1, -200), Float32Array.of(0.5)];
    assert.deepEqual(compare([Float32Array.of(1, -200.01), Float32Array.of(0.5)], cpu), {
      maxAbsDiff: Math.abs(Math.fround(-200.01) + 200),
      maxAbsCpu: 200,
      withinTolerance: true, // 0.01 ≤ 1e-4 · 200 = 0.02
    });
    const off = compare([Float32Array.of(1, -200.03), Float32Array.of(0.5)], cpu);
    assert.equal(off.withinTolerance, false);
    const small = compare([Float32Array.of(1.0002)], [Float32Array.of(1)]);
    assert.equal(small.withinTolerance, false, '2e-4 on values ~1 is over the budget');
  });

  it('NaN or a different length is never within tolerance', () => {
    assert.equal(compare([Float32Array.of(NaN)], [Float32Array.of(1)]).withinTolerance, false);
    assert.ok(Number.isNaN(compare([Float32Array.of(NaN)], [Float32Array.of(1)]).maxAbsDiff));
    assert.equal(compare([Float32Array.of(1)], [Float32Array.of(1, 2)]).withinTolerance, false);
  });
});

function provider(label: string, probeMs: number, tokensPerS: number, diff?: number): ProviderReport {
  const vsCpu = diff === undefined ? undefined : { maxAbsDiff: diff, maxAbsCpu: 1, withinTolerance: diff <= 1e-4 };
  return {
    label,
    provider: label === 'cpu' ? 'cpu' : 'webgpu',
    available: true,
    extraction: {
      'gemma2-2b-shaped': {
        model: 'm',
        layers: '6',
        sequences: 1,
        tokens: 128,
        batchSize: 1,
        tokensPerS,
        sessionSeconds: 1,
        ...(vsCpu ? { vsCpu } : {}),
      },
    },
    probeStep: {
      '2048x128x2304': {
        shape: '2048x128x2304',
        H: 8,
        steps: 3,
        msPerStep: probeMs,
        bestMs: probeMs,
        ranOn: label === 'cpu' ? 'cpu' : 'webgpu',
        ...(vsCpu ? { vsCpu } : {}),
      },
    },
  };
}

describe('provider bench: summary', () => {
  const targets = { probeStepShape: '2048x128x2304', extractionModel: 'gemma2-2b-shaped' };
  const report = (gpu: ProviderReport): BenchReport => ({
    kind: 'probescope-provider-bench',
    version: 1,
    mode: 'full',
    startedAt: '',
    machine: {},
    shapes: {},
    tolerance: 1e-4,
    providers: { cpu: provider('cpu', 1000, 100), [gpu.label]: gpu },
    speedups: {},
    verdicts: [],
  });

  it('speed-ups are CPU time over GPU time, and the verdict names the targets', () => {
    const r = report(provider('webgpu', 40, 1500, 1e-6));
    summarize(r, targets);
    assert.deepEqual(r.speedups.webgpu, { 'extraction gemma2-2b-shaped': 15, 'probe step 2048x128x2304': 25 });
    assert.deepEqual(r.verdicts, [
      'webgpu: probe step 2048x128x2304 25.00× the CPU EP (target ≥ 20×); extraction gemma2-2b-shaped 15.00× (target ≥ 10×)',
      'webgpu: every compared state and gradient within 1e-4 (relative to max(1, |cpu|)) of the CPU EP',
    ]);
  });

  it('a fast but wrong GPU is called out, and so is a probe graph that fell back to CPU', () => {
    const gpu = provider('webgpu', 10, 5000, 3e-3);
    (gpu.probeStep['2048x128x2304'] as { ranOn: string }).ranOn = 'cpu';
    const r = report(gpu);
    summarize(r, targets);
    assert.ok(r.verdicts.includes("webgpu: OFF the CPU's results beyond 1e-4 in gemma2-2b-shaped, 2048x128x2304"));
    assert.ok(r.verdicts.includes('webgpu: probe graph fell back to CPU in 2048x128x2304'));
  });
});

describe('provider bench: arguments', () => {
  it('takes a comma list of providers and rejects unknown ones and flags', () => {
    assert.deepEqual(parseProviderArgs(['--ep', 'webgpu,cuda', '--quick']).providers, ['webgpu', 'cuda']);
    assert.throws(() => parseProviderArgs(['--ep', 'tpu']), /unknown execution provider 'tpu'; use cpu, webgpu, cuda/);
    assert.throws(() => parseProviderArgs(['--fast']), /unknown argument '--fast'/);
    assert.throws(() => parseProviderArgs(['--json']), /--json needs a value/);
    assert.throws(() => parseProviderArgs(['--root', '/']), /no test\/fixtures\/tiny-gemma2 under \//);
  });
});
