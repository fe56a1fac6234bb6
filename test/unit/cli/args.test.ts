/** CLI number flags take decimal spellings only: what Number() would also accept (hex, 1e1 for an integer) is refused. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { intList, layer, num } from '../../../src/cli/commands/args';
import { ProbescopeError } from '../../../src/core/errors';

const refused = (f: () => unknown, flag: string) =>
  assert.throws(
    f,
    (e: unknown) => e instanceof ProbescopeError && e.code === 'BAD_ARGUMENT' && e.message.includes(flag),
  );

test('integer flags: decimal digits only', () => {
  assert.equal(num({ window: '16' }, 'window', { integer: true, min: 2 }), 16);
  assert.equal(num({ window: ' 16 ' }, 'window', { integer: true }), 16);
  for (const v of ['0x10', '1e1', '0b11', '16.0', 'Infinity', '', ' ', '1_000'])
    refused(() => num({ window: v }, 'window', { integer: true }), '--window');
  assert.equal(num({ stride: '-3' }, 'stride', { integer: true }), -3);
  refused(() => num({ stride: '-3' }, 'stride', { integer: true, min: 1 }), '--stride');
});

test('number flags: decimals and exponents, not hex or words', () => {
  assert.equal(num({ lr: '1e-3' }, 'lr'), 0.001);
  assert.equal(num({ lr: '.5' }, 'lr'), 0.5);
  assert.equal(num({ lr: '2.' }, 'lr'), 2);
  for (const v of ['0x1', 'NaN', 'Infinity', '1e', 'e3', '--1']) refused(() => num({ lr: v }, 'lr'), '--lr');
});

test('layer and integer lists take decimal digits only', () => {
  assert.equal(layer({ layer: '3' }), 3);
  assert.equal(layer({ layer: 'final' }), 'final');
  for (const v of ['0x2', '1e0', '2.0', '-1']) refused(() => layer({ layer: v }), '--layer');
  assert.deepEqual(intList({ layers: '0, 2,3' }, 'layers'), [0, 2, 3]);
  for (const v of ['0,0x2', '1e0', '1,,2', '1.5']) refused(() => intList({ layers: v }, 'layers'), '--layers');
});
