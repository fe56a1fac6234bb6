import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ProbescopeError } from '../errors';

const BUNDLED = join('models', 'tiny-gemma2');

/**
 * <package root>/models/tiny-gemma2, found by walking up from this file: from src/core/model under tsx, and from
 * dist/ in the bundled extension/CLI, where models/ sits beside dist/.
 */
export function bundledModelDir(): string {
  // The CJS bundles and tsx (package.json has no "type": "module") both define __dirname.
  let dir = typeof __dirname === 'string' ? __dirname : process.cwd();
  for (;;) {
    const candidate = join(dir, BUNDLED);
    if (existsSync(join(candidate, 'config.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new ProbescopeError(
    'MODEL_NOT_FOUND',
    `The bundled model (${BUNDLED}) is missing from this installation; reinstall Probescope.`,
  );
}
