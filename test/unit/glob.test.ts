import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globMatch, matchesAll } from '../../src/util/glob.js';

/**
 * [pattern, subject, matches] — every row was checked against redis-server 7.0.15 with
 * `SET subject v` + `KEYS pattern` (see test/compat/keyspace.test.ts for the live check).
 */
const GLOB_CASES: [string, string, boolean][] = [
  ['', '', true],
  ['', 'a', false],
  ['a', '', false],
  ['*', '', false],
  ['**', '', false],
  ['*', 'anything', true],
  ['a*', 'a', true],
  ['a*', 'abc', true],
  ['a*', 'ba', false],
  ['*a', 'bca', true],
  ['*a', 'ab', false],
  ['a*b', 'ab', true],
  ['a*b', 'axxb', true],
  ['a*b', 'axxbc', false],
  ['a**b', 'axb', true],
  ['a*b*', 'ab', true],
  ['a*b*c', 'abxbc', true],
  ['*.txt', 'file.txt', true],
  ['*.txt', 'file.txt.bak', false],
  ['h?llo', 'hello', true],
  ['h?llo', 'hllo', false],
  ['h??llo', 'heello', true],
  ['?', '', false],
  ['?', 'x', true],
  ['??', 'x', false],
  ['h[ae]llo', 'hello', true],
  ['h[ae]llo', 'hallo', true],
  ['h[ae]llo', 'hillo', false],
  ['h[^e]llo', 'hallo', true],
  ['h[^e]llo', 'hello', false],
  ['h[a-b]llo', 'hbllo', true],
  ['h[a-b]llo', 'hcllo', false],
  ['h[b-a]llo', 'hallo', true],
  ['[a-c]', 'b', true],
  ['[a-c]', 'd', false],
  ['[^a-c]', 'd', true],
  ['[^a-c]', 'a', false],
  ['[abc', 'a', true],
  ['[abc', 'ab', false],
  ['[', 'a', false],
  ['[', '[', false],
  ['[]', 'a', false],
  ['[]a]', 'a', false],
  ['[]a]', ']a]', false],
  ['[]', ']', false],
  ['[^]', 'a', true],
  ['[^', 'a', true],
  ['[^', '^', true],
  ['[a-]', 'b', false],
  ['[a-]', '^', true],
  ['[a-]', '-', false],
  ['[-a]', '-', true],
  ['[-a]', 'a', true],
  ['[\\]]', ']', true],
  ['[\\]]', '\\', false],
  ['[\\', '\\', true],
  ['[a\\-z]', '-', true],
  ['[a\\-z]', 'b', false],
  ['[\\^a]', '^', true],
  ['\\*', '*', true],
  ['\\*', 'a', false],
  ['\\?', '?', true],
  ['\\?', 'x', false],
  ['\\[a]', '[a]', true],
  ['\\', '\\', true],
  ['a\\', 'a\\', true],
  ['\\\\', '\\', true],
  ['\\a', 'a', true],
  ['*\\*', 'x*', true],
  ['*\\*', 'x', false],
  ['a[b', 'ab', true],
  ['a[', 'a', false],
  ['a[', 'ab', false],
  ['*[', 'a', false],
  ['Hello', 'hello', false],
  ['*abc*def*', 'xxabcyydefzz', true],
  ['*abc*def*', 'xxdefyyabczz', false],
  ['a*a*a*a*a*a*a*a*a*b', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', false],
  ['\x00*', '\x00ab', true],
  ['a\x00?', 'a\x00b', true],
  ['[\x00-\x05]', '\x03', true],
  ['\xff', '\xff', true],
  ['\xe9*', '\xe9t\xe9', true],
  ['[\x80-\xff]', '\x90', true],
  ['[\x80-\xff]', 'a', false],
  // Range bounds are signed chars: 0xff is -1, so [a-\xff] is [-1..97].
  ['[a-\xff]', '\x90', false],
  ['[a-\xff]', '\xff', true],
  ['[a-\xff]', 'A', true],
  ['[a-\xff]', 'b', false],
  ['[\x7f-\x80]', '\x7f', true],
  ['[\x7f-\x80]', '\x80', true],
  ['[\x7f-\x80]', 'a', true],
  ['[^\x80-\xff]', 'a', true],
  ['[\x01-\xff]', '\x00', true],
];

test('glob matching gives stringmatchlen results for literal, ?, *, classes, ranges and escapes', () => {
  for (const [p, s, want] of GLOB_CASES) {
    assert.equal(globMatch(p, s), want, `globMatch(${JSON.stringify(p)}, ${JSON.stringify(s)})`);
  }
});

test('glob nocase folds only A-Z, in literals, classes and ranges but not escaped class members', () => {
  const cases: [string, string, boolean][] = [
    ['Hello', 'hELLO', true],
    ['h?LLO', 'Hello', true],
    ['[A-C]x', 'bX', true],
    ['[a-c]', 'B', true],
    ['[^a-c]', 'B', false],
    ['[AB]', 'b', true],
    ['[\\A]', 'a', false],
    ['[\\A]', 'A', true],
    ['\\A', 'a', true],
    ['\xc9', '\xe9', false],
    ['maxmemory*', 'MAXMEMORY-policy', true],
  ];
  for (const [p, s, want] of cases) {
    assert.equal(
      globMatch(p, s, true),
      want,
      `globMatch(${JSON.stringify(p)}, ${JSON.stringify(s)}, nocase)`,
    );
  }
  assert.equal(globMatch('Hello', 'hello'), false);
});

test('glob gives up on patterns nesting more than 1000 stars and stays fast on abusive ones', () => {
  const key = 'a'.repeat(1100);
  assert.equal(globMatch('*a'.repeat(1000), key), true);
  assert.equal(globMatch('*a'.repeat(1001), key), false);
  // Exponential without the early stop: many stars against a long non-matching subject.
  const abusive = '*a'.repeat(50) + 'b';
  assert.equal(globMatch(abusive, 'a'.repeat(5000)), false);
  assert.equal(globMatch('a*'.repeat(30) + 'b', 'a'.repeat(200)), false);
});

test('matchesAll recognises only a lone star', () => {
  assert.equal(matchesAll('*'), true);
  assert.equal(matchesAll('**'), false);
  assert.equal(matchesAll('\\*'), false);
  assert.equal(matchesAll(''), false);
});
