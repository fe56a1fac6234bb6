/**
 * The execution-provider bench (issue 17): in one run, for the CPU EP and each requested GPU EP, extraction tokens/s
 * (tiny model; Gemma-2-2B-shaped synthetic decoder, pruned) and attention-probe training ms/step (H=8 at
 * 2048×128×2304 and 900×231×64), every GPU result compared with the CPU's (max abs diff) so that a fast but wrong GPU
 * path shows. Measurements run one at a time, each on every provider, and the JSON report is rewritten after each.
 * `quick` mode uses small shapes: it exercises every code path in seconds (tests, a CPU smoke run), nothing more.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, hostname, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { numericalSelfCheck } from '../../src/core/model/providerSelfCheck';
import { resolveExecutionProvider } from '../../src/core/model/session';
import { GEMMA2_2B_SHAPE, type SyntheticShape } from '../syntheticGemma';
import { idSequences, measureExtraction, prepareSyntheticFolder, tinyTexts, type ExtractionSpec } from './extraction';
import { measureProbeStep, probeInputs, stepKey, type ProbeStepSpec } from './probeStep';
import { measureResidentProbeStep, writeResidentProbeModel } from './residentProbe';
import {
  AGREEMENT_TOLERANCE,
  failure,
  summarize,
  writeReport,
  type BenchProvider,
  type BenchReport,
  type Comparison,
  type ProviderReport,
} from './report';

const diffText = (c?: Comparison): string => (c ? `, max abs diff vs CPU ${c.maxAbsDiff.toExponential(2)}` : '');

export interface ProviderBenchOptions {
  /**
   * Providers to measure against the CPU EP, which is always measured first as the baseline. 'cpu' here adds a
   * second CPU run as a candidate ("cpu-again": it must match the baseline exactly; a harness check without a GPU).
   */
  providers: BenchProvider[];
  mode: 'full' | 'quick';
  /** Repository root (holds test/fixtures). */
  root: string;
  /** Where to write the JSON report (rewritten after every measurement). */
  jsonPath?: string;
  log?(line: string): void;
}

interface Plan {
  tiny: { texts: number; batchSize: number; repeats: number; layers: (number | 'final')[] };
  synthetic: {
    key: string;
    shape: SyntheticShape;
    tap: number;
    sequences: number;
    seqLen: number;
    batchSize: number;
    repeats: number;
  };
  probe: ProbeStepSpec[];
}

const PLANS: Record<'full' | 'quick', Plan> = {
  // Sized to finish in a few minutes on a 16-core GPU machine, CPU baseline included.
  full: {
    tiny: { texts: 64, batchSize: 16, repeats: 3, layers: [0, 1, 2, 3, 4, 'final'] },
    synthetic: {
      key: 'gemma2-2b-shaped',
      shape: { ...GEMMA2_2B_SHAPE, layers: 8, vocab: 1000 },
      tap: 6, // pruned to 6 of the 8 layers, as extraction prunes a real model after the deepest tapped layer
      sequences: 32,
      seqLen: 128,
      batchSize: 8,
      repeats: 3,
    },
    probe: [
      { B: 2048, S: 128, D: 2304, H: 8, steps: 5 },
      { B: 900, S: 231, D: 64, H: 8, steps: 20 },
    ],
  },
  quick: {
    tiny: { texts: 8, batchSize: 4, repeats: 1, layers: [2, 'final'] },
    synthetic: {
      key: 'synthetic-small',
      shape: { vocab: 1000, dModel: 128, heads: 4, kvHeads: 2, headDim: 32, dFF: 256, layers: 3 },
      tap: 2,
      sequences: 4,
      seqLen: 16,
      batchSize: 2,
      repeats: 1,
    },
    probe: [
      { B: 64, S: 16, D: 32, H: 8, steps: 2 },
      { B: 30, S: 7, D: 8, H: 8, steps: 2 },
    ],
  },
};

