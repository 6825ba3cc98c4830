/**
 * Hash commands against the oracle, byte for byte, on both encodings (listpack and hashtable).
 * Replies in Redis's hash-table order are compared as multisets of field/value pairs
 * (test/helpers/unordered.ts); listpack order and everything else is compared exactly.
 * Field expiry (Redis 7.4) is not in the oracle: see test/integration/hash-field-expiry.test.ts.
 */
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startPair, type Cmd, type Pair } from '../helpers/compat.js';
import { configBoth, resetBoth, sameEncoding, sameUnordered, splitAggregate } from '../helpers/unordered.js';

let pair: Pair;

before(async () => {
  pair = await startPair();
});

after(async () => {
  await pair.close();
});

beforeEach(async () => {
  await resetBoth(pair);
  await configBoth(pair, 'hash-max-listpack-entries', 128);
  await configBoth(pair, 'hash-max-listpack-value', 64);
});

type Enc = 'listpack' | 'hashtable';
const ENCODINGS: Enc[] = ['listpack', 'hashtable'];

/** Makes new hashes use the given encoding (hashtable: hash-max-listpack-entries 0). */
async function useEncoding(enc: Enc): Promise<void> {
  await configBoth(pair, 'hash-max-listpack-entries', enc === 'listpack' ? 128 : 0);
}

async function same(...cmds: Cmd[]): Promise<void> {
  await pair.same(...cmds);
}

/** HGETALL-like replies: exact for a listpack, as a multiset (of pairs when `group` 2) otherwise. */
async function sameHashReply(enc: Enc, cmd: Cmd, group = 1): Promise<void> {
  if (enc === 'listpack') await same(cmd);
  else await sameUnordered(pair, cmd, group);
}

test('HSET, HMSET, HSETNX, HGET, HMGET, HDEL, HLEN, HSTRLEN and HEXISTS reply like redis on both encodings', async () => {
  for (const enc of ENCODINGS) {
    await useEncoding(enc);
    const k = `h:${enc}`;
    await same(
      ['HSET', k, 'a', '1', 'b', '2', 'c', 'three'],
      ['HSET', k, 'a', '10', 'd', '4'],
      ['HSET', k, 'e', '5', 'e', '6'],
      ['HMSET', k, 'f', '7', 'a', '11'],
      ['HSETNX', k, 'a', 'x'],
      ['HSETNX', k, 'g', 'x'],
      ['HSETNX', 'new:' + enc, 'g', 'x'],
      ['HGET', k, 'a'],
      ['HGET', k, 'zz'],
      ['HGET', 'nokey', 'a'],
      ['HMGET', k, 'a', 'zz', 'c', 'a'],
      ['HMGET', 'nokey', 'a', 'b'],
      ['HLEN', k],
      ['HLEN', 'nokey'],
      ['HSTRLEN', k, 'c'],
      ['HSTRLEN', k, 'a'],
      ['HSTRLEN', k, 'zz'],
      ['HSTRLEN', 'nokey', 'a'],
      ['HEXISTS', k, 'a'],
      ['HEXISTS', k, 'zz'],
      ['HEXISTS', 'nokey', 'a'],
      ['HDEL', k, 'a', 'zz', 'a'],
      ['HDEL', 'nokey', 'a'],
      ['HLEN', k],
    );
    await sameEncoding(pair, k, 'new:' + enc);
    await sameHashReply(enc, ['HGETALL', k], 2);
    await sameHashReply(enc, ['HKEYS', k]);
    await sameHashReply(enc, ['HVALS', k]);
    await same(['HDEL', k, 'b', 'c', 'd', 'e', 'f', 'g', 'h'], ['HLEN', k], ['HGETALL', k], ['GET', k]);
  }
});

