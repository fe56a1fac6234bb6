/**
 * The text field a host training flow sends with the setting `probescope.chatFormat` (TrainProbeParams.chat): for
 * `user,model` the worker needs two text columns, the user turn's and the model reply's, as `textField:
 * "prompt,response"` (the CLI's `--chat user,model --text-field prompt,response`). No vscode here: the pick itself is
 * in chatColumnPick.ts.
 */
import { ProbescopeError } from '../../core/errors';
import type { DatasetColumnInfo } from '../../protocol/types';

export type ChatFormat = 'user' | 'user,model' | 'messages';

/** The setting's value as a ChatFormat; 'none' and anything unknown → undefined (texts as they are). */
export function chatFormatOf(v: unknown): ChatFormat | undefined {
  return v === 'user' || v === 'messages' || v === 'user,model' ? v : undefined;
}

/** true when the flow must ask for the reply column: `user,model` and no two columns given yet. */
export function needsReplyColumn(chat: ChatFormat | undefined, textField: string | undefined): boolean {
  return chat === 'user,model' && !(textField ?? '').includes(',');
}

/** Column names that usually hold the model's reply, best first (lower case). */
const REPLY_NAMES = ['response', 'completion', 'answer', 'output', 'model', 'assistant', 'chosen', 'reply', 'target'];

/**
 * The columns the reply can come from, best guess first: text columns other than the user turn's and the label's
 * (a column whose name is a usual reply name leads, in REPLY_NAMES order; the rest keep the dataset's order).
 */
export function replyColumnChoices(columns: DatasetColumnInfo[], userField: string, labelField: string): string[] {
  const names = columns.filter((c) => c.kind === 'string' && c.name !== userField && c.name !== labelField);
  const rank = (n: string): number => {
    const i = REPLY_NAMES.indexOf(n.toLowerCase());
    return i < 0 ? REPLY_NAMES.length : i;
  };
  return names
    .map((c, i) => ({ name: c.name, i }))
    .sort((a, b) => rank(a.name) - rank(b.name) || a.i - b.i)
    .map((c) => c.name);
}

/** `textField` for the worker: `user,reply` for `user,model` (the two must differ), else the field unchanged. */
export function chatTextField(
  chat: ChatFormat | undefined,
  userField: string | undefined,
  replyField?: string,
): string | undefined {
  if (chat !== 'user,model' || userField === undefined || userField.includes(',')) return userField;
  if (replyField === undefined || replyField === userField)
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      `chatFormat user,model needs a reply column other than the user turn's "${userField}".`,
    );
  return `${userField},${replyField}`;
}
