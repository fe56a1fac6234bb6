/**
 * Long texts through the built CLI (dist/cli.js, as users run it): `activations` and `classify` on 10k- and 100k-token
 * texts, each in its own process, with wall time and the process's peak RSS (getrusage maxRSS, printed by a preload
 * at exit). Peak RSS must stay bounded: classify streams windows (src/core/scoring) and keeps O(tokens·H·C) numbers,
 * so 10× the tokens must cost far less than 10× the memory of the model runtime itself.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainProbeRun } from '../src/core/probes';
import type { BenchRow } from './index';

const ROOT = join(__dirname, '..');
const MODEL = join(ROOT, 'models/tiny-gemma2');

function runCli(args: string[], preload: string): { seconds: number; rssMiB: number; ok: boolean; tail: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--require', preload, join(ROOT, 'dist/cli.js'), ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const seconds = (performance.now() - t0) / 1000;
  const m = /maxRSS_KiB=(\d+)/.exec(r.stderr);
  return { seconds, rssMiB: m ? Number(m[1]) / 1024 : NaN, ok: r.status === 0, tail: r.stderr.slice(-300) };
}

export async function run(): Promise<BenchRow[]> {
  const tmp = mkdtempSync(join(tmpdir(), 'ps-bench-long-'));
  try {
    const preload = join(tmp, 'rss.js');
    writeFileSync(
      preload,
      "process.on('exit', () => process.stderr.write(`maxRSS_KiB=${process.resourceUsage().maxRSS}\\n`));\n",
    );
    const { outDir: probe } = await trainProbeRun({
      modelDir: MODEL,
      dataPath: join(ROOT, 'examples/span-sentiment.jsonl'),
      layer: 2,
      probe: 'attention',
      heads: 8,
      steps: 20,
      executionProvider: 'cpu',
      cacheDir: join(tmp, 'cache'),
      outDir: join(tmp, 'probe'),
    });
    const rows: BenchRow[] = [];
    for (const n of [10_000, 100_000]) {
      const file = join(tmp, `t${n}.txt`);
      writeFileSync(file, 'vote '.repeat(n - 3));
      for (const [name, args] of [
        ['activations', ['activations', '--model', MODEL, '--layers', '2', '--text-file', file]],
        ['classify', ['classify', '--probe', probe, '--execution-provider', 'cpu', '--text-file', file]],
      ] as const) {
        const r = runCli([...args], preload);
        if (!r.ok) throw new Error(`${name} on ${n} tokens failed: ${r.tail}`);
        console.log(
          `longText ${name} ${n.toLocaleString('en-US')} tokens: ${r.seconds.toFixed(1)} s, peak RSS ${r.rssMiB.toFixed(0)} MiB`,
        );
        rows.push({
          metric: `${name}, ${n / 1000}k tokens (tiny model, CLI process)`,
          value: `${r.seconds.toFixed(1)} s, peak RSS ${r.rssMiB.toFixed(0)} MiB`,
        });
      }
    }
    return rows;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
