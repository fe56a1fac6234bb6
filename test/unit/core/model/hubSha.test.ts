/**
 * Issue #8 item 4 and #11 item 4: a download records the Hub's sha256 per file in .probescope-source.json, and a
 * downloaded folder and a copied one with the same data files get the same model hash (identity is by content).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { downloadModel } from '../../../../src/core/model/hubDownload';
import { hubSha256, resolveModelFolder } from '../../../../src/core/model/modelFolder';
import { startFakeHub } from './helpers/fakeHub';

const FIXTURE = join(__dirname, '../../../fixtures/gemma2-external-data');
const REPO = 'probescope-test/gemma2-external-data';

test('the download records each LFS file sha256 and the model hash agrees with a local copy', async () => {
  const hub = await startFakeHub({ repoId: REPO, dir: FIXTURE });
  const cacheDir = await mkdtemp(join(tmpdir(), 'ps-hubsha-'));
  try {
    const { modelDir } = await downloadModel({ repoId: REPO, cacheDir, endpoint: hub.endpoint }, {});
    const data = 'onnx/model.onnx_data';
    const real = createHash('sha256')
      .update(await readFile(join(FIXTURE, data)))
      .digest('hex');
    assert.equal(await hubSha256(modelDir, data), real);
    assert.equal((await resolveModelFolder(modelDir)).hash, (await resolveModelFolder(FIXTURE)).hash);
  } finally {
    await hub.close();
    await rm(cacheDir, { recursive: true, force: true });
  }
});
