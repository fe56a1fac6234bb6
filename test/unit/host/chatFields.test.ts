import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProbescopeError } from '../../../src/core/errors';
import {
  chatFormatOf,
  chatTextField,
  needsReplyColumn,
  replyColumnChoices,
} from '../../../src/host/commands/chatFields';
import type { DatasetColumnInfo } from '../../../src/protocol/types';

const cols = (...c: [string, DatasetColumnInfo['kind']][]): DatasetColumnInfo[] =>
  c.map(([name, kind]) => ({ name, kind }));

describe('probescope.chatFormat user,model: the two text columns the host sends', () => {
  test('the setting reads user,model; none and unknown values mean no chat formatting', () => {
    assert.equal(chatFormatOf('user,model'), 'user,model');
    assert.equal(chatFormatOf('user'), 'user');
    assert.equal(chatFormatOf('messages'), 'messages');
    assert.equal(chatFormatOf('none'), undefined);
    assert.equal(chatFormatOf('model,user'), undefined);
  });

  test('the reply column is asked for only with user,model and a single text column', () => {
    assert.equal(needsReplyColumn('user,model', undefined), true);
    assert.equal(needsReplyColumn('user,model', 'prompt'), true);
    assert.equal(needsReplyColumn('user,model', 'prompt,response'), false);
    assert.equal(needsReplyColumn('user', 'prompt'), false);
    assert.equal(needsReplyColumn(undefined, undefined), false);
  });

  test('reply choices: other text columns, a usual reply name first, never the user or label column', () => {
    const columns = cols(
      ['id', 'string'],
      ['prompt', 'string'],
      ['label', 'string'],
      ['score', 'number'],
      ['response', 'string'],
    );
    assert.deepEqual(replyColumnChoices(columns, 'prompt', 'label'), ['response', 'id']);
    assert.deepEqual(replyColumnChoices(cols(['text', 'string'], ['label', 'number']), 'text', 'label'), []);
    assert.deepEqual(
      replyColumnChoices(cols(['q', 'string'], ['b', 'string'], ['a', 'string'], ['y', 'number']), 'q', 'y'),
      ['b', 'a'],
      'no usual name: dataset order',
    );
  });

  test('textField for the worker: "prompt,response" for user,model; unchanged otherwise', () => {
    assert.equal(chatTextField('user,model', 'prompt', 'response'), 'prompt,response');
    assert.equal(chatTextField('user,model', 'prompt,response'), 'prompt,response');
    assert.equal(chatTextField('user', 'prompt', 'response'), 'prompt');
    assert.equal(chatTextField(undefined, undefined), undefined);
    assert.throws(
      () => chatTextField('user,model', 'prompt', 'prompt'),
      (e: unknown) =>
        e instanceof ProbescopeError && /reply column other than the user turn's "prompt"/.test(e.message),
    );
    assert.throws(() => chatTextField('user,model', 'prompt'), ProbescopeError);
  });
});
