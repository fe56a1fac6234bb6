/**
 * Probe training-step cost: ms per lossAndGrad of an attention probe, next to the memory-bandwidth bound (one read of x
 * at the copy speed measured in this run). The graph reads x twice per step (forward GEMM, gradient GEMM), so a ratio
 * near 2 means the step is as fast as its memory traffic allows.
 */
import * as os from 'node:os';
import { ProbeComputer } from '../src/core/probes/probeComputer';
import { initProbeParams } from '../src/core/probes/probeParams';
import type { ProbeBatch } from '../src/core/probes/probeParams';
import { createRng } from '../src/core/probes/rng';
import { randomBatch } from './probeBatch';

/** Bytes per second of Float32Array.set over buffers far larger than cache (counting bytes read). */
function copySpeed(): number {
  const n = 64 * 1024 * 1024; // 256 MB
  const src = new Float32Array(n).fill(1);
  const dst = new Float32Array(n);
  dst.set(src); // touch pages
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    dst.set(src);
    best = Math.min(best, performance.now() - t0);
  }
  return (n * 4) / (best / 1000);
}

/**
 * Median and best wall ms per lossAndGrad, and the best CPU ms (all threads): on a shared machine the best and the CPU
 * time are the steadier numbers.
 */
async function stepMs(
  batch: ProbeBatch,
  H: number,
  steps: number,
): Promise<{ median: number; best: number; cpu: number }> {
  const pc = await ProbeComputer.create({ H, C: 1, D: batch.D });
  const params = initProbeParams(H, 1, batch.D, createRng(1));
  params.q.fill(0.01);
  await pc.lossAndGrad(params, batch); // warm-up: session build, arena growth
  const times: number[] = [];
  let cpu = Infinity;
  for (let i = 0; i < steps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await pc.lossAndGrad(params, batch);
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu = Math.min(cpu, (c.user + c.system) / 1000);
  }
  await pc.dispose();
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, best: times[0]!, cpu };
}

export async function run(): Promise<void> {
  const bw = copySpeed();
  console.log(`probeStep: copy speed ${(bw / 1e9).toFixed(2)} GB/s, ${os.availableParallelism()} threads`);
  const cases = [
    { B: 900, S: 231, D: 64, steps: 30, heads: [8, 1] },
    { B: 2048, S: 128, D: 2304, steps: 3, heads: [8, 1] },
    { B: 2048, S: 1, D: 2304, steps: 30, heads: [1] }, // mean / last-token probe (LBFGS evaluations)
  ];
  for (const { B, S, D, steps, heads } of cases) {
    const xBytes = B * S * D * 4;
    if (xBytes * 2.5 > os.freemem()) {
      console.log(
        `probeStep ${B}x${S}x${D}: skipped, x is ${(xBytes / 1e9).toFixed(2)} GB and only ${(os.freemem() / 1e9).toFixed(1)} GB is free`,
      );
      continue;
    }
    const batch = randomBatch(B, S, D, 7);
    const boundMs = (xBytes / bw) * 1000;
    for (const H of heads) {
      const ms = await stepMs(batch, H, steps);
      console.log(
        `probeStep ${B}x${S}x${D} (x ${(xBytes / 1e9).toFixed(2)} GB) H=${H} binary: ${ms.median.toFixed(1)} ms/step ` +
          `(best ${ms.best.toFixed(1)}), one read of x ${boundMs.toFixed(1)} ms, ratio ${(ms.median / boundMs).toFixed(2)} ` +
          `(best ${(ms.best / boundMs).toFixed(2)}); CPU ${ms.cpu.toFixed(1)} ms/step; rss ${(process.memoryUsage().rss / 1e9).toFixed(2)} GB`,
      );
    }
  }
}

if (require.main === module) void run();
