import * as path from 'node:path';
import {
  datasetFromTable,
  loadTable,
  readDataset,
  type Dataset,
  type DatasetReadOptions,
  type RawTable,
  type ReadDatasetOptions,
} from '../data';
import { cellText } from '../data/cellValues';
import { givenField } from '../data/fieldDetection';
import { readDatasetConfig } from '../data/readDataset';
import { columnNames, datasetBytes, type RowBatch } from '../data/records';
import { scanTrainingRows, trainingRowsOf, type TrainingRows } from '../data/trainingRows';
import { batchTextSource, extractionTextsConfig, type ExtractionTexts } from '../data/extractionTexts';
import { arraySource } from '../data/textSource';
import { ProbescopeError } from '../errors';
import { formatChat } from './chatFormat';
import { type ChatSpec, messagesOf, parseChatSpec } from './chatSpec';
import { ChatTemplate, type ChatMessage } from './chatTemplate';

/**
 * readDataset, and with `chat` (see ChatSpec) each row's text is the conversation rendered by the model's chat
 * template (from `modelDir`), which is what extraction then tokenizes (less the template's <bos>: the tokenizer adds
 * its own, so there is one). Without `chat` it is readDataset unchanged. Either way the dataset rules
 * (datasetFromTable: skipped rows, label normalisation, duplicates, warnings) apply to the rendered texts.
 * With a role list, `textField` names one column per role, comma-separated (`prompt,response`); the Dataset's
 * textField keeps that list so a saved probe can be evaluated the same way.
 */
export async function readDatasetForModel(
  file: string,
  opts: ReadDatasetOptions & { chat?: string },
  modelDir: string | undefined,
): Promise<Dataset & { chat?: string }> {
  const { chat, ...readOpts } = opts;
  if (chat === undefined || chat === '') return readDataset(file, readOpts);
  const spec = parseChatSpec(chat);
  if (modelDir === undefined)
    throw new ProbescopeError('BAD_ARGUMENT', '--chat needs the model folder (--model) whose chat template to use.');
  const template = await ChatTemplate.load(modelDir);
  const table = await loadTable(file, readOpts);
  const names = table.columns.map((c) => c.name);
  const name = path.basename(table.path);
  const fields = textFields(spec, opts.textField, names, name);
  const rendered = renderRows(table, spec, fields, template, name);
  // The rendered conversation is one more column, so every dataset rule applies to it as to a plain text column.
  const withChat: RawTable = {
    path: table.path,
    format: table.format,
    rowCount: table.rowCount,
    notes: table.notes,
    columns: [...table.columns, { name: CHAT_COLUMN, kind: 'string' }],
    column: (n) => (n === CHAT_COLUMN ? rendered : table.column(n)),
    get rows() {
      return table.rows;
    },
    where: (i) => table.where(i),
  };
  const ds = datasetFromTable(withChat, { ...readOpts, textField: CHAT_COLUMN });
  return { ...ds, textField: fields.join(','), columns: table.columns, chat };
}

/**
 * What a training run reads of a dataset (TrainingRows: labels, text keys, split values, texts as a TextSource), with
 * the rules and options of readDatasetForModel. A file up to readDatasetConfig.memoMaxBytes is read into memory
 * (readDatasetForModel); a larger one is streamed (scanTrainingRows) and its texts — with `chat`, the conversations
 * rendered batch by batch — are read again from the file when extraction needs them, so memory does not grow with the
 * file's bytes. Both give the same labels, groups, splits and texts.
 */
export async function readTrainingRows(
  file: string,
  opts: ReadDatasetOptions & { chat?: string },
  modelDir: string | undefined,
): Promise<TrainingRows & { ds: { chat?: string } }> {
  const { chat, ...readOpts } = opts;
  if ((await datasetBytes(file)) <= readDatasetConfig.memoMaxBytes)
    return trainingRowsOf(await readDatasetForModel(file, opts, modelDir));
  if (chat === undefined || chat === '') return scanTrainingRows(file, readOpts);
  const spec = parseChatSpec(chat);
  if (modelDir === undefined)
    throw new ProbescopeError('BAD_ARGUMENT', '--chat needs the model folder (--model) whose chat template to use.');
  const template = await ChatTemplate.load(modelDir);
  const names = await columnNames(file, readOpts);
  const name = path.basename(file);
  const fields = textFields(spec, opts.textField, names, name);
  const withChat = (b: RowBatch): RowBatch => {
    const rendered = renderRows(b, spec, fields, template, name, b.start);
    return Object.assign(Object.create(b) as RowBatch, {
      columns: [...b.columns, { name: CHAT_COLUMN, kind: 'string' as const }],
      column: (n: string) => (n === CHAT_COLUMN ? rendered : b.column(n)),
    });
  };
  const rows = await scanTrainingRows(file, { ...readOpts, textField: CHAT_COLUMN, transformBatch: withChat });
  const columns = rows.ds.columns.filter((c) => c.name !== CHAT_COLUMN);
  return { ...rows, ds: { ...rows.ds, textField: fields.join(','), columns, chat } };
}