test('a hash becomes a hashtable past hash-max-listpack-entries or a long field or value, and never goes back', async () => {
  const pairs: string[] = [];
  for (let i = 0; i < 128; i++) pairs.push(`f${i}`, `v${i}`);
  await same(['HSET', 'n', ...pairs]);
  await sameEncoding(pair, 'n');
  await same(['HSET', 'n', 'f0', 'again'], ['HSET', 'n', 'f128', 'x']);
  await sameEncoding(pair, 'n');
  await same(['HDEL', 'n', ...pairs.filter((_, i) => i % 2 === 0)], ['HLEN', 'n']);
  await sameEncoding(pair, 'n');
  const v64 = 'x'.repeat(64);
  const v65 = 'x'.repeat(65);
  await same(
    ['HSET', 'v1', 'a', v64],
    ['HSET', 'v2', 'a', v65],
    ['HSET', 'v3', v65, 'a'],
    ['HSET', 'v4', v64, v64],
  );
  await sameEncoding(pair, 'v1', 'v2', 'v3', 'v4');
  await same(
    ['HSET', 'v5', 'a', '1', 'b', v65, 'c', '3'],
    ['HSETNX', 'v6', 'a', v65],
    ['HSETNX', 'v7', v65, 'a'],
  );
  await sameEncoding(pair, 'v5', 'v6', 'v7');
  // HSET counts the arguments, not the distinct fields: duplicates do not convert.
  await configBoth(pair, 'hash-max-listpack-entries', 4);
  await same(['HSET', 'd', 'a', '1', 'a', '2', 'a', '3', 'a', '4', 'a', '5'], ['HLEN', 'd']);
  await sameEncoding(pair, 'd');
  await same(['HSET', 'd', 'b', '1', 'c', '1', 'e', '1'], ['HSET', 'd', 'f', '1']);
  await sameEncoding(pair, 'd');
  // Counters that outgrow hash-max-listpack-value convert too.
  await configBoth(pair, 'hash-max-listpack-value', 10);
  await same(
    ['HINCRBYFLOAT', 'c1', 'f', '1e20'],
    ['HINCRBY', 'c2', 'f', '12345678901'],
    ['HINCRBY', 'c3', 'f', '1'],
  );
  await sameEncoding(pair, 'c1', 'c2', 'c3');
});

test('HINCRBY works on int64 values, rejects non-integers and reports overflow like redis', async () => {
  for (const enc of ENCODINGS) {
    await useEncoding(enc);
    const k = `i:${enc}`;
    await same(
      ['HINCRBY', k, 'n', '5'],
      ['HINCRBY', k, 'n', '-10'],
      ['HINCRBY', k, 'n', '0'],
      ['HSET', k, 'max', '9223372036854775806', 'min', '-9223372036854775807'],
      ['HINCRBY', k, 'max', '1'],
      ['HINCRBY', k, 'max', '1'],
      ['HINCRBY', k, 'max', '-9223372036854775808'],
      ['HINCRBY', k, 'min', '-1'],
      ['HINCRBY', k, 'min', '-1'],
      ['HINCRBY', k, 'min', '9223372036854775807'],
      ['HINCRBY', k, 'big', '9007199254740993'],
      ['HINCRBY', k, 'big', '9007199254740993'],
      ['HINCRBY', k, 'n', '9223372036854775808'],
      ['HINCRBY', k, 'n', 'x'],
      ['HINCRBY', k, 'n', '1.5'],
      ['HINCRBY', k, 'n', ''],
      ['HINCRBY', k, 'n', '-0'],
      ['HSET', k, 's', 'abc', 'f', '1.5', 'z', '007', 'sp', ' 1', 'e', ''],
      ['HINCRBY', k, 's', '1'],
      ['HINCRBY', k, 'f', '1'],
      ['HINCRBY', k, 'z', '1'],
      ['HINCRBY', k, 'sp', '1'],
      ['HINCRBY', k, 'e', '1'],
      ['HINCRBY', 'new:' + enc, 'f', '-7'],
      ['HGET', 'new:' + enc, 'f'],
      ['HMGET', k, 'n', 'max', 'min', 'big'],
    );
  }
});

