/**
 * Child process for the kill-point tests: saves a probe with `force` into argv[2] (heads = argv[3]); the test sets
 * PROBESCOPE_TEST_KILL_AT so the process SIGKILLs itself in the middle of the save.
 */
import { saveProbe } from '../../../../../src/core/probes/probeFile';
import { probeManifest, probeParams } from './probeFixture';

const [dir, heads] = process.argv.slice(2);
const H = Number(heads);
void saveProbe(dir!, probeParams(H, 2), probeManifest(`new-${H}`, H), { force: true }).then(() =>
  process.stdout.write('saved\n'),
);
