import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FakeDataset } from '../model/helpers/fakeHub';

/** Rows of each config/split of the generated dataset: texts say which split they come from. */
export const SPLITS: Record<string, Record<string, { text: string[]; label: number[] }>> = {
  default: {
    train: {
      text: [
        'good movie',
        'bad movie',
        'great film',
        'awful film',
        'lovely story',
        'dull story',
        'fun plot',
        'weak plot',
      ],
      label: [1, 0, 1, 0, 1, 0, 1, 0],
    },
    test: { text: ['fine movie', 'poor movie'], label: [1, 0] },
  },
  hard: {
    train: { text: ['not bad at all', 'not good at all', 'could be worse'], label: [1, 0, 1] },
    validation: { text: ['hardly a masterpiece', 'no complaints'], label: [0, 1] },
  },
};

/**
 * How the conversion names the files: `current` ({config}/{split}/0000.parquet …) or `older`
 * ({config}/{name}-{split}.parquet, sharded {config}/{name}-{split}-00000-of-00002.parquet …). `trainShards`: the
 * number of shards default/train is cut into (its rows in order: shard 0 first).
 */
export interface FakeDatasetLayout {
  naming?: 'current' | 'older';
  trainShards?: number;
}

/** The dataset name in the older naming (with a hyphen, as many names have). */
export const OLDER_NAME = 'movie-reviews';

/**
 * A small Hub dataset as the fake Hub serves it: README.md with a card on main, and the Hub's Parquet conversion on
 * refs/convert/parquet (written with hyparquet-writer), two configs with two splits each; by default one file per
 * split in the current naming.
 */
export async function makeFakeDataset(
  root: string,
  id: string,
  license = 'cc-by-4.0',
  layout: FakeDatasetLayout = {},
): Promise<FakeDataset> {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const main = await mkdtemp(join(root, 'ds-main-'));
  await writeFile(join(main, 'README.md'), `---\nlicense: ${license}\n---\n# ${id}\n`);
  const parquet = await mkdtemp(join(root, 'ds-parquet-'));
  for (const [config, splits] of Object.entries(SPLITS)) {
    for (const [split, rows] of Object.entries(splits)) {
      const n = config === 'default' && split === 'train' ? (layout.trainShards ?? 1) : 1;
      const per = Math.ceil(rows.text.length / n);
      for (let k = 0; k < n; k++) {
        const buf = parquetWriteBuffer({
          columnData: [
            { name: 'text', data: rows.text.slice(k * per, (k + 1) * per), type: 'STRING' },
            { name: 'label', data: rows.label.slice(k * per, (k + 1) * per), type: 'INT32' },
          ],
        });
        const rel =
          layout.naming === 'older'
            ? join(config, `${OLDER_NAME}-${split}${n > 1 ? `-${pad(k, 5)}-of-${pad(n, 5)}` : ''}.parquet`)
            : join(config, split, `${pad(k, 4)}.parquet`);
        await mkdir(join(parquet, rel, '..'), { recursive: true });
        await writeFile(join(parquet, rel), Buffer.from(buf));
      }
    }
  }
  return { id, revisions: { main, 'refs/convert/parquet': parquet }, cardData: { license } };
}

const pad = (k: number, width: number): string => String(k).padStart(width, '0');