test('HINCRBYFLOAT adds in long double and formats like redis, with its errors', async () => {
  for (const enc of ENCODINGS) {
    await useEncoding(enc);
    const k = `f:${enc}`;
    await same(
      ['HINCRBYFLOAT', k, 'a', '0.1'],
      ['HINCRBYFLOAT', k, 'a', '0.2'],
      ['HINCRBYFLOAT', k, 'a', '-0.3'],
      ['HINCRBYFLOAT', k, 'b', '10.5'],
      ['HINCRBYFLOAT', k, 'b', '0.1'],
      ['HINCRBYFLOAT', k, 'c', '3010.6'],
      ['HINCRBYFLOAT', k, 'c', '5000'],
      ['HINCRBYFLOAT', k, 'd', '1e-5'],
      ['HINCRBYFLOAT', k, 'd', '5.0e3'],
      ['HINCRBYFLOAT', k, 'e', '-1.5E2'],
      ['HINCRBYFLOAT', k, 'g', '0x10'],
      ['HINCRBYFLOAT', k, 'h', '1.7976931348623157e308'],
      ['HINCRBYFLOAT', k, 'h', '1.7976931348623157e308'],
      ['HINCRBYFLOAT', k, 'i', '123456789012345678'],
      ['HINCRBYFLOAT', k, 'a', 'inf'],
      ['HINCRBYFLOAT', k, 'a', '-inf'],
      ['HINCRBYFLOAT', k, 'a', 'nan'],
      ['HINCRBYFLOAT', k, 'a', 'x'],
      ['HINCRBYFLOAT', k, 'a', ''],
      ['HINCRBYFLOAT', k, 'a', ' 1'],
      ['HINCRBYFLOAT', k, 'a', '1 '],
      ['HSET', k, 's', 'abc', 'n', '7', 'inf', 'inf', 'sp', '1 '],
      ['HINCRBYFLOAT', k, 's', '1'],
      ['HINCRBYFLOAT', k, 'n', '0.5'],
      ['HINCRBYFLOAT', k, 'inf', '1'],
      ['HINCRBYFLOAT', k, 'sp', '1'],
      ['HMGET', k, 'a', 'b', 'c', 'd', 'e', 'g', 'h', 'i', 'n'],
    );
  }
});

test('HGETALL, HKEYS and HVALS list a listpack in insertion order and a hashtable with the same pairs', async () => {
  for (const enc of ENCODINGS) {
    await useEncoding(enc);
    const k = `g:${enc}`;
    const pairs: string[] = [];
    for (let i = 0; i < 50; i++) pairs.push(`field:${(i * 37) % 50}`, `value:${i}`);
    await same(['HSET', k, ...pairs], ['HDEL', k, 'field:3', 'field:17']);
    await sameHashReply(enc, ['HGETALL', k], 2);
    await sameHashReply(enc, ['HKEYS', k]);
    await sameHashReply(enc, ['HVALS', k]);
  }
  await same(['HGETALL', 'nokey'], ['HKEYS', 'nokey'], ['HVALS', 'nokey']);
});

