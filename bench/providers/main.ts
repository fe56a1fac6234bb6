/**
 * Command line of the execution-provider bench (also the entry of the device bundle, scripts/device-check.sh):
 *   providers [--ep webgpu,cuda] [--quick] [--json FILE] [--root REPO]
 * The CPU EP is always measured, as the baseline. Progress goes to stderr; a table and then one JSON line
 * ({"json": FILE|null, "verdicts": […]}) go to stdout. Exit 2 on bad arguments, 1 if the bench itself broke; a GPU
 * provider that is unavailable is a result (reported with its reason), not an error.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isFailure, type BenchProvider, type BenchReport } from './report';
import { runProviderBench } from './run';

const PROVIDERS: BenchProvider[] = ['cpu', 'webgpu', 'cuda'];

export interface ProviderArgs {
  providers: BenchProvider[];
  quick: boolean;
  json?: string;
  root: string;
}

/** Parses the bench's flags; throws an Error with a one-line message on bad input. */
export function parseProviderArgs(argv: string[]): ProviderArgs {
  const out: ProviderArgs = { providers: [], quick: false, root: findRoot(__dirname) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--ep') {
      for (const p of value().split(',')) {
        if (!PROVIDERS.includes(p as BenchProvider))
          throw new Error(`unknown execution provider '${p}'; use ${PROVIDERS.join(', ')}`);
        out.providers.push(p as BenchProvider);
      }
    } else if (a === '--quick') out.quick = true;
    else if (a === '--json') out.json = resolve(value());
    else if (a === '--root') out.root = resolve(value());
    else throw new Error(`unknown argument '${a}' (use --ep LIST, --quick, --json FILE, --root DIR)`);
  }
  if (!existsSync(join(out.root, 'test', 'fixtures', 'tiny-gemma2')))
    throw new Error(`no test/fixtures/tiny-gemma2 under ${out.root}: pass --root <repository root>`);
  return out;
}

/** The repository root: the first folder at or above `from` that holds test/fixtures/tiny-gemma2. */
function findRoot(from: string): string {
  let d = from;
  for (;;) {
    if (existsSync(join(d, 'test', 'fixtures', 'tiny-gemma2'))) return d;
    const up = dirname(d);
    if (up === d) return from;
    d = up;
  }
}

/** Human-readable rows of a report: one per measurement and provider. */
export function reportTable(r: BenchReport): string {
  const rows: string[] = [];
  for (const p of Object.values(r.providers)) {
    if (!p.available) {
      rows.push(`${p.label.padEnd(9)} unavailable: ${p.reason}`);
      continue;
    }
    for (const [k, e] of Object.entries(p.extraction))
      rows.push(
        `${p.label.padEnd(9)} extraction ${k.padEnd(18)} ` +
          (isFailure(e)
            ? `FAILED ${e.error}`
            : `${Math.round(e.tokensPerS).toLocaleString('en-US').padStart(9)} tokens/s` + diff(e.vsCpu)),
      );
    for (const [k, s] of Object.entries(p.probeStep))
      rows.push(
        `${p.label.padEnd(9)} probe step ${k.padEnd(18)} ` +
          (isFailure(s)
            ? `FAILED ${s.error}`
            : `${s.msPerStep.toFixed(1).padStart(9)} ms/step (H=${s.H}, ran on ${s.ranOn})` + diff(s.vsCpu)),
      );
  }
  return [...rows, ...r.verdicts.map((v) => `=> ${v}`)].join('\n');
}

function diff(c?: { maxAbsDiff: number; withinTolerance: boolean }): string {
  return c ? `, max abs diff vs CPU ${c.maxAbsDiff.toExponential(2)}${c.withinTolerance ? '' : ' (OFF)'}` : '';
}

export async function providersMain(argv: string[]): Promise<number> {
  let args: ProviderArgs;
  try {
    args = parseProviderArgs(argv);
  } catch (e) {
    console.error(`bench providers: ${(e as Error).message}`);
    return 2;
  }
  const report = await runProviderBench({
    providers: args.providers,
    mode: args.quick ? 'quick' : 'full',
    root: args.root,
    jsonPath: args.json,
  });
  console.log(`Execution providers (${report.mode} shapes, ${report.finishedAt})\n${reportTable(report)}`);
  console.log(JSON.stringify({ json: args.json ?? null, verdicts: report.verdicts }));
  return 0;
}

if (require.main === module)
  providersMain(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
