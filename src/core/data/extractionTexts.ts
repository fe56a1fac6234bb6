/**
 * The texts of a dataset read for extraction without labels (`probescope activations --data` on a file with no usable
 * label column): every row's text under the dataset rules (empty and whitespace-only texts skipped, with a warning).
 * A file up to readDatasetConfig.memoMaxBytes is read into memory; a larger one is streamed: one counting pass, then
 * the texts are computed again batch by batch (batchTextSource) whenever extraction scans them, so memory holds one
 * batch of rows, not the file. Both give the same texts, warnings and errors.
 */
import { ProbescopeError } from '../errors';
import { cellText, isMissing } from './cellValues';
import type { RawTable } from './columnTable';
import { detectTextField, givenField, LABEL_NAMES, TEXT_NAMES } from './fieldDetection';
import { readDatasetConfig } from './readDataset';
import { columnNames, datasetBytes, loadTable, scanTable, type DatasetReadOptions, type RowBatch } from './records';
import { arraySource, changedWhileRead, type TextSource } from './textSource';

/** Rows per streamed batch (tests lower it so small files span several batches). */
export const extractionTextsConfig = { batchRows: 8192 };

export interface ExtractionTexts {
  texts: TextSource;
  /** Reader notes, then the skipped-rows warning (messages, in the order the in-memory read gives them). */
  warnings: string[];
}

/**
 * The kept texts of `file`'s text column: `textField`, else a column named "text", else the detected text column
 * (detectFields, on the whole file). DATASET_INVALID when the column is missing or holds lists or objects.
 */
export async function readExtractionTexts(
  file: string,
  opts: { textField?: string } & DatasetReadOptions,
): Promise<ExtractionTexts> {
  const { textField, ...readOpts } = opts;
  if ((await datasetBytes(file)) <= readDatasetConfig.memoMaxBytes) {
    const table = await loadTable(file, readOpts);
    const kept = keptTexts(
      file,
      fieldOf(file, table, textField, () => detectTextField(table)),
    );
    const texts = kept.texts(table);
    return { texts: arraySource(texts), warnings: [...table.notes.map((n) => n.message), ...kept.warnings()] };
  }
  const batchRows = extractionTextsConfig.batchRows;
  const names = await columnNames(file, readOpts, batchRows);
  // A "text" column in the first batch is one of the file's; otherwise the whole file's names and facts decide.
  const field =
    textField !== undefined
      ? (givenField(names, textField) ?? textField)
      : names.includes('text')
        ? 'text'
        : await detectedField(file, readOpts);
  const kept = keptTexts(file, field);
  const { texts, table } = await batchTextSource(file, readOpts, batchRows, (b, counting) => kept.texts(b, counting));
  // The column must exist somewhere in the file (JSON rows may add columns late): checked on the whole file's names.
  fieldOf(file, table, field, () => field);
  return { texts, warnings: [...table.notes.map((n) => n.message), ...kept.warnings()] };
}

/**
 * The text field, checked against the table's columns: a given name as fieldDetection.givenField resolves it (a header
 * with spaces around the name, a dotted path into an object column), else "text", else the detected text column.
 */
function fieldOf(file: string, table: RawTable, given: string | undefined, detect: () => string): string {
  const names = table.columns.map((c) => c.name);
  const field = given !== undefined ? givenField(names, given) : names.includes('text') ? 'text' : detect();
  if (field === undefined)
    throw new ProbescopeError('DATASET_INVALID', `${file} has no "${given}" column (columns: ${names.join(', ')}).`);
  return field;
}

/** "text" when the whole file has such a column, else fieldDetection's text column (on candidateFacts). */
async function detectedField(file: string, readOpts: DatasetReadOptions): Promise<string> {
  const facts = await candidateFacts(file, readOpts);
  return facts.columns.some((c) => c.name === 'text') ? 'text' : detectTextField(facts);
}

