/**
 * Scale (issue #16), on this machine in one run:
 *   1. peak RSS of streamed attention-probe training from caches of 10k, 40k and 160k examples with one memory budget
 *      (each in a fresh child process; flat = memory does not grow with the dataset), and per phase (setup: reading
 *      the dataset and checking the cache; steps; final metrics and saving);
 *   2. AdamW training throughput (examples/s × bytes per example) from the first cache ≥ 4× the memory budget, against
 *      the sequential read speed of the same shard files. Both read from the disk: the shard files are flushed and
 *      advised out of the page cache (posix_fadvise DONTNEED via `dd iflag=nocache`, bench/pageCache.ts; fincore
 *      shows what stayed resident) before the read-speed pass and again after training's checksum pass, before its
 *      first batch. Where that fails the line says so (then the read speed is the page cache's, an upper bound).
 *      The probe step's FLOPs per byte and achieved GFLOP/s are printed beside a large MatMul's GFLOP/s (item 3);
 *   3. extraction on a Gemma-2-2B-shaped synthetic decoder (2 layers sharing weights) as achieved GFLOP/s
 *      (2 × MatMul weights used per token × tokens/s; attention scores not counted) against one large float32 MatMul
 *      ([512 × 2304] × [2304 × 9216]) in onnxruntime.
 * PROBESCOPE_BENCH_SCALE=small divides the example counts by 10 (quick check).
 */
import { spawnSync } from 'node:child_process';
import { open, mkdtemp, readdir, rm } from 'node:fs/promises';
import { dropPageCache } from './pageCache';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { pruneToOutputs } from '../src/core/model/prune';
import { createSession } from '../src/core/model/session';
import { DataType, encodeModel, graph, model, node, tensor, valueInfo } from '../src/core/onnx/proto';
import type { BenchRow } from './index';
import { writeSyntheticCache } from './scaleCache';
import { buildSyntheticGemma, GEMMA2_2B_SHAPE } from './syntheticGemma';

const TOKENS = 8;
const D = 128;
const SMALL = process.env.PROBESCOPE_BENCH_SCALE === 'small';
const BUDGET = (SMALL ? 4 : 16) * 2 ** 20;

interface ChildResult {
  maxRssKiB: number;
  peakRssMiB: { setup: number; steps: number; final: number };
  examplesPerSecond: number;
  steps: number;
  stepSeconds: number;
  stepCpuSeconds: number;
  seconds: number;
  accuracy: number;
  dropped?: { residentBefore: number; residentAfter: number; bytes: number };
}

function child(
  cacheDir: string,
  dataPath: string,
  outDir: string,
  steps: number,
  opts: { budget?: number; batchSize?: number; drop?: boolean } = {},
): ChildResult {
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      join(__dirname, 'scaleChild.ts'),
      cacheDir,
      dataPath,
      String(opts.budget ?? BUDGET),
      String(steps),
      String(opts.batchSize ?? 64),
      outDir,
      ...(opts.drop ? ['drop'] : []),
    ],
    { encoding: 'utf8', timeout: 600_000 },
  );
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !last.startsWith('{')) throw new Error(`scale child failed: ${r.stderr.slice(-500)}`);
  return JSON.parse(last) as ChildResult;
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

async function sequentialRead(dir: string): Promise<number> {
  const buf = Buffer.alloc(8 * 2 ** 20);
  let bytes = 0;
  const t0 = performance.now();
  for (const f of (await readdir(dir)).filter((n) => n.endsWith('.bin'))) {
    const fh = await open(join(dir, f), 'r');
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      bytes += bytesRead;
    }
    await fh.close();
  }
  return bytes / ((performance.now() - t0) / 1000);
}

async function bestSeconds(n: number, f: () => Promise<unknown>): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await f();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return best;
}

