/**
 * Issue #8 item 4: a download records the Hub's sha256 per file in .probescope-source.json, the model hash uses it,
 * and a downloaded folder and a copied one with the same (small) data files get the same hash.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { downloadModel } from '../../../../src/core/model/hubDownload';
import { resolveModelFolder } from '../../../../src/core/model/modelFolder';
import { hubFileHashes } from '../../../../src/core/model/modelHash';
import { startFakeHub } from './helpers/fakeHub';

const FIXTURE = join(__dirname, '../../../fixtures/gemma2-external-data');
const REPO = 'probescope-test/gemma2-external-data';

test('the download records each LFS file sha256 and the model hash agrees with a local copy', async () => {
  const hub = await startFakeHub({ repoId: REPO, dir: FIXTURE });
  const cacheDir = await mkdtemp(join(tmpdir(), 'ps-hubsha-'));
  try {
    const { modelDir } = await downloadModel({ repoId: REPO, cacheDir, endpoint: hub.endpoint }, {});
    const hashes = await hubFileHashes(modelDir);
    const data = 'onnx/model.onnx_data';
    const real = createHash('sha256')
      .update(await readFile(join(FIXTURE, data)))
      .digest('hex');
    assert.equal(hashes.get(data), real);
    assert.equal((await resolveModelFolder(modelDir)).hash, (await resolveModelFolder(FIXTURE)).hash);
  } finally {
    await hub.close();
    await rm(cacheDir, { recursive: true, force: true });
  }
});