/** The dataset rule for extraction texts, applied table by table (the whole table, or batch after batch). */
function keptTexts(file: string, field: string) {
  const skipped: string[] = [];
  let nSkipped = 0;
  return {
    texts(table: RawTable, counting = true): string[] {
      const values = table.column(field);
      const texts: string[] = [];
      for (let i = 0; i < table.rowCount; i++) {
        const t = cellText(values[i]);
        if (t === undefined && values[i] !== null && values[i] !== undefined && typeof values[i] === 'object')
          throw new ProbescopeError('DATASET_INVALID', `${file} ${table.where(i)}: "${field}" is not text.`);
        if (t === undefined || t.trim() === '') {
          if (!counting) continue;
          nSkipped++;
          if (skipped.length < 5) skipped.push(table.where(i));
        } else texts.push(t);
      }
      return texts;
    },
    warnings(): string[] {
      if (nSkipped === 0) return [];
      return [
        `Skipped ${nSkipped} row(s) whose "${field}" is empty or whitespace-only: ${skipped.join(', ')}${nSkipped > 5 ? ', …' : ''}.`,
      ];
    },
  };
}

/**
 * A TextSource over `file` whose texts are `textsOf(batch)` for each batch in order: one counting pass now (`counting`
 * true: the place to collect warnings), then every scan reads the file again (`counting` false) and checks that it
 * finds the same number of texts. Returns the file's description (columns, notes) from the counting pass.
 */
export async function batchTextSource(
  file: string,
  readOpts: DatasetReadOptions,
  batchRows: number,
  textsOf: (batch: RowBatch, counting: boolean) => readonly string[],
): Promise<{ texts: TextSource; table: RawTable }> {
  let count = 0;
  const r = await scanTable(file, readOpts, {
    batchRows,
    onBatch: (b) => {
      count += textsOf(b, true).length;
    },
  });
  if (r.stopped) throw new Error('unreachable: a counting scan reads the whole file');
  const n = count;
  const changed = (k: number) => changedWhileRead(file, k, n);
  const texts: TextSource = {
    count: n,
    async scan(onTexts) {
      let k = 0;
      await scanTable(file, readOpts, {
        batchRows,
        onBatch: (b) => {
          const t = textsOf(b, false);
          if (k + t.length > n) throw changed(k + t.length);
          if (t.length > 0) onTexts(t, k);
          k += t.length;
        },
      });
      if (k !== n) throw changed(k);
    },
  };
  return { texts, table: r.table };
}

/**
 * A two-row stand-in for the whole file that detectFields judges as it judges the file: every column's name, and for
 * the columns it may pick (TEXT_NAMES, LABEL_NAMES) two values that are constant exactly when the file's column is
 * (two or more present values, all spelled the same: isConstantColumn). One streamed pass; a few values per column.
 */
async function candidateFacts(file: string, readOpts: DatasetReadOptions): Promise<RawTable> {
  const candidates = new Set([...TEXT_NAMES, ...LABEL_NAMES]);
  const facts = new Map<string, { first?: string; raw?: unknown; other?: unknown; present: number }>();
  const r = await scanTable(file, readOpts, {
    batchRows: extractionTextsConfig.batchRows,
    onBatch: (b) => {
      for (const { name } of b.columns) {
        if (!candidates.has(name.toLowerCase())) continue;
        let f = facts.get(name);
        if (!f) facts.set(name, (f = { present: 0 }));
        if (f.other !== undefined) continue;
        const values = b.column(name);
        for (let i = 0; i < b.rowCount && f.other === undefined; i++) {
          const v = values[i];
          if (isMissing(v)) continue;
          const s = cellText(v) ?? JSON.stringify(v);
          f.present++;
          if (f.first === undefined) [f.first, f.raw] = [s, v];
          else if (s !== f.first) f.other = v;
        }
      }
    },
  });
  if (r.stopped) throw new Error('unreachable: a facts scan reads the whole file');
  const rowCount = Math.min(r.table.rowCount, 2);
  return {
    ...r.table,
    rowCount,
    column: (name) => {
      const f = facts.get(name);
      if (!f || f.first === undefined) return [null, null];
      if (f.other !== undefined) return [f.raw, f.other];
      return f.present >= 2 ? [f.raw, f.raw] : [f.raw, null];
    },
  };
}