async function extractionVsMatMul(): Promise<{ rows: BenchRow[]; mmGflops: number }> {
  const SEQ = 128;
  const s = buildSyntheticGemma({ ...GEMMA2_2B_SHAPE, layers: 2, vocab: 1000 });
  const tap = s.residuals[2];
  const pruned = pruneToOutputs(s.model, [tap]).model;
  const sizes = new Map(pruned.graph!.initializer.map((t) => [t.name, t.dims.reduce((a, d) => a * Number(d), 1)]));
  // Weights multiplied per token: every MatMul's initializer operand, counted per use (layers share tensors).
  const weightsPerToken = pruned
    .graph!.node.filter((n) => n.opType === 'MatMul' || n.opType === 'Gemm')
    .reduce((a, n) => a + n.input.reduce((b, i) => b + (sizes.get(i) ?? 0), 0), 0);
  const session = await createSession(encodeModel(pruned), 'cpu');
  const ids = new ort.Tensor(
    'int64',
    BigInt64Array.from({ length: SEQ }, (_, i) => BigInt(3 + (i % 900))),
    [1, SEQ],
  );
  await session.run({ input_ids: ids }, [tap]);
  const sec = await bestSeconds(3, () => session.run({ input_ids: ids }, [tap]));
  await session.release();
  const extractGflops = (2 * weightsPerToken * SEQ) / sec / 1e9;

  const [M, K, N] = [512, 2304, 9216];
  const w = new Float32Array(K * N).map((_, i) => ((i * 2654435761) % 1000) / 1000 - 0.5);
  const mm = model(
    graph({
      name: 'matmul',
      nodes: [node('MatMul', ['a', 'w'], ['y'])],
      inputs: [valueInfo('a', DataType.FLOAT, [M, K])],
      outputs: [valueInfo('y', DataType.FLOAT, [M, N])],
      initializers: [tensor('w', [K, N], w)],
    }),
  );
  const ms = await createSession(encodeModel(mm), 'cpu');
  const a = new ort.Tensor('float32', new Float32Array(M * K).fill(0.01), [M, K]);
  await ms.run({ a });
  const mmSec = await bestSeconds(3, () => ms.run({ a }));
  await ms.release();
  const mmGflops = (2 * M * K * N) / mmSec / 1e9;
  console.log(
    `  extraction (synthetic Gemma-2-2B shapes, 2 layers, ${SEQ} tokens, ${(weightsPerToken / 1e6).toFixed(1)} M weights/token): ` +
      `${(SEQ / sec).toFixed(0)} tokens/s = ${extractGflops.toFixed(1)} GFLOP/s; MatMul ${M}×${K}×${N}: ${mmGflops.toFixed(1)} GFLOP/s; ` +
      `ratio ${(extractGflops / mmGflops).toFixed(2)}`,
  );
  return {
    mmGflops,
    rows: [
      {
        metric: 'extraction GFLOP/s ÷ large MatMul GFLOP/s (ORT CPU)',
        value: `${extractGflops.toFixed(1)} / ${mmGflops.toFixed(1)} = ${(extractGflops / mmGflops).toFixed(2)}`,
      },
    ],
  };
}

/** Probe-step FLOPs per example: the two GEMMs over x (Z = x·[q;V]ᵀ, then [dA; R]ᵀ·x), 2·S·D·(H + H·C) each. */
const stepFlopsPerExample = (H: number, C: number) => 2 * 2 * TOKENS * D * (H + H * C);

