import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(import.meta.dirname, '..', '..', '..');
const read = (f: string) => readFileSync(join(root, f), 'utf8');

/** The apt packages named in a shell array `name=(a b c)`. */
function shellArray(text: string, name: string): string[] {
  const m = new RegExp(`${name}=\\(([^)]*)\\)`).exec(text);
  assert.ok(m, `${name}=(…) not found`);
  return m[1].split(/\s+/).filter(Boolean);
}

test("the README's install line names every system package setup:host checks for and .ci/run installs", () => {
  const readme = read('README.md');
  const line = readme.split('\n').find((l) => /apt-get install/.test(l));
  assert.ok(line, 'the README has an apt-get install line');
  const named = new Set(line.split(/\s+/));
  // setup-code-server.sh reports missing packages as `missing+=(pkg)` and always asks for pkg-config.
  const setup = read('scripts/setup-code-server.sh');
  const checked = [...setup.matchAll(/missing\+=\(([\w.-]+)\)/g)].map((m) => m[1]).concat('pkg-config');
  assert.ok(checked.length >= 6, `only ${checked.length} packages found in the setup script`);
  for (const pkg of [...checked, ...shellArray(read('.ci/run'), 'apt_packages')]) {
    assert.ok(named.has(pkg), `README's apt-get line lacks ${pkg}`);
  }
});