export async function runProviderBench(opts: ProviderBenchOptions): Promise<BenchReport> {
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const plan = PLANS[opts.mode];
  const candidates = [...new Set(opts.providers)].map((p) => ({ label: p === 'cpu' ? 'cpu-again' : p, provider: p }));
  const runs: { label: string; provider: BenchProvider }[] = [{ label: 'cpu', provider: 'cpu' }, ...candidates];
  const t0 = performance.now();
  const report: BenchReport = {
    kind: 'probescope-provider-bench',
    version: 1,
    mode: opts.mode,
    startedAt: new Date().toISOString(),
    machine: {
      hostname: hostname(),
      platform: `${platform()} ${release()}`,
      cpu: cpus()[0]?.model,
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      /** 1-minute load average at the start (a shared machine's times are contention-bound when it exceeds the cores). */
      loadAverageAtStart: Number(loadavg()[0]!.toFixed(1)),
      node: process.version,
      onnxruntime: ort.env.versions.node ?? ort.env.versions.common,
    },
    shapes: plan as unknown as Record<string, unknown>,
    tolerance: AGREEMENT_TOLERANCE,
    providers: {},
    speedups: {},
    verdicts: [],
  };
  const save = () => {
    summarize(report, { probeStepShape: stepKey(plan.probe[0]!), extractionModel: plan.synthetic.key });
    report.seconds = (performance.now() - t0) / 1000;
    writeReport(opts.jsonPath, report);
  };

  for (const { label, provider: p } of runs) {
    const rep: ProviderReport = { label, provider: p, available: true, extraction: {}, probeStep: {} };
    report.providers[label] = rep;
    if (p === 'cpu') continue;
    try {
      await resolveExecutionProvider(p);
      rep.selfCheck = await numericalSelfCheck(p);
      log(
        `${p}: available; self-check ${rep.selfCheck.ok ? 'passed' : 'FAILED'} (max abs diff ${rep.selfCheck.maxAbsDiff})`,
      );
    } catch (e) {
      rep.available = false;
      rep.reason = failure(e).error;
      log(`${p}: unavailable: ${rep.reason}`);
    }
  }
  const usable = runs.filter((r) => report.providers[r.label]!.available);
  save();

  const work = await mkdtemp(join(tmpdir(), 'ps-provider-bench-'));
  try {
    const fixtures = join(opts.root, 'test', 'fixtures');
    const s = plan.synthetic;
    const specs: ExtractionSpec[] = [
      {
        key: 'tiny',
        modelDir: join(fixtures, 'tiny-gemma2'),
        layers: plan.tiny.layers,
        texts: await tinyTexts(fixtures, plan.tiny.texts),
        batchSize: plan.tiny.batchSize,
        repeats: plan.tiny.repeats,
      },
      {
        key: s.key,
        modelDir: join(work, s.key),
        layers: [s.tap],
        ids: idSequences(s.sequences, s.seqLen, s.shape.vocab),
        batchSize: s.batchSize,
        repeats: s.repeats,
      },
    ];
    for (const spec of specs) {
      if (spec.key === s.key) {
        const b0 = performance.now();
        await prepareSyntheticFolder(spec.modelDir, s.shape, fixtures);
        log(`${s.key}: model built in ${((performance.now() - b0) / 1000).toFixed(1)} s`);
      }
      let cpuStates: Float32Array[] | undefined;
      for (const { label, provider: p } of usable) {
        try {
          const r = await measureExtraction(spec, p, join(work, 'cache'), cpuStates);
          if (label === 'cpu') cpuStates = r.states;
          report.providers[label]!.extraction[spec.key] = r.result;
          log(
            `extraction ${spec.key} on ${label}: ${Math.round(r.result.tokensPerS)} tokens/s` +
              (r.result.vsCpu ? `, max abs diff vs CPU ${r.result.vsCpu.maxAbsDiff.toExponential(2)}` : ''),
          );
        } catch (e) {
          report.providers[label]!.extraction[spec.key] = failure(e);
          log(`extraction ${spec.key} on ${label} failed: ${failure(e).error}`);
        }
        save();
      }
    }
    for (const spec of plan.probe) {
      const inputs = probeInputs(spec);
      let cpuValues: Float32Array[] | undefined;
      for (const { label, provider: p } of usable) {
        const key = stepKey(spec);
        try {
          const r = await measureProbeStep(spec, inputs, p, cpuValues);
          if (label === 'cpu') cpuValues = r.values;
          report.providers[label]!.probeStep[key] = r.result;
          log(
            `probe step ${key} H=${spec.H} on ${label} (ran on ${r.result.ranOn}): ${r.result.msPerStep.toFixed(1)} ms/step` +
              (r.result.vsCpu ? `, max abs diff vs CPU ${r.result.vsCpu.maxAbsDiff.toExponential(2)}` : ''),
          );
        } catch (e) {
          report.providers[label]!.probeStep[key] = failure(e);
          log(`probe step ${key} on ${label} failed: ${failure(e).error}`);
        }
        save();
      }
      // The same step with the batch resident on the device (residentProbe.ts), against the CPU's values above.
      const dir = join(work, 'resident');
      try {
        const path = await writeResidentProbeModel(dir, spec, inputs.batch);
        for (const { label, provider: p } of usable) {
          const key = `${stepKey(spec)} resident`;
          try {
            const r = await measureResidentProbeStep(spec, path, inputs.params, p, cpuValues);
            report.providers[label]!.probeStep[key] = r.result;
            log(`probe step ${key} on ${label}: ${r.result.msPerStep.toFixed(1)} ms/step` + diffText(r.result.vsCpu));
          } catch (e) {
            report.providers[label]!.probeStep[key] = failure(e);
            log(`probe step ${key} on ${label} failed: ${failure(e).error}`);
          }
          save();
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  report.finishedAt = new Date().toISOString();
  save();
  return report;
}