export async function run(): Promise<BenchRow[]> {
  console.log('scale: streamed training memory and throughput, extraction FLOP rate (CPU)');
  const div = SMALL ? 10 : 1;
  const root = await mkdtemp(join(tmpdir(), 'ps-bench-scale-'));
  const rows: BenchRow[] = [];
  const perExample = TOKENS * D * 4;
  const throughput: { batch: number; r: ChildResult; read: number; cold: boolean }[] = [];
  try {
    const rss: { n: number; r: ChildResult }[] = [];
    for (const n of [10_000, 40_000, 160_000].map((x) => x / div)) {
      const c = await writeSyntheticCache(join(root, `c${n}`), n, TOKENS, D, 4 * 2 ** 20);
      const r = child(c.cacheDir, c.dataPath, join(root, `p${n}`), 40);
      const p = r.peakRssMiB;
      console.log(
        `  ${n} examples (${(c.bytes / 2 ** 20).toFixed(0)} MiB cache, budget ${BUDGET / 2 ** 20} MiB): peak RSS ` +
          `${(r.maxRssKiB / 1024).toFixed(0)} MiB (setup ${p.setup.toFixed(0)}, steps ${p.steps.toFixed(0)}, final ` +
          `${p.final.toFixed(0)}); ${r.seconds.toFixed(1)} s`,
      );
      rss.push({ n, r });
      if (c.bytes >= 4 * BUDGET && throughput.length === 0) {
        const files = (await readdir(c.cacheDir)).filter((f) => f.endsWith('.bin')).map((f) => join(c.cacheDir, f));
        const drop = dropPageCache(files);
        const cold = drop.residentAfter === 0;
        const read = await sequentialRead(c.cacheDir);
        console.log(
          `  sequential read of the ${files.length} shard files (${mib(drop.bytes)} MiB, 8 MiB reads): ${mib(read)} MiB/s ` +
            (cold
              ? `from the disk (page cache dropped: ${mib(drop.residentBefore)} → 0 MiB resident)`
              : `(page cache NOT dropped: ${mib(drop.residentAfter)} MiB resident; an upper bound)`),
        );
        for (const batch of [64, 512]) {
          const t = child(c.cacheDir, c.dataPath, join(root, `t${n}-${batch}`), 2000, { batchSize: batch, drop: true });
          const coldTrain = t.dropped?.residentAfter === 0;
          throughput.push({ batch, r: t, read, cold: cold && coldTrain });
          const bps = t.examplesPerSecond * perExample;
          const perCpuSecond = ((t.steps - 1) * batch) / t.stepCpuSeconds;
          console.log(
            `  AdamW batch ${batch}, ${t.steps} steps (${coldTrain ? 'page cache dropped before the first batch' : 'page cache NOT dropped'}): ` +
              `${t.examplesPerSecond.toFixed(0)} examples/s = ${mib(bps)} MiB/s = ${((100 * bps) / read).toFixed(1)} % of the ` +
              `sequential read; peak RSS ${(t.maxRssKiB / 1024).toFixed(0)} MiB; the process used ` +
              `${(t.stepCpuSeconds / t.stepSeconds).toFixed(2)} of ${availableParallelism()} cores during the steps ` +
              `(load average ${loadavg()[0].toFixed(1)}): ${perCpuSecond.toFixed(0)} examples per CPU-second = ` +
              `${mib(perCpuSecond * perExample)} MiB per CPU-second`,
          );
        }
        // The same run with the whole cache in memory: what streaming costs, apart from the probe step itself.
        const mem = child(c.cacheDir, c.dataPath, join(root, `m${n}`), 2000, { budget: 8 * 2 ** 30 });
        const streamed64 = throughput[0].r;
        console.log(
          `  same cache in memory (batch 64): ${mem.examplesPerSecond.toFixed(0)} examples/s, peak RSS ${(mem.maxRssKiB / 1024).toFixed(0)} MiB`,
        );
        rows.push({
          metric: 'AdamW examples/s streamed ÷ in memory (same cache, batch 64)',
          value: `${streamed64.examplesPerSecond.toFixed(0)} / ${mem.examplesPerSecond.toFixed(0)} = ${(streamed64.examplesPerSecond / mem.examplesPerSecond).toFixed(2)}`,
        });
      }
      await rm(c.cacheDir, { recursive: true, force: true });
    }
    const peaks = rss.map((x) => x.r.maxRssKiB / 1024);
    rows.push({
      metric: `peak RSS MiB, streamed attention training (budget ${BUDGET / 2 ** 20} MiB)`,
      value:
        rss.map((x, i) => `${x.n / 1000}k ${peaks[i].toFixed(0)}`).join(', ') +
        `; largest ÷ smallest ${(Math.max(...peaks) / Math.min(...peaks)).toFixed(2)} (target ≤ 1.3)`,
    });
    const ext = await extractionVsMatMul();
    for (const { batch, r, read, cold } of throughput) {
      const bps = r.examplesPerSecond * perExample;
      const gflops = (r.examplesPerSecond * stepFlopsPerExample(2, 1)) / 1e9;
      console.log(
        `  probe step, batch ${batch}: ${stepFlopsPerExample(2, 1) / perExample} FLOP per byte of x; ${gflops.toFixed(2)} GFLOP/s ` +
          `achieved vs ${ext.mmGflops.toFixed(1)} GFLOP/s for a large MatMul (${((100 * gflops) / ext.mmGflops).toFixed(1)} %); ` +
          `reading at the disk's speed would need ${((read * stepFlopsPerExample(2, 1)) / perExample / 1e9).toFixed(1)} GFLOP/s, ` +
          'so arithmetic is not the limit: per-step costs (one ORT run of ~60 small ops, the optimiser) and per-example ' +
          'copies are',
      );
      rows.push({
        metric: `training bytes/s ÷ sequential read (cache ≥ 4× budget, batch ${batch}, ${cold ? 'both from the disk' : 'page cache not dropped'})`,
        value: `${mib(bps)} / ${mib(read)} MiB/s = ${((100 * bps) / read).toFixed(1)} % (${r.examplesPerSecond.toFixed(0)} examples/s; target ≥ 50 %)`,
      });
    }
    if (throughput.length === 0)
      rows.push({ metric: 'training bytes/s ÷ sequential read', value: 'n/a (no cache ≥ 4× budget)' });
    rows.push(...ext.rows);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  return rows;
}

if (require.main === module) void run();
