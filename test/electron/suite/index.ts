/**
 * Entry that VS Code's extension host calls with --extensionTestsPath: runs the bundled mocha tests and resolves or
 * rejects with the outcome (the host turns that into the process exit code).
 */
import * as mochaModule from 'mocha';

type MochaCtor = typeof import('mocha');
const Mocha = ((mochaModule as unknown as { Mocha?: MochaCtor }).Mocha ?? mochaModule) as MochaCtor;

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: true, timeout: 120_000 });
  // Tests are bundled into this file: define describe/it first, then load them.
  mocha.suite.emit('pre-require', globalThis, 'probescope-electron', mocha);
  require('./extension.test');
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} test(s) failed`)) : resolve()));
  });
}
