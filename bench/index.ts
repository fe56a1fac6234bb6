/** `npm run bench`: runs every bench/*.bench.ts (each exports `run()`) in one process, in name order. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

async function main(): Promise<void> {
  const only = process.argv[2];
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.ts') && (!only || f.startsWith(only)))
    .sort();
  for (const f of files) {
    const mod = (await import(join(__dirname, f))) as { run?: () => Promise<void> };
    if (typeof mod.run !== 'function') throw new Error(`${f} does not export run()`);
    const t0 = performance.now();
    await mod.run();
    console.log(`(${f}: ${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
