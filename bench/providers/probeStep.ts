/**
 * Probe training step per execution provider: wall ms per ProbeComputer.lossAndGrad (forward, loss and every
 * gradient of a binary attention probe) on one fixed random batch, plus the loss and gradients for the comparison
 * with the CPU.
 */
import { ProbeComputer } from '../../src/core/probes/probeComputer';
import { initProbeParams, type ProbeBatch, type ProbeParams } from '../../src/core/probes/probeParams';
import { createRng } from '../../src/core/probes/rng';
import { randomBatch } from '../probeBatch';
import { compare, type BenchProvider, type ProbeStepResult } from './report';

export interface ProbeStepSpec {
  B: number;
  S: number;
  D: number;
  H: number;
  steps: number;
}

export const stepKey = (s: { B: number; S: number; D: number }): string => `${s.B}x${s.S}x${s.D}`;

/** Batch and parameters shared by every provider (the batch of 2048×128×2304 is 2.4 GB: made once). */
export function probeInputs(spec: ProbeStepSpec): { batch: ProbeBatch; params: ProbeParams } {
  const batch = randomBatch(spec.B, spec.S, spec.D, 7);
  const params = initProbeParams(spec.H, 1, spec.D, createRng(1));
  // Non-zero query and position weights, so that attention is not uniform and every gradient term is exercised.
  const rng = createRng(2);
  for (let i = 0; i < params.q.length; i++) params.q[i] = rng.normal() * 0.05;
  for (let i = 0; i < params.w.length; i++) params.w[i] = rng.normal() * 0.01;
  return { batch, params };
}

export interface ProbeStepRun {
  result: ProbeStepResult;
  /** Loss, logits and the gradients dq, dw, dV, db of the first step. */
  values: Float32Array[];
}

export async function measureProbeStep(
  spec: ProbeStepSpec,
  inputs: { batch: ProbeBatch; params: ProbeParams },
  provider: BenchProvider,
  cpu?: Float32Array[],
): Promise<ProbeStepRun> {
  const pc = await ProbeComputer.create({ H: spec.H, C: 1, D: spec.D }, { executionProvider: provider });
  try {
    const first = await pc.lossAndGrad(inputs.params, inputs.batch); // warm-up: session build, arena growth
    const values = [
      Float32Array.of(first.loss),
      first.logits.slice(),
      first.grad.q.slice(),
      first.grad.w.slice(),
      first.grad.V.slice(),
      first.grad.b.slice(),
    ];
    const times: number[] = [];
    for (let i = 0; i < spec.steps; i++) {
      const t0 = performance.now();
      await pc.lossAndGrad(inputs.params, inputs.batch);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return {
      result: {
        shape: stepKey(spec),
        H: spec.H,
        steps: spec.steps,
        msPerStep: times[Math.floor(times.length / 2)]!,
        bestMs: times[0]!,
        ranOn: pc.provider,
        ...(pc.notice ? { notice: pc.notice } : {}),
        ...(cpu ? { vsCpu: compare(values, cpu) } : {}),
      },
      values,
    };
  } finally {
    await pc.dispose();
  }
}
