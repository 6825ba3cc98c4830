/**
 * numbers.ts against outputs recorded from redis-server 7.0.15 (ZADD + ZSCORE for "%.17g"
 * and strtod, INCRBYFLOAT for long double parsing, arithmetic and "%.17Lf" formatting).
 * test/compat/string-numbers.test.ts checks many more random values against a live oracle.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addLongDouble,
  formatDouble,
  formatG,
  formatHumanDouble,
  formatLongDoubleHuman,
  parseDouble,
  parseInt64,
  parseInt64Bytes,
  parseLongDouble,
} from '../../src/util/numbers.js';

/** [score given to ZADD, ZSCORE reply] */
const FORMAT_DOUBLE: [string, string][] = [
  ['0.1', '0.10000000000000001'],
  ['-0.1', '-0.10000000000000001'],
  ['1e17', '1e+17'],
  ['123456789012345678', '1.2345678901234568e+17'],
  ['0.0001', '0.0001'],
  ['0.00001', '1.0000000000000001e-05'],
  ['1e16', '10000000000000000'],
  ['1e-7', '9.9999999999999995e-08'],
  ['1.5e-7', '1.4999999999999999e-07'],
  ['3.0000000000000004', '3.0000000000000004'],
  ['1.00000762939453125', '1.0000076293945312'],
  ['2.5', '2.5'],
  ['1e308', '1e+308'],
  ['-1e308', '-1e+308'],
  ['4.9406564584124654e-324', '4.9406564584124654e-324'],
  ['2.2250738585072014e-308', '2.2250738585072014e-308'],
  ['1e21', '1e+21'],
  ['1e22', '1e+22'],
  ['12345.678', '12345.678'],
  ['-0.5', '-0.5'],
  ['0.30000000000000004', '0.30000000000000004'],
  ['100', '100'],
  ['1.7976931348623157e308', '1.7976931348623157e+308'],
  ['9007199254740993', '9007199254740992'],
  ['33.5', '33.5'],
  ['1e-5', '1.0000000000000001e-05'],
  ['123e-20', '1.23e-18'],
  ['0x1p-1074', '4.9406564584124654e-324'],
  ['4e-320', '3.999955468730732e-320'],
  ['5e-324', '4.9406564584124654e-324'],
];

/** [score given to ZADD, ZSCORE reply or null when ZADD said "not a valid float"] */
const PARSE_DOUBLE: [string, string | null][] = [
  ['1', '1'],
  ['-1', '-1'],
  ['+1', '1'],
  ['.5', '0.5'],
  ['5.', '5'],
  ['1e5', '100000'],
  ['1E+05', '100000'],
  ['1e-400', null],
  ['1e400', null],
  ['-1e400', null],
  ['4e-320', '3.999955468730732e-320'],
  ['0e-500', '0'],
  ['0x10', '16'],
  ['0x1.8p1', '3'],
  ['0x1p-1080', null],
  ['0x1p1024', null],
  ['inf', 'inf'],
  ['-inf', '-inf'],
  ['+inf', 'inf'],
  ['INFINITY', 'inf'],
  ['infinit', null],
  ['nan', null],
  ['-nan', null],
  [' 1', null],
  ['1 ', null],
  ['', null],
  ['1e', null],
  ['1e+', null],
  ['0x', null],
  ['.', null],
  ['-', null],
  ['1.2.3', null],
  ['1_0', null],
  ['0b1', null],
  ['\u0661', null],
];

/** [stored value, INCRBYFLOAT increment, reply] */
const INCRBYFLOAT: [string, string, string][] = [
  ['10.5', '0.1', '10.6'],
  ['3010.6', '5000', '8010.60000000000000009'],
  ['0', '0.1', '0.1'],
  ['1', '-1', '0'],
  ['-1', '0.5', '-0.5'],
  ['0.1', '0.2', '0.3'],
  ['1e20', '1', '100000000000000000000'],
  ['1e-20', '0', '0'],
  ['-1e-20', '0', '0'],
  ['123456789.123456789', '0', '123456789.12345678899873747'],
  ['1.18e4932', '1.18e4932', '-ERR increment would produce NaN or Infinity'],
  [
    '1e308',
    '1e308',
    '199999999999999999993371759311691291321120199694831134415594095989843469737676123744200253843777078640893494450108026446304269499187921167194841628860392837535918200039206381557326219209014213335878306791577877829121087126122536729803237260434173178506889763247582601711514636284849020905456510092687857156096',
  ],
  ['0x1p-16445', '0', '0'],
  ['5', '-5.00000000000000000001', '0'],
  ['2.5', '0.000000000000000005', '2.5'],
  ['2.5', '0.000000000000000015', '2.50000000000000001'],
  ['3.0000000000000004', '0', '3.0000000000000004'],
  ['1.5e-7', '0', '0.00000015'],
  ['9223372036854775807', '1', '9223372036854775808'],
  ['-9223372036854775808', '-1', '-9223372036854775809'],
  ['18446744073709551615', '0', '18446744073709551615'],
  ['18446744073709551617', '0', '18446744073709551616'],
];

/** [double, INCRBYFLOAT reply for that exact value stored as a hex float, plus 0] */
const HUMAN: [number, string][] = [
  [0.1, '0.10000000000000001'],
  [10.6, '10.59999999999999964'],
  [0.3333333333333333, '0.33333333333333331'],
  [100000000000000000000, '100000000000000000000'],
  [1e-20, '0'],
  [5e-324, '0'],
  [-2.5, '-2.5'],
  [
    1.7976931348623157e308,
    '179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368',
  ],
  [123456.789, '123456.78900000000430737'],
  [5e-18, '0.00000000000000001'],
  [1.5e-17, '0.00000000000000002'],
];

