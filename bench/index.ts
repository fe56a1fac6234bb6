/**
 * `npm run bench [-- NAME…]`: runs every bench/*.bench.ts (each exports `run()`) in one process, one after another in
 * name order, each printing its own measurements; then a compact table of the key ratios. A bench may return its
 * summary rows from run(); for those that only print, the rows are read from the lines they printed.
 *
 * `npm run bench -- --ep webgpu[,cuda] [--quick] [--json FILE]` runs the execution-provider bench instead
 * (bench/providers/: extraction and probe-step speed per provider against the CPU EP, and their agreement with it).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import { providersMain } from './providers/main';

export interface BenchRow {
  metric: string;
  value: string;
}

type Parser = (lines: string[]) => BenchRow[];

const num = (s: string) => Number(s.replace(/,/g, ''));

/** Key ratios out of the printed lines of benches that return nothing (keep in step with their console output). */
export const parsers: Record<string, Parser> = {
  activations: (lines) => {
    const rows: BenchRow[] = [];
    // Best batch size per model and layer set: all hidden states (what transformers returns) and one tapped layer.
    const best = new Map<string, { rate: number; hf: string; batch: string }>();
    for (const l of lines) {
      const m = /^\s*(\S+) layers (\S+)\s+batch\s+(\d+):\s+([\d,]+) tokens\/s\s+\(([\d.]+)× HF/.exec(l);
      if (!m) continue;
      const key = `${m[1]} layers ${m[2]}`;
      const prev = best.get(key);
      if (!prev || num(m[4]!) > prev.rate) best.set(key, { rate: num(m[4]!), hf: m[5]!, batch: m[3]! });
    }
    for (const [key, b] of best)
      rows.push({
        metric: `extraction tokens/s, ${key} (batch ${b.batch})`,
        value: `${b.rate.toLocaleString('en-US')} = ${b.hf}× HF 18k/s (target ≥ 2×)`,
      });
    const pruned = lines
      .map((l) => /pruned\/full time ratio: ([\d.]+) \(ideal ≈ [^=]*= ([\d.]+)/.exec(l))
      .find(Boolean);
    if (pruned)
      rows.push({
        metric: 'pruned/full graph time ratio (Gemma-2-2B shapes)',
        value: `${pruned[1]} (ideal ≈ ${pruned[2]})`,
      });
    return rows;
  },
  probeStep: (lines) =>
    lines.flatMap((l) => {
      const m = /^probeStep (\S+) .* H=(\d+) binary: ([\d.]+) ms\/step .* ratio ([\d.]+) \(best ([\d.]+)\)/.exec(l);
      return m
        ? [
            {
              metric: `probe step ${m[1]} H=${m[2]}: ms/step ÷ one read of x`,
              value: `${m[3]} ms, ${m[4]}× (best ${m[5]}×; ≈2 = bandwidth bound)`,
            },
          ]
        : [];
    }),
  timeToAccuracy: (lines) => {
    const ok = lines.map((l) => /time-to-accuracy ratio fast\/reference: ([\d.]+) \((.*)\)/.exec(l)).find(Boolean);
    if (ok) return [{ metric: 'time to accuracy, fast ÷ reference', value: `${ok[1]} (${ok[2]})` }];
    const fail = lines.find((l) => /never reached/.test(l));
    return fail
      ? [{ metric: 'time to accuracy, fast ÷ reference', value: 'n/a: fast never reached the reference accuracy' }]
      : [];
  },
};

/** Runs `f` while teeing console.log into `lines`. */
async function capturing<T>(lines: string[], f: () => Promise<T>): Promise<T> {
  const log = console.log;
  console.log = (...args: unknown[]) => {
    lines.push(...format(...args).split('\n'));
    log(...args);
  };
  try {
    return await f();
  } finally {
    console.log = log;
  }
}

function table(rows: (BenchRow & { bench: string })[]): string {
  const w = [Math.max(5, ...rows.map((r) => r.bench.length)), Math.max(6, ...rows.map((r) => r.metric.length))];
  const line = (a: string, b: string, c: string) => `${a.padEnd(w[0]!)}  ${b.padEnd(w[1]!)}  ${c}`;
  return [
    line('bench', 'metric', 'value'),
    line('-'.repeat(w[0]!), '-'.repeat(w[1]!), '-----'),
    ...rows.map((r) => line(r.bench, r.metric, r.value)),
  ].join('\n');
}

async function main(): Promise<number> {
  if (process.argv.slice(2).some((a) => a.startsWith('--'))) return providersMain(process.argv.slice(2));
  const all = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.ts'))
    .map((f) => f.slice(0, -'.bench.ts'.length))
    .sort();
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !all.includes(w));
  if (unknown.length) {
    console.error(`bench: unknown benchmark ${unknown.join(', ')}; available: ${all.join(', ')}`);
    return 2;
  }
  const names = wanted.length ? all.filter((n) => wanted.includes(n)) : all;
  const summary: (BenchRow & { bench: string })[] = [];
  let failed = 0;
  for (const name of names) {
    const lines: string[] = [];
    const t0 = performance.now();
    try {
      const mod = (await import(join(__dirname, `${name}.bench.ts`))) as { run?: () => Promise<BenchRow[] | void> };
      if (typeof mod.run !== 'function') throw new Error(`${name}.bench.ts does not export run()`);
      const returned = await capturing(lines, () => mod.run!());
      const rows = Array.isArray(returned) ? returned : (parsers[name]?.(lines) ?? []);
      summary.push(...rows.map((r) => ({ bench: name, ...r })));
      if (rows.length === 0) summary.push({ bench: name, metric: '(no summary rows)', value: 'see its output above' });
    } catch (e) {
      failed++;
      console.error(`bench ${name} failed:`, e);
      summary.push({ bench: name, metric: 'FAILED', value: String((e as Error).message ?? e).split('\n')[0]! });
    }
    const seconds = (performance.now() - t0) / 1000;
    // getrusage's maxRSS: the peak of this process so far (benches run in name order in one process).
    const peak = process.resourceUsage().maxRSS / 1024;
    console.log(`(${name}: ${seconds.toFixed(1)} s; peak RSS of the bench process so far ${peak.toFixed(0)} MiB)\n`);
    summary.push({ bench: name, metric: 'peak RSS of the bench process after it', value: `${peak.toFixed(0)} MiB` });
  }
  console.log(
    `Summary (CPU, ${new Date().toISOString()}; timings on a shared machine vary run to run)\n${table(summary)}`,
  );
  return failed ? 1 : 0;
}

if (require.main === module)
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
