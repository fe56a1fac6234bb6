/**
 * Scale (issue #16), on this machine in one run:
 *   1. peak RSS of streamed attention-probe training from caches of 10k, 40k and 160k examples with one memory budget
 *      (each in a fresh child process; flat = memory does not grow with the dataset);
 *   2. AdamW training throughput (examples/s × bytes per example) from a cache 4× the memory budget, against the
 *      sequential read speed of the same shard files measured just before (8 MiB reads; the files were just written,
 *      so the page cache may serve them: this is an upper bound on the disk's speed);
 *   3. extraction on a Gemma-2-2B-shaped synthetic decoder (2 layers sharing weights) as achieved GFLOP/s
 *      (2 × MatMul weights used per token × tokens/s; attention scores not counted) against one large float32 MatMul
 *      ([512 × 2304] × [2304 × 9216]) in onnxruntime.
 * PROBESCOPE_BENCH_SCALE=small divides the example counts by 10 (quick check).
 */
import { spawnSync } from 'node:child_process';
import { open, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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

function child(cacheDir: string, dataPath: string, outDir: string, steps: number, budget = BUDGET) {
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      join(__dirname, 'scaleChild.ts'),
      cacheDir,
      dataPath,
      String(budget),
      String(steps),
      '64',
      outDir,
    ],
    { encoding: 'utf8', timeout: 600_000 },
  );
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !last.startsWith('{')) throw new Error(`scale child failed: ${r.stderr.slice(-500)}`);
  return JSON.parse(last) as { maxRssKiB: number; examplesPerSecond: number; seconds: number; accuracy: number };
}

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

async function extractionVsMatMul(): Promise<BenchRow[]> {
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
  return [
    {
      metric: 'extraction GFLOP/s ÷ large MatMul GFLOP/s (ORT CPU)',
      value: `${extractGflops.toFixed(1)} / ${mmGflops.toFixed(1)} = ${(extractGflops / mmGflops).toFixed(2)}`,
    },
  ];
}

export async function run(): Promise<BenchRow[]> {
  console.log('scale: streamed training memory and throughput, extraction FLOP rate (CPU)');
  const div = SMALL ? 10 : 1;
  const root = await mkdtemp(join(tmpdir(), 'ps-bench-scale-'));
  const rows: BenchRow[] = [];
  try {
    const rss: string[] = [];
    let ratio = '';
    for (const n of [10_000, 40_000, 160_000].map((x) => x / div)) {
      const c = await writeSyntheticCache(join(root, `c${n}`), n, TOKENS, D, 4 * 2 ** 20);
      const readSpeed = await sequentialRead(c.cacheDir);
      const r = child(c.cacheDir, c.dataPath, join(root, `p${n}`), 40);
      const perExample = TOKENS * D * 4;
      const trainBytesPerS = r.examplesPerSecond * perExample;
      console.log(
        `  ${n} examples (${(c.bytes / 2 ** 20).toFixed(0)} MiB cache, budget ${BUDGET / 2 ** 20} MiB): peak RSS ` +
          `${(r.maxRssKiB / 1024).toFixed(0)} MiB; AdamW ${r.examplesPerSecond.toFixed(0)} examples/s = ` +
          `${(trainBytesPerS / 2 ** 20).toFixed(1)} MiB/s vs sequential read ${(readSpeed / 2 ** 20).toFixed(0)} MiB/s; ${r.seconds.toFixed(1)} s`,
      );
      rss.push(`${n / 1000}k ${(r.maxRssKiB / 1024).toFixed(0)}`);
      if (c.bytes >= 4 * BUDGET && !ratio) {
        ratio = `${(trainBytesPerS / 2 ** 20).toFixed(1)} / ${(readSpeed / 2 ** 20).toFixed(0)} MiB/s = ${((100 * trainBytesPerS) / readSpeed).toFixed(1)} % (cache ${(c.bytes / BUDGET).toFixed(1)}× budget)`;
        // The same run with the whole cache in memory: what streaming costs, apart from the probe step itself.
        const mem = child(c.cacheDir, c.dataPath, join(root, `m${n}`), 40, 8 * 2 ** 30);
        console.log(
          `  same cache in memory: ${mem.examplesPerSecond.toFixed(0)} examples/s, peak RSS ${(mem.maxRssKiB / 1024).toFixed(0)} MiB`,
        );
        rows.push({
          metric: 'AdamW examples/s streamed ÷ in memory (same cache)',
          value: `${r.examplesPerSecond.toFixed(0)} / ${mem.examplesPerSecond.toFixed(0)} = ${(r.examplesPerSecond / mem.examplesPerSecond).toFixed(2)}`,
        });
      }
      await rm(c.cacheDir, { recursive: true, force: true });
    }
    rows.push({
      metric: `peak RSS MiB, streamed attention training (budget ${BUDGET / 2 ** 20} MiB)`,
      value: rss.join(', '),
    });
    rows.push({
      metric: 'training bytes/s ÷ sequential read (cache ≥ 4× budget)',
      value: ratio || 'n/a (no cache ≥ 4× budget)',
    });
    rows.push(...(await extractionVsMatMul()));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  return rows;
}

if (require.main === module) void run();
