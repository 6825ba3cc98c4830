/**
 * string2d's fast path for plain decimals (digits, optional fraction, optional minus) must
 * give exactly what a correctly rounding strtod gives: checked against Number().
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { string2d } from '../../src/util/strtod.js';
import { prng } from '../helpers/prng.js';

test('plain decimal scores parse to the correctly rounded double, signs of zero included', () => {
  const rnd = prng(11);
  const digits = (n: number) => Array.from({ length: n }, () => String(rnd(10))).join('');
  for (let k = 0; k < 200000; k++) {
    const intLen = 1 + rnd(18);
    const fracLen = rnd(3) === 0 ? 0 : 1 + rnd(18);
    const s = (rnd(2) === 0 ? '-' : '') + digits(intLen) + (fracLen > 0 ? '.' + digits(fracLen) : '');
    if (s.length > 24) continue;
    assert.ok(Object.is(string2d(s), Number(s)), s);
  }
  for (const s of [
    '0',
    '-0',
    '0.0',
    '-0.000',
    '000000012345',
    '999999999999999',
    '9999999999999999',
    '0.1',
    '-0.3',
    '123456789012345.6',
    '1.000000000000001',
    '9007199254740993',
  ]) {
    assert.ok(Object.is(string2d(s), Number(s)), s);
  }
  for (const s of ['', '-', '.5', '5.', '1e5', ' 1', '1 ', '+1', '--1', '1.2.3']) {
    const v = string2d(s);
    if (v !== null) assert.ok(Object.is(v, Number(s)), s);
  }
  // Forms the fast path leaves to the full strtod still parse as strtod does.
  assert.equal(string2d('5.'), 5);
  assert.equal(string2d('.5'), 0.5);
  assert.equal(string2d('1e5'), 100000);
  assert.equal(string2d(' 1'), null);
});
