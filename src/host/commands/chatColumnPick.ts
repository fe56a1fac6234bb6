/**
 * With `probescope.chatFormat` = `user,model`: the extra step of Train Probe and Layer Sweep that picks the model
 * reply's column (the user turn is the dataset's text column), so the worker gets `textField: "user,reply"`.
 */
import * as vscode from 'vscode';
import { Requests } from '../../protocol/worker';
import type { HostContext } from '../hostContext';
import { errorMessage } from '../workerErrors';
import { type ChatFormat, chatTextField, needsReplyColumn, replyColumnChoices } from './chatFields';
import { pickOne, type Step } from './quickPicks';

/**
 * The textField to send: unchanged unless `chat` is `user,model` with one column; then the dataset is inspected (the
 * user column is `textField` or the detected text column) and a quick pick offers the other text columns as the
 * reply. undefined when the user cancels or the dataset has no second text column (an error message says so).
 */
export async function chatTextFieldFor(
  ctx: HostContext,
  chat: ChatFormat | undefined,
  dataPath: string,
  fields: { textField?: string; labelField?: string },
  s: Step,
): Promise<{ textField?: string } | undefined> {
  if (!needsReplyColumn(chat, fields.textField)) return { textField: fields.textField };
  let summary;
  try {
    summary = await ctx.worker.request(Requests.inspectDataset, { path: dataPath, ...fields });
  } catch (err) {
    void vscode.window.showErrorMessage(`Probescope: cannot read the dataset's columns: ${errorMessage(err)}`);
    return undefined;
  }
  const choices = replyColumnChoices(summary.columns, summary.textField, summary.labelField);
  if (choices.length === 0) {
    void vscode.window.showErrorMessage(
      `Probescope: chatFormat "user,model" needs two text columns (the user turn and the model's reply); this dataset has only "${summary.textField}". Set probescope.chatFormat to "user" or choose another dataset.`,
    );
    return undefined;
  }
  const reply = await pickOne(
    choices.map((c) => ({ label: c, description: `model reply · user turn: ${summary.textField}`, value: c })),
    0,
    { ...s, placeholder: `The model's reply column (the user turn is "${summary.textField}")` },
  );
  if (reply === undefined) return undefined;
  return { textField: chatTextField(chat, summary.textField, reply) };
}