test('HRANDFIELD validates its count and WITHVALUES, and replies with the shapes redis uses', async () => {
  await same(['HSET', 'h', 'a', '1', 'b', '2', 'c', '3'], ['SET', 'str', 'x']);
  await same(
    ['HRANDFIELD', 'nokey'],
    ['HRANDFIELD', 'nokey', '3'],
    ['HRANDFIELD', 'nokey', '-3', 'WITHVALUES'],
    ['HRANDFIELD', 'h', '0'],
    ['HRANDFIELD', 'h', '0', 'WITHVALUES'],
    ['HRANDFIELD', 'h', 'x'],
    ['HRANDFIELD', 'h', '1', 'x'],
    ['HRANDFIELD', 'h', '1', 'WITHVALUES', 'x'],
    ['HRANDFIELD', 'h', '-9223372036854775808'],
    ['HRANDFIELD', 'h', '9223372036854775808'],
    ['HRANDFIELD', 'h', '4611686018427387904', 'WITHVALUES'],
    ['HRANDFIELD', 'h', '-4611686018427387904', 'withvalues'],
    ['HRANDFIELD', 'h', '4611686018427387903', 'WITHVALUES'],
    ['HRANDFIELD', 'str'],
    ['HRANDFIELD', 'str', '1'],
    ['HRANDFIELD', 'str', 'x'],
    ['HRANDFIELD', 'str', '1', 'x'],
    // A count not smaller than the hash gives all of it, in listpack order.
    ['HRANDFIELD', 'h', '3'],
    ['HRANDFIELD', 'h', '100', 'WITHVALUES'],
  );
  for (const enc of ENCODINGS) {
    await useEncoding(enc);
    const k = `r:${enc}`;
    await same(['HSET', k, 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5', 'f', '6', 'g', '7', 'h', '8']);
    await sameHashReply(enc, ['HRANDFIELD', k, '8']);
    await sameHashReply(enc, ['HRANDFIELD', k, '20', 'WITHVALUES'], 2);
    for (const args of [['1'], ['3'], ['7'], ['-5'], ['2', 'WITHVALUES'], ['-3', 'WITHVALUES']]) {
      const [a, b] = await pair.both('HRANDFIELD', k, ...args);
      assert.equal(splitAggregate(b).head, splitAggregate(a).head, `HRANDFIELD ${k} ${args.join(' ')}`);
    }
    const [a, b] = await pair.both('HRANDFIELD', k);
    assert.equal(b[0], a[0]);
  }
});

test('HRANDFIELD WITHVALUES in RESP3 nests each pair in an array', async () => {
  await pair.both('HELLO', '3');
  try {
    await same(
      ['HSET', 'h', 'a', '1', 'b', '2'],
      ['HRANDFIELD', 'h', '5', 'WITHVALUES'],
      ['HRANDFIELD', 'h', '2'],
      ['HRANDFIELD', 'h', '0', 'WITHVALUES'],
      ['HRANDFIELD', 'nokey', '2', 'WITHVALUES'],
      ['HRANDFIELD', 'nokey'],
    );
    const [a, b] = await pair.both('HRANDFIELD', 'h', '-3', 'WITHVALUES');
    assert.equal(splitAggregate(b).head, splitAggregate(a).head);
    assert.ok(splitAggregate(b).items.every((p) => p.startsWith('*2\r\n')));
  } finally {
    await pair.both('HELLO', '2');
  }
});

test('RESP3: HGETALL is a map (an empty map for a missing key), HKEYS/HVALS/HMGET arrays', async () => {
  await pair.both('HELLO', '3');
  try {
    await same(
      ['HSET', 'h', 'a', '1', 'b', '2'],
      ['HGETALL', 'h'],
      ['HGETALL', 'nokey'],
      ['HKEYS', 'h'],
      ['HVALS', 'nokey'],
      ['HMGET', 'h', 'a', 'x'],
      ['HGET', 'h', 'x'],
      ['HINCRBYFLOAT', 'h', 'a', '1.5'],
      ['HSCAN', 'h', '0'],
      ['HSCAN', 'nokey', '0'],
    );
  } finally {
    await pair.both('HELLO', '2');
  }
});

test('HSCAN returns a listpack whole with cursor 0, filters fields with MATCH, and checks cursor and options', async () => {
  await same(['HSET', 'h', 'a1', 'x', 'a2', 'y', 'b1', 'z', '10', '20'], ['SET', 'str', 'x']);
  await same(
    ['HSCAN', 'h', '0'],
    ['HSCAN', 'h', '7', 'COUNT', '1'],
    ['HSCAN', 'h', '0', 'MATCH', 'a*'],
    ['HSCAN', 'h', '0', 'MATCH', 'x*'],
    ['HSCAN', 'h', '0', 'MATCH', '1*', 'COUNT', '5'],
    ['HSCAN', 'h', 'x'],
    ['HSCAN', 'h', '0', 'COUNT', '0'],
    ['HSCAN', 'h', '0', 'MATCH'],
    ['HSCAN', 'h', '0', 'NOVALUES'],
    ['HSCAN', 'h', '0', 'TYPE', 'hash'],
    ['HSCAN', 'nokey', '0'],
    ['HSCAN', 'nokey', 'x'],
    ['HSCAN', 'str', '0'],
  );
});

test('HSCAN over a hashtable visits every field with its value', async () => {
  const pairs: string[] = [];
  for (let i = 0; i < 600; i++) pairs.push(`f${i}`, `v${i}`);
  await same(['HSET', 'h', ...pairs]);
  await sameEncoding(pair, 'h');
  const seen = new Map<string, string>();
  let cursor = '0';
  let calls = 0;
  do {
    const reply = await pair.r.call('HSCAN', 'h', cursor, 'COUNT', '50');
    const [cur, list] = splitAggregate(reply).items;
    cursor = cur.split('\r\n')[1];
    const items = splitAggregate(list).items.map((s) => s.split('\r\n')[1]);
    for (let i = 0; i < items.length; i += 2) seen.set(items[i], items[i + 1]);
    calls++;
  } while (cursor !== '0' && calls < 1000);
  assert.equal(seen.size, 600);
  for (let i = 0; i < 600; i++) assert.equal(seen.get(`f${i}`), `v${i}`);
  assert.ok(calls > 1);
});

test('every hash command replies WRONGTYPE on a string key', async () => {
  await same(['SET', 'str', 'x']);
  await same(
    ['HSET', 'str', 'a', '1'],
    ['HMSET', 'str', 'a', '1'],
    ['HSETNX', 'str', 'a', '1'],
    ['HGET', 'str', 'a'],
    ['HMGET', 'str', 'a'],
    ['HDEL', 'str', 'a'],
    ['HLEN', 'str'],
    ['HSTRLEN', 'str', 'a'],
    ['HEXISTS', 'str', 'a'],
    ['HINCRBY', 'str', 'a', '1'],
    ['HINCRBY', 'str', 'a', 'x'],
    ['HINCRBYFLOAT', 'str', 'a', '1'],
    ['HINCRBYFLOAT', 'str', 'a', 'x'],
    ['HGETALL', 'str'],
    ['HKEYS', 'str'],
    ['HVALS', 'str'],
    ['HRANDFIELD', 'str'],
    ['HSCAN', 'str', '0'],
    ['GET', 'str'],
  );
});

test('hash commands report wrong numbers of arguments like redis', async () => {
  await same(
    ['HSET', 'h', 'a'],
    ['HSET', 'h', 'a', '1', 'b'],
    ['HMSET', 'h', 'a'],
    ['HMSET', 'h', 'a', '1', 'b'],
    ['HSETNX', 'h', 'a'],
    ['HGET', 'h'],
    ['HMGET', 'h'],
    ['HDEL', 'h'],
    ['HLEN'],
    ['HSTRLEN', 'h'],
    ['HEXISTS', 'h'],
    ['HINCRBY', 'h', 'a'],
    ['HINCRBYFLOAT', 'h', 'a', '1', '2'],
    ['HGETALL'],
    ['HKEYS', 'h', 'x'],
    ['HVALS'],
    ['HRANDFIELD'],
    ['HSCAN', 'h'],
    ['hset', 'h'],
  );
});

test('binary fields and values, every byte value 0..255 and empty strings, are kept exactly', async () => {
  for (const enc of ENCODINGS) {
    await useEncoding(enc);
    // Four hashes of 64 one-byte fields each, so that a listpack stays a listpack.
    for (let part = 0; part < 4; part++) {
      const k = `b:${enc}:${part}`;
      const args: Buffer[] = [];
      for (let i = part * 64; i < part * 64 + 64; i++)
        args.push(Buffer.from([i]), Buffer.from([255 - i, i, 0]));
      args.push(Buffer.alloc(0), Buffer.alloc(0), Buffer.from('\r\n*1\r\n'), Buffer.from([0xc3, 0x28]));
      await same(['HSET', k, ...args], ['HLEN', k]);
      await sameEncoding(pair, k);
      for (let i = 0; i < args.length; i += 6) await same(['HGET', k, args[i]], ['HSTRLEN', k, args[i]]);
      await same(['HMGET', k, ...args.filter((_, i) => i % 2 === 0).slice(0, 40)]);
      await sameHashReply(enc, ['HGETALL', k], 2);
      await same(['HDEL', k, ...args.filter((_, i) => i % 4 === 0)], ['HLEN', k]);
      await sameHashReply(enc, ['HGETALL', k], 2);
    }
  }
});

test('MEMORY USAGE of a listpack hash is exact (entries encoded as Redis does); of a hashtable, close', async () => {
  await same(
    ['HSET', 'a', 'f', '1'],
    [
      'HSET',
      'b',
      'field1',
      'value1',
      'n',
      '123456',
      'm',
      '-5',
      'big',
      '99999999999',
      'z',
      '0',
      'neg',
      '-70000',
    ],
    ['HSET', 'c', 'x'.repeat(60), 'y'.repeat(64), 'e', '', 's', '007'],
    ['MEMORY', 'USAGE', 'a'],
    ['MEMORY', 'USAGE', 'b'],
    ['MEMORY', 'USAGE', 'c'],
  );
  const pairs: string[] = [];
  for (let i = 0; i < 1000; i++) pairs.push(`field:${i}`, `value:${i}`);
  await same(['HSET', 'h', ...pairs]);
  const [o, r] = await pair.both('MEMORY', 'USAGE', 'h');
  const ratio = Number(r.slice(1, -2)) / Number(o.slice(1, -2));
  assert.ok(ratio > 0.85 && ratio < 1.15, `MEMORY USAGE ${r.trim()} vs redis ${o.trim()}`);
});
