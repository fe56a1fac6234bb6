/**
 * Token scores end to end (scoreText: tokenize, windows batched through the tiny model, per-token readouts, result
 * objects), load excluded (one untimed warm-up call on a 2,500-token document loads the model and the probe and
 * runs ORT once at the batch shape): a 10,000-token document (target < 1.5 s)
 * and a 100,000-token one, with the process's peak RSS after each. Attention probe, 4 heads, layer 2, window 512.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GemmaTokenizer } from '../src/core/model/tokenizer';
import { trainProbeRun } from '../src/core/probes';
import { scoreText } from '../src/core/scoring/scoreText';
import type { BenchRow } from './index';

const ROOT = join(__dirname, '..');
const MODEL = join(ROOT, 'models/tiny-gemma2');

/** Example sentences joined until the document has at least `n` tokens, cut back to about n. */
async function documentOf(n: number): Promise<string> {
  const texts = readFileSync(join(ROOT, 'examples/span-sentiment.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => (JSON.parse(l) as { text: string }).text);
  const tok = await GemmaTokenizer.load(MODEL);
  // Tokens per pass over the examples, then enough passes (one encode of the long document, not one per text).
  const pass = `${texts.join('\n')}\n`;
  const doc = pass.repeat(Math.ceil(n / tok.encode(pass).length) + 1);
  const spans = tok.encode(doc);
  return doc.slice(0, spans[Math.min(n, spans.length) - 1]!.end);
}

const mib = () => (process.resourceUsage().maxRSS / 1024).toFixed(0);

export async function run(): Promise<BenchRow[]> {
  const work = mkdtempSync(join(tmpdir(), 'ps-bench-scores-'));
  try {
    const probe = await trainProbeRun({
      modelDir: MODEL,
      dataPath: join(ROOT, 'examples/span-sentiment.jsonl'),
      layer: 2,
      probe: 'attention',
      heads: 4,
      steps: 20,
      seed: 1,
      maxLength: 512,
      executionProvider: 'cpu',
      cacheDir: join(work, 'cache'),
      outDir: join(work, 'probe'),
    });
    const params = { probeDir: probe.outDir, executionProvider: 'cpu' as const };
    const tokenizer = await GemmaTokenizer.load(MODEL);
    // Warm-up (not timed): loads the model and the probe and runs ORT once at the batch shape of long documents.
    await scoreText({ ...params, text: await documentOf(2_500) });
    const rows: BenchRow[] = [];
    for (const n of [10_000, 100_000]) {
      const text = await documentOf(n);
      // 10k: three runs, the median reported (the machine is shared; each run is printed).
      const times: number[] = [];
      const cpus: number[] = [];
      for (let k = 0; k < (n === 10_000 ? 3 : 1); k++) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const r = await scoreText({ ...params, text });
        const s = (performance.now() - t0) / 1000;
        const c = process.cpuUsage(c0);
        // CPU seconds of the process (main thread + ORT's threads): what a loaded machine cannot inflate the way it
        // inflates wall time.
        const cpu = (c.user + c.system) / 1e6;
        times.push(s);
        cpus.push(cpu);
        console.log(
          `tokenScores ${r.tokens.length} tokens: ${s.toFixed(3)} s end to end, CPU ${cpu.toFixed(3)} s (${r.windows.length} windows of ${r.windowTokens}), ${Math.round(r.tokens.length / s).toLocaleString('en-US')} tokens/s, load average ${os.loadavg()[0]!.toFixed(1)}, peak RSS ${mib()} MiB`,
        );
      }
      // Where the time goes (measured apart, same text): tokenization alone.
      const t1 = performance.now();
      tokenizer.encode(text);
      console.log(`tokenScores ${n} tokens: tokenization alone ${((performance.now() - t1) / 1000).toFixed(3)} s`);
      const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
      const cpuMedian = [...cpus].sort((a, b) => a - b)[Math.floor(cpus.length / 2)]!;
      rows.push({
        metric: `score a ${n.toLocaleString('en-US')}-token document (load excluded${times.length > 1 ? `, median of ${times.length}` : ''})`,
        value: `${median.toFixed(2)} s${n === 10_000 ? ' (target < 1.5 s)' : ''}, CPU ${cpuMedian.toFixed(2)} s, peak RSS ${mib()} MiB`,
      });
    }
    return rows;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
