/** Child process for the cache kill-point test: builds a small cache in argv[2]; the test sets PROBESCOPE_TEST_KILL_AT. */
import { join } from 'node:path';
import { ActivationCache } from '../../../../../src/core/activations/activationCache';
import { resolveModelFolder } from '../../../../../src/core/model/modelFolder';
import { FIXTURES } from '../../model/fixtureRef';
import { TEXTS } from './cacheTexts';

void (async () => {
  const folder = await resolveModelFolder(join(FIXTURES, 'tiny-gemma2'));
  const cache = await ActivationCache.build({
    folder,
    layers: [1, 3],
    texts: TEXTS,
    cacheDir: process.argv[2]!,
    executionProvider: 'cpu',
    batchSize: 4,
    shardBytes: 20_000,
  });
  cache.close();
  process.stdout.write('built\n');
})();
