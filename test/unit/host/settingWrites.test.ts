import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planSettingWrites } from '../../../src/host/settingWrites';

const trusted = { workspaceCounts: true, hasFolder: true };

test('selecting the bundled model (default values) in a fresh workspace writes nothing', () => {
  assert.deepEqual(planSettingWrites({ defaultValue: '' }, '', trusted), []);
  assert.deepEqual(planSettingWrites({ defaultValue: 3 }, 3, trusted), []);
});

test('a non-default value goes to the workspace when a folder is open and no user value exists', () => {
  assert.deepEqual(planSettingWrites({ defaultValue: '' }, '/models/gemma', trusted), [
    { target: 'workspace', value: '/models/gemma' },
  ]);
  assert.deepEqual(planSettingWrites({ defaultValue: 3 }, 5, { workspaceCounts: true, hasFolder: false }), [
    { target: 'global', value: 5 },
  ]);
  assert.deepEqual(planSettingWrites({ defaultValue: 3, globalValue: 4 }, 5, trusted), [
    { target: 'global', value: 5 },
  ]);
});

test('going back to the default removes the value that was set instead of writing the default', () => {
  assert.deepEqual(planSettingWrites({ defaultValue: '', workspaceValue: '/m' }, '', trusted), [
    { target: 'workspace', value: undefined },
  ]);
  assert.deepEqual(planSettingWrites({ defaultValue: '', globalValue: '/m' }, '', trusted), [
    { target: 'global', value: undefined },
  ]);
});

test('the default is pinned in the workspace when removing it there would let a non-default user value through', () => {
  assert.deepEqual(planSettingWrites({ defaultValue: '', workspaceValue: '/a', globalValue: '/b' }, '', trusted), [
    { target: 'workspace', value: '' },
  ]);
});

test('in Restricted Mode a restricted setting is written to the user settings, never the workspace', () => {
  const restricted = { workspaceCounts: false, hasFolder: true };
  assert.deepEqual(planSettingWrites({ defaultValue: '', workspaceValue: '/ws' }, '/m', restricted), [
    { target: 'global', value: '/m' },
  ]);
  assert.deepEqual(planSettingWrites({ defaultValue: '', workspaceValue: '/ws' }, '', restricted), []);
});