test('formatDouble prints like printf %.17g, ties to even', () => {
  for (const [input, expected] of FORMAT_DOUBLE) {
    assert.equal(formatDouble(parseDouble(input)!), expected, `formatDouble(${input})`);
  }
  assert.equal(formatDouble(0), '0');
  assert.equal(formatDouble(-0), '-0');
  assert.equal(formatDouble(Infinity), 'inf');
  assert.equal(formatDouble(-Infinity), '-inf');
  assert.equal(formatDouble(NaN), 'nan');
  assert.equal(formatDouble(-1.00000762939453125), '-1.0000076293945312');
  assert.equal(formatDouble(1.00002288818359375), '1.0000228881835938');
});

test('formatG handles any precision with printf rounding', () => {
  assert.equal(formatG(0.5, 1), '0.5');
  assert.equal(formatG(2.5, 1), '2');
  assert.equal(formatG(3.5, 1), '4');
  assert.equal(formatG(0.125, 2), '0.12');
  assert.equal(formatG(0.375, 2), '0.38');
  assert.equal(formatG(123456, 3), '1.23e+05');
  assert.equal(formatG(0.0001234, 6), '0.0001234');
  assert.equal(formatG(0.00001234, 6), '1.234e-05');
  assert.equal(formatG(100, 6), '100');
  assert.equal(formatG(1e100, 17), '1e+100');
});

test('parseDouble accepts what strtod consumes entirely and rejects range errors and NaN', () => {
  for (const [input, expected] of PARSE_DOUBLE) {
    const d = parseDouble(input);
    assert.equal(d === null ? null : formatDouble(d), expected, `parseDouble(${JSON.stringify(input)})`);
  }
  assert.equal(parseDouble('1.' + '0'.repeat(6000)), 1);
  assert.equal(parseDouble('1\u00002'), null);
  assert.equal(Object.is(parseDouble('-0'), -0), true);
  assert.equal(parseDouble('0x1.fffffffffffff8p1023'), null);
  assert.equal(parseDouble('0x1.fffffffffffff7p1023'), 1.7976931348623157e308);
});

test('parseInt64 follows string2ll: canonical decimal int64 only', () => {
  const ok: [string, number | bigint][] = [
    ['0', 0],
    ['-1', -1],
    ['9007199254740991', 9007199254740991],
    ['9007199254740992', 9007199254740992n],
    ['-9007199254740992', -9007199254740992n],
    ['9223372036854775807', 9223372036854775807n],
    ['-9223372036854775808', -9223372036854775808n],
  ];
  for (const [s, v] of ok) {
    assert.equal(parseInt64(s), v, s);
    const b = Buffer.from(`xx${s}yy`, 'latin1');
    assert.equal(parseInt64Bytes(b, 2, 2 + s.length), v, `bytes ${s}`);
  }
  for (const s of [
    '',
    '-',
    '-0',
    '01',
    '+1',
    ' 1',
    '1 ',
    '1.0',
    '1e3',
    '9223372036854775808',
    '-9223372036854775809',
    '99999999999999999999',
    '000000000000000000001',
    'abc',
    '1\u00000',
  ]) {
    assert.equal(parseInt64(s), null, JSON.stringify(s));
    const b = Buffer.from(s, 'latin1');
    assert.equal(parseInt64Bytes(b, 0, b.length), null, `bytes ${JSON.stringify(s)}`);
  }
});

test('INCRBYFLOAT arithmetic in x87 long double matches recorded oracle replies', () => {
  for (const [value, incr, expected] of INCRBYFLOAT) {
    const a = parseLongDouble(value);
    const b = parseLongDouble(incr);
    assert.ok(a !== null && b !== null, `${value} + ${incr} parse`);
    const sum = addLongDouble(a, b);
    const got = sum === null ? '-ERR increment would produce NaN or Infinity' : formatLongDoubleHuman(sum);
    assert.equal(got, expected, `${value} + ${incr}`);
  }
});

test('parseLongDouble: strtold syntax, 5119-byte limit, overflow and underflow rejected', () => {
  for (const s of [
    '1',
    '-1.5',
    '.5',
    '5.',
    '+1e10',
    '0x1p3',
    'inf',
    '-Infinity',
    '4e-4940',
    '0e-99999',
    '1e4932',
  ]) {
    assert.notEqual(parseLongDouble(s), null, s);
  }
  for (const s of [
    '',
    ' 1',
    '1 ',
    'nan',
    '1e5000',
    '-1e5000',
    '1e-5000',
    '0x1p-16500',
    '1e',
    '0x',
    '1.' + '0'.repeat(5118),
  ]) {
    assert.equal(parseLongDouble(s), null, JSON.stringify(s));
  }
  assert.notEqual(parseLongDouble('1.' + '0'.repeat(5117)), null);
  assert.equal(parseLongDouble('1e99999999999999999999'), null);
  assert.equal(formatLongDoubleHuman(parseLongDouble('-0')!), '0');
  assert.equal(formatLongDoubleHuman(parseLongDouble('-1e-30')!), '0');
  assert.equal(formatLongDoubleHuman(parseLongDouble('inf')!), 'inf');
  assert.equal(formatLongDoubleHuman(parseLongDouble('-inf')!), '-inf');
});

test('formatHumanDouble prints the exact double with %.17Lf and trims zeros', () => {
  for (const [d, expected] of HUMAN) assert.equal(formatHumanDouble(d), expected, `formatHumanDouble(${d})`);
  assert.equal(formatHumanDouble(0), '0');
  assert.equal(formatHumanDouble(-0), '0');
  assert.equal(formatHumanDouble(3), '3');
  assert.equal(formatHumanDouble(-1e-30), '0');
  assert.equal(formatHumanDouble(Infinity), 'inf');
  assert.equal(formatHumanDouble(-Infinity), '-inf');
});
