import { test } from 'node:test';
import assert from 'node:assert/strict';
import { giveSpare, spareBytes, takeSpare, trimSpares, SPARE_MIN } from '../../src/util/spare-buffers.js';

test('spare buffers are reused only within the asked size range and only whole', () => {
  while (takeSpare(0, Infinity) !== null);
  const a = Buffer.allocUnsafe(SPARE_MIN * 2);
  giveSpare(a);
  giveSpare(Buffer.allocUnsafe(SPARE_MIN - 1)); // too small to keep
  giveSpare(Buffer.allocUnsafe(SPARE_MIN * 4).subarray(0, SPARE_MIN * 2)); // a view: not kept
  assert.equal(spareBytes(), SPARE_MIN * 2);
  assert.equal(takeSpare(SPARE_MIN * 3, SPARE_MIN * 6), null, 'too small for the request');
  assert.equal(takeSpare(SPARE_MIN, SPARE_MIN), null, 'too big for the request');
  assert.equal(takeSpare(SPARE_MIN, SPARE_MIN * 2), a);
  assert.equal(takeSpare(SPARE_MIN, SPARE_MIN * 2), null, 'taken once');
  for (let i = 0; i < 600; i++) giveSpare(Buffer.allocUnsafe(SPARE_MIN));
  assert.equal(spareBytes(), 64 * 1024 * 1024, 'at most 64 MB are kept');
  giveSpare(Buffer.allocUnsafe(5 * 1024 * 1024));
  assert.equal(takeSpare(5 * 1024 * 1024, Infinity), null, 'none above 4 MB');
  // A trim after takes keeps them; a trim after none lets them all go.
  trimSpares();
  assert.equal(spareBytes(), 64 * 1024 * 1024);
  trimSpares();
  assert.equal(spareBytes(), 0);
});
