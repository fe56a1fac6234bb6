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
 * A small Hub dataset as the fake Hub serves it: README.md with a card on main, and the Hub's Parquet conversion on
 * refs/convert/parquet ({config}/{split}/0000.parquet, written with hyparquet-writer), two configs with two splits each.
 */
export async function makeFakeDataset(root: string, id: string, license = 'cc-by-4.0'): Promise<FakeDataset> {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const main = await mkdtemp(join(root, 'ds-main-'));
  await writeFile(join(main, 'README.md'), `---\nlicense: ${license}\n---\n# ${id}\n`);
  const parquet = await mkdtemp(join(root, 'ds-parquet-'));
  for (const [config, splits] of Object.entries(SPLITS)) {
    for (const [split, rows] of Object.entries(splits)) {
      await mkdir(join(parquet, config, split), { recursive: true });
      const buf = parquetWriteBuffer({
        columnData: [
          { name: 'text', data: rows.text, type: 'STRING' },
          { name: 'label', data: rows.label, type: 'INT32' },
        ],
      });
      await writeFile(join(parquet, config, split, '0000.parquet'), Buffer.from(buf));
    }
  }
  return { id, revisions: { main, 'refs/convert/parquet': parquet }, cardData: { license } };
}
