/**
 * Builds the platform VSIX the real-host tests install (`npm run package`), once per change of its inputs, and lists
 * what is inside it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const repoRoot = join(import.meta.dirname, '..', '..', '..');
export const vsixPath = join(repoRoot, 'dist', 'probescope-linux-x64.vsix');

/** Files whose change makes the VSIX stale (the build writes dist/*.js; vsce reads the manifest and ignore file). */
const inputs = ['dist/extension.js', 'dist/worker.js', 'package.json', '.vscodeignore'];

function newestInput(): number {
  return Math.max(
    ...inputs
      .map((f) => join(repoRoot, f))
      .filter(existsSync)
      .map((f) => statSync(f).mtimeMs),
  );
}

/**
 * Returns the path of an up-to-date VSIX. PROBESCOPE_VSIX names a prebuilt one (CI may package once for all files);
 * otherwise `npm run package` runs when the VSIX is missing or older than the bundles it holds.
 */
export function ensureVsix(): string {
  const given = process.env.PROBESCOPE_VSIX;
  if (given) return given;
  const bundles = existsSync(join(repoRoot, 'dist', 'extension.js'));
  if (bundles && existsSync(vsixPath) && statSync(vsixPath).mtimeMs >= newestInput()) return vsixPath;
  execFileSync('npm', ['run', 'package', '--silent'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  return vsixPath;
}

/** Entry names inside a VSIX (a zip), read with `unzip -Z1` (Info-ZIP, present on Debian and CI images). */
export function listVsix(path: string): string[] {
  return execFileSync('unzip', ['-Z1', path], { encoding: 'utf8' }).split('\n').filter(Boolean);
}
