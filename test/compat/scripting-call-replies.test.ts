/**
 * redis.call replies converted to Lua values (the parser of the command's RESP reply, whose
 * integer, bulk and array headers take a fast path): integers at the edges of exact doubles
 * and of int64, negative numbers, empty and null bulks, empty, nested and null arrays, in
 * RESP2 and with redis.setresp(3); and Lua numbers passed as redis.call arguments, which
 * Redis prints with %.17g (not Lua's %.14g: BullMQ's delayed-job scores are 16-digit
 * numbers). Compared byte for byte with the oracle.
 */
import { after, before, test } from 'node:test';
import { startPair, type Pair } from '../helpers/compat.js';

let pair: Pair;

before(async () => {
  pair = await startPair();
});

after(async () => {
  await pair.close();
});

const INTS = [
  '0',
  '-1',
  '7',
  '999999999999999',
  '-999999999999999',
  '1000000000000000',
  '9007199254740993',
  '-9007199254740993',
  '123456789012345678',
  '9223372036854775807',
  '-9223372036854775808',
];

test('integer replies of redis.call become the same Lua numbers', async () => {
  await pair.reset();
  for (const n of INTS) {
    await pair.same(
      ['SET', 'n', n],
      ['EVAL', "return tostring(redis.call('INCRBY', KEYS[1], 0))", '1', 'n'],
      [
        'EVAL',
        "local v = redis.call('INCRBY', KEYS[1], 0) return {v, v + 1, v == tonumber(ARGV[1])}",
        '1',
        'n',
        n,
      ],
      ['EVAL', "return redis.call('STRLEN', KEYS[1]) * -1", '1', 'n'],
    );
  }
});

test('bulk, null bulk and array replies of redis.call, RESP2 and RESP3', async () => {
  await pair.reset();
  await pair.same(
    ['SET', 'empty', ''],
    ['RPUSH', 'l', 'a', '', 'ccc', '12345678901234567890'],
    ['EVAL', "local v = redis.call('GET', KEYS[1]) return {type(v), #v}", '1', 'empty'],
    ['EVAL', "local v = redis.call('GET', KEYS[1]) return {type(v), tostring(v)}", '1', 'missing'],
    ['EVAL', "return redis.call('LRANGE', KEYS[1], 0, -1)", '1', 'l'],
    ['EVAL', "local t = redis.call('LRANGE', KEYS[1], 5, 9) return {type(t), #t}", '1', 'l'],
    ['EVAL', "return redis.call('MGET', 'l', 'missing', 'empty')", '0'],
    ['EVAL', "local t = redis.call('MGET', 'missing', 'empty') return {#t, type(t[1]), t[2]}", '0'],
    ['EVAL', "return redis.call('BLPOP', 'nolist', 0)", '0'],
    ['EVAL', "return type(redis.call('BLPOP', 'nolist', 0))", '0'],
    ['HSET', 'h', 'f', '1', 'g', '-22'],
    ['EVAL', "redis.setresp(3) return redis.call('HGETALL', KEYS[1])", '1', 'h'],
    ['EVAL', "redis.setresp(3) local v = redis.call('GET', 'missing') return type(v)", '0'],
    ['EVAL', "redis.setresp(3) return redis.call('LRANGE', KEYS[1], 0, -1)", '1', 'l'],
    ['EVAL', "redis.setresp(3) return redis.call('HINCRBY', KEYS[1], 'g', -9007199254740000)", '1', 'h'],
    ['XADD', 's', '1-1', 'a', '1'],
    ['EVAL', "return redis.call('XRANGE', KEYS[1], '-', '+')", '1', 's'],
  );
});

test('Lua numbers as redis.call arguments are sent as %.17g, as Redis does', async () => {
  await pair.reset();
  for (const v of [
    '0.1',
    '1/3',
    '7000000000000005',
    '1e15',
    '-9007199254740000',
    '2^53',
    '2^63',
    '123456789012',
    '1e100',
    '-1e-300',
    '-0',
    '0/0',
    '1/0',
    '-1/0',
    '3',
  ])
    await pair.same(['EVAL', `redis.call('SET', 'k', ${v}) return redis.call('GET', 'k')`, '0']);
  // A delayed job's score in BullMQ: timestamp * 0x1000 + counter keeps its counter.
  await pair.same(
    [
      'EVAL',
      "redis.call('ZADD', 'z', 1764130000123 * 0x1000 + 7, 'j') return redis.call('ZSCORE', 'z', 'j')",
      '0',
    ],
    ['EVAL', "return redis.call('HSET', 'h', 'f', 2^53 + 2, 'g', -2.5e-7)", '0'],
    ['HGETALL', 'h'],
  );
});
