import * as path from 'node:path';
import { type Dataset, detectFields, labelToString, loadTable, readDataset } from '../data';
import { textOf } from '../data/readDataset';
import { ProbescopeError } from '../errors';
import { formatChat } from './chatFormat';
import { type ChatSpec, messagesOf, parseChatSpec } from './chatSpec';
import { ChatTemplate } from './chatTemplate';

/**
 * readDataset, and with `chat` (see ChatSpec) each row's text is the conversation rendered by the model's chat
 * template (from `modelDir`), which is what extraction then tokenizes (less the template's <bos>: the tokenizer adds
 * its own, so there is one). Without `chat` it is readDataset unchanged.
 * With a role list, `textField` names one column per role, comma-separated (`prompt,response`); the Dataset's
 * textField keeps that list so a saved probe can be evaluated the same way.
 */
export async function readDatasetForModel(
  file: string,
  opts: { textField?: string; labelField?: string; chat?: string },
  modelDir: string,
): Promise<Dataset & { chat?: string }> {
  if (opts.chat === undefined || opts.chat === '') {
    return readDataset(file, { textField: opts.textField, labelField: opts.labelField });
  }
  const spec = parseChatSpec(opts.chat);
  const template = await ChatTemplate.load(modelDir);
  const table = await loadTable(file);
  const names = table.columns.map((c) => c.name);
  const name = path.basename(table.path);
  const fields = textFields(spec, opts.textField, names, name);
  const { labelField } = detectFields(table, { textField: fields[0], labelField: opts.labelField });
  const rendered = renderRows(table.rows, spec, fields, template, name);
  const texts: string[] = [];
  const labels: string[] = [];
  table.rows.forEach((row, i) => {
    const label = labelToString(row[labelField]);
    if (label === undefined) {
      throw new ProbescopeError(
        'DATASET_INVALID',
        `${name} row ${i + 1}: "${labelField}" is missing or empty; every row needs a label.`,
      );
    }
    texts.push(rendered[i]);
    labels.push(label);
  });
  return {
    path: table.path,
    format: table.format,
    textField: fields.join(','),
    labelField,
    texts,
    labels,
    columns: table.columns,
    chat: opts.chat,
  };
}

/**
 * Texts of a dataset without labels (for extraction), formatted by the model's chat template as readDatasetForModel
 * does. `textField` as there (comma-separated with a role list).
 */
export async function readChatTexts(
  file: string,
  opts: { textField?: string; chat: string },
  modelDir: string,
): Promise<string[]> {
  const spec = parseChatSpec(opts.chat);
  const template = await ChatTemplate.load(modelDir);
  const table = await loadTable(file);
  const name = path.basename(table.path);
  const fields = textFields(
    spec,
    opts.textField,
    table.columns.map((c) => c.name),
    name,
  );
  return renderRows(table.rows, spec, fields, template, name);
}

function renderRows(
  rows: Record<string, unknown>[],
  spec: ChatSpec,
  fields: string[],
  template: ChatTemplate,
  name: string,
): string[] {
  return rows.map((row, i) => {
    const where = `${name} row ${i + 1}`;
    let messages;
    if (spec.kind === 'messages') {
      messages = messagesOf(row[fields[0]]);
      if (!messages) {
        throw new ProbescopeError(
          'DATASET_INVALID',
          `${where}: "${fields[0]}" is not a list of {role, content} messages (--chat messages).`,
        );
      }
    } else {
      messages = spec.roles.map((role, k) => {
        const content = textOf(row, fields[k]);
        if (content === undefined)
          throw new ProbescopeError('DATASET_INVALID', `${where}: "${fields[k]}" is missing or not text.`);
        return { role, content };
      });
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
  for (const f of fields)
    if (!names.includes(f))
      throw new ProbescopeError('DATASET_INVALID', `${file}: no text field "${f}". Columns: ${names.join(', ')}.`);
  return fields;
}