/** The name of the rendered-conversation column (not a name a dataset can have). */
const CHAT_COLUMN = '\u0000chat';

/**
 * Texts of a dataset without labels (for extraction), formatted by the model's chat template as readDatasetForModel
 * does (rows with an empty turn skipped). `textField` as there (comma-separated with a role list). A file up to
 * readDatasetConfig.memoMaxBytes is read into memory; a larger one is streamed (batchTextSource: the conversations
 * are rendered batch by batch whenever extraction scans them; the columns are those of the first batch, as
 * readTrainingRows' streamed read takes them). `warnings`: the reader's notes.
 */
export async function readChatTexts(
  file: string,
  opts: { textField?: string; chat: string } & DatasetReadOptions,
  modelDir: string,
): Promise<ExtractionTexts> {
  const { textField, chat, ...readOpts } = opts;
  const spec = parseChatSpec(chat);
  const template = await ChatTemplate.load(modelDir);
  const name = path.basename(file);
  const kept = (rendered: (string | undefined)[]) => rendered.filter((t): t is string => t !== undefined);
  if ((await datasetBytes(file)) <= readDatasetConfig.memoMaxBytes) {
    const table = await loadTable(file, readOpts);
    const fields = textFields(
      spec,
      textField,
      table.columns.map((c) => c.name),
      path.basename(table.path),
    );
    const texts = kept(renderRows(table, spec, fields, template, path.basename(table.path)));
    return { texts: arraySource(texts), warnings: table.notes.map((n) => n.message) };
  }
  const names = await columnNames(file, readOpts);
  const fields = textFields(spec, textField, names, name);
  const { texts, table } = await batchTextSource(file, readOpts, extractionTextsConfig.batchRows, (b) =>
    kept(renderRows(b, spec, fields, template, name, b.start)),
  );
  return { texts, warnings: table.notes.map((n) => n.message) };
}

function renderRows(
  table: Pick<RawTable, 'rowCount' | 'column'>,
  spec: ChatSpec,
  fields: string[],
  template: ChatTemplate,
  name: string,
  first = 0,
): (string | undefined)[] {
  // Read by column, so a dotted field (`data.prompt`, columnTable.nestedColumn) reads inside an object column.
  const columns = fields.map((f) => table.column(f));
  return Array.from({ length: table.rowCount }, (_, i) => {
    const where = `${name} row ${first + i + 1}`;
    let messages: ChatMessage[] | undefined;
    if (spec.kind === 'messages') {
      messages = messagesOf(columns[0][i]);
      if (!messages) {
        throw new ProbescopeError(
          'DATASET_INVALID',
          `${where}: "${fields[0]}" is not a list of {role, content} messages (--chat messages).`,
        );
      }
    } else {
      const turns = spec.roles.map((role, k) => ({ role, content: cellText(columns[k][i]) }));
      // A turn without text: the row is skipped with the dataset rules' empty-text warning.
      if (turns.some((m) => m.content === undefined || m.content.trim() === '')) return undefined;
      messages = turns.map((m) => ({ role: m.role, content: m.content! }));
    }
    return template.modelInput(formatChat(template, messages).text);
  });
}

function textFields(spec: ChatSpec, given: string | undefined, names: string[], file: string): string[] {
  const want = spec.kind === 'messages' ? 1 : spec.roles.length;
  let fields = given?.split(',').map((f) => f.trim());
  if (!fields) {
    const guess =
      spec.kind === 'messages'
        ? ['messages', 'conversation', 'conversations', 'chat'].find((n) => names.includes(n))
        : want === 1
          ? ['text', 'prompt', 'question', 'input', 'instruction'].find((n) => names.includes(n))
          : undefined;
    if (!guess) {
      throw new ProbescopeError(
        'DATASET_INVALID',
        `${file}: name the column${want > 1 ? 's' : ''} for --chat with --text-field ${want > 1 ? 'NAME1,NAME2 (one per role)' : 'NAME'} (columns: ${names.join(', ')}).`,
      );
    }
    fields = [guess];
  }
  if (fields.length !== want) {
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      `--chat ${spec.kind === 'messages' ? 'messages' : spec.roles.join(',')} needs ${want} text field${want > 1 ? 's' : ''} (--text-field ${fields.join(',')} gives ${fields.length}).`,
    );
  }
  // Named as --text-field is without --chat (fieldDetection.givenField: `data.prompt`, a header with spaces).
  return fields.map((f) => {
    const field = givenField(names, f);
    if (field === undefined)
      throw new ProbescopeError('DATASET_INVALID', `${file}: no text field "${f}". Columns: ${names.join(', ')}.`);
    return field;
  });
}
