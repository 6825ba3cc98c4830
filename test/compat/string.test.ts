/**
 * The string command group against the oracle (redis-server 7.0), byte for byte: every
 * command, option combination, error text and edge value, in RESP2 and RESP3.
 *
 * Both servers run with proto-max-bulk-len 1mb so size limits (SETRANGE, APPEND, LCS) can be
 * hit with small values. Respite has no DEL/FLUSHALL/HELLO/OBJECT yet, so each test uses its
 * own keys, RESP3 is switched on the Respite client object directly, and OBJECT ENCODING /
 * PEXPIRETIME are compared with the store's own columns.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPair, type Cmd, type Pair } from '../helpers/compat.js';
import { ENC_EMBSTR, ENC_INT, ENC_RAW } from '../../src/store/strings.js';
import type { RObject } from '../../src/store/database.js';
import { mulberry32 as rng } from '../helpers/prng.js';

let pair: Pair;

before(async () => {
  pair = await startPair(['--proto-max-bulk-len', '1mb'], { 'proto-max-bulk-len': '1mb' });
});

after(async () => {
  await pair.close();
});

const same = (...cmds: Cmd[]): Promise<void> => pair.same(...cmds);

const ENC_NAMES: Record<number, string> = { [ENC_RAW]: 'raw', [ENC_EMBSTR]: 'embstr', [ENC_INT]: 'int' };

/** OBJECT ENCODING on the oracle equals the encoding column of Respite's StringStore. */
async function sameEncoding(...keys: string[]): Promise<void> {
  const db = pair.respite.server.dbs[0];
  for (const key of keys) {
    const expected = await pair.o.call('OBJECT', 'ENCODING', key);
    const h = db.dict.get(key);
    const name = typeof h === 'number' ? ENC_NAMES[db.strings.encoding(h)] : undefined;
    const actual = name === undefined ? '$-1\r\n' : `$${name.length}\r\n${name}\r\n`;
    assert.equal(actual, expected, `OBJECT ENCODING ${key}`);
  }
}

/**
 * PEXPIRETIME on the oracle equals Respite's stored absolute expire time (-1 none, -2 no
 * key), within `slackMs` for relative TTLs set at slightly different moments.
 */
async function sameExpire(key: string, slackMs = 0): Promise<void> {
  const reply = await pair.o.call('PEXPIRETIME', key);
  const expected = Number(reply.slice(1, -2));
  const db = pair.respite.server.dbs[0];
  const actual = db.dict.get(key) === undefined ? -2 : db.getExpire(key);
  if (slackMs === 0 || expected < 0) assert.equal(actual, expected, `expire time of ${key}`);
  else assert.ok(Math.abs(actual - expected) <= slackMs, `expire time of ${key}: ${actual} vs ${expected}`);
}

/** Runs fn with both connections in RESP3 (HELLO on the oracle; the client's proto on Respite). */
async function inResp3(fn: () => Promise<void>): Promise<void> {
  const setProto = (p: 2 | 3): void => {
    for (const cl of pair.respite.server.clients.values()) cl.out.proto = p;
  };
  await pair.o.call('HELLO', '3');
  setProto(3);
  try {
    await fn();
  } finally {
    await pair.o.call('HELLO', '2');
    setProto(2);
  }
}

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

test('GET and SET store and return any bytes: empty, all 256 byte values, large values', async () => {
  await same(
    ['SET', 'gs:empty', ''],
    ['GET', 'gs:empty'],
    ['SET', '', 'empty key'],
    ['GET', ''],
    ['SET', ALL_BYTES, ALL_BYTES],
    ['GET', ALL_BYTES],
    ['SET', 'gs:bin', Buffer.concat([ALL_BYTES, ALL_BYTES, Buffer.from('\r\n$3\r\n')])],
    ['GET', 'gs:bin'],
    ['GET', 'gs:missing'],
    ['SET', 'gs:big', 'x'.repeat(100_000)],
    ['GET', 'gs:big'],
  );
});

test('SET overwrites a value in place across size changes and keeps the other keys intact', async () => {
  const sizes = [1, 44, 45, 100, 16_384, 16_385, 70_000, 3, 0, 20_000, 8, 5000];
  for (const [i, n] of sizes.entries()) {
    const v = String.fromCharCode(97 + (i % 26)).repeat(n);
    await same(['SET', 'ow:k', v], ['GET', 'ow:k'], ['SET', `ow:other${i}`, `o${i}`]);
  }
  for (let i = 0; i < sizes.length; i++) await same(['GET', `ow:other${i}`]);
  await same(['STRLEN', 'ow:k']);
});

test('SET option combinations: accepted or rejected with the same reply, value and expire time', async () => {
  const options: string[][] = [
    ['NX'],
    ['xx'],
    ['GET'],
    ['KEEPTTL'],
    ['EXAT', '99999999999'],
    ['pxat', '99999999999999'],
    ['EX', '100'],
    ['PERSIST'],
  ];
  let n = 0;
  for (const a of options) {
    for (const b of options) {
      for (const c of [[], ...options]) {
        const key = `setopt:${n++}`;
        const exists = n % 2 === 0;
        if (exists) await same(['SET', key, 'old', 'PXAT', '88888888888888']);
        const cmd = ['SET', key, 'new', ...a, ...b, ...c];
        await same(cmd, ['GET', key]);
        await sameExpire(key, cmd.includes('EX') ? 2000 : 0);
      }
    }
  }
});

test('SET options with a missing value or trailing junk are syntax errors', async () => {
  await same(
    ['SET', 'so:k', 'v', 'EX'],
    ['SET', 'so:k', 'v', 'PX'],
    ['SET', 'so:k', 'v', 'EXAT'],
    ['SET', 'so:k', 'v', 'PXAT'],
    ['SET', 'so:k', 'v', 'NX', 'EX'],
    ['SET', 'so:k', 'v', 'EX', '10', 'PX', '10'],
    ['SET', 'so:k', 'v', 'EX', '10', 'EX', '20'],
    ['SET', 'so:k', 'v', 'NX', 'XX'],
    ['SET', 'so:k', 'v', 'KEEPTTL', 'EX', '1'],
    ['SET', 'so:k', 'v', 'EX', '1', 'KEEPTTL'],
    ['SET', 'so:k', 'v', 'GET', 'GET', 'NX', 'NX'],
    ['SET', 'so:k', 'v', 'GETX'],
    ['SET', 'so:k', 'v', 'E'],
    ['SET', 'so:k', 'v', ''],
    ['SET', 'so:k', 'v', 'EX\0junk', '100'],
    ['SET', 'so:k', 'v', 'nx\0', 'get\0x'],
    ['GET', 'so:k'],
  );
  await sameExpire('so:k', 2000);
});

test('expire arguments: zero, negative, non-integer and overflowing values are rejected', async () => {
  const values = [
    '0',
    '-1',
    '1.5',
    ' 1',
    '1 ',
    '+1',
    '01',
    '',
    'abc',
    '9223372036854775',
    '9223372036854776',
    '9223372036854775807',
    '9223372036854775808',
    '-9223372036854775808',
    '9223372036854774',
    '9223372036000000000',
  ];
  for (const v of values) {
    for (const opt of ['EX', 'PX', 'EXAT', 'PXAT']) {
      const key = `exparg:${opt}:${v}`;
      await same(['SET', key, 'v', opt, v], ['GET', key]);
      await sameExpire(key, opt === 'EX' || opt === 'PX' ? 2000 : 0);
    }
    await same(['SETEX', `exparg:setex:${v}`, v, 'v'], ['PSETEX', `exparg:psetex:${v}`, v, 'v']);
    await same(
      ['SET', 'exparg:getex', 'v'],
      ['GETEX', 'exparg:getex', 'EX', v],
      ['GETEX', 'exparg:getex', 'PXAT', v],
    );
    await same(['GETEX', 'exparg:nokey', 'EX', v]);
  }
});

test('SET with an expire time makes the key expire; KEEPTTL keeps it and a plain SET clears it', async () => {
  await same(
    ['SET', 'ttl:a', 'v', 'PX', '50'],
    ['SET', 'ttl:b', 'v', 'EX', '100'],
    ['SETEX', 'ttl:c', '100', 'v'],
    ['PSETEX', 'ttl:d', '50', 'v'],
    ['SET', 'ttl:e', 'v', 'PXAT', '99999999999999'],
    ['SET', 'ttl:e', 'w', 'KEEPTTL'],
    ['SET', 'ttl:f', 'v', 'EXAT', '99999999999'],
    ['SET', 'ttl:f', 'w'],
    ['SET', 'ttl:g', 'v', 'PX', '50'],
    ['GETEX', 'ttl:h', 'PX', '50'],
    ['SET', 'ttl:h', 'v'],
    ['GETEX', 'ttl:h', 'PX', '50'],
  );
  await sameExpire('ttl:b', 2000);
  await sameExpire('ttl:c', 2000);
  await sameExpire('ttl:e');
  await sameExpire('ttl:f');
  await same(['GET', 'ttl:a'], ['GET', 'ttl:d'], ['GET', 'ttl:e'], ['GET', 'ttl:f']);
  await new Promise((r) => setTimeout(r, 120));
  await same(
    ['GET', 'ttl:a'],
    ['GET', 'ttl:d'],
    ['GET', 'ttl:b'],
    ['SET', 'ttl:g', 'again', 'NX'],
    ['GET', 'ttl:g'],
    ['GET', 'ttl:h'],
    ['SET', 'ttl:i', 'v', 'EXAT', '1'],
    ['GET', 'ttl:i'],
  );
  await sameExpire('ttl:g');
});

test('SET GET returns the old value, including when NX or XX stop the write', async () => {
  await same(
    ['SET', 'sg:a', 'new', 'GET'],
    ['GET', 'sg:a'],
    ['SET', 'sg:a', 'newer', 'GET', 'NX'],
    ['GET', 'sg:a'],
    ['SET', 'sg:a', 'newest', 'XX', 'GET'],
    ['GET', 'sg:a'],
    ['SET', 'sg:b', 'v', 'XX', 'GET'],
    ['GET', 'sg:b'],
    ['SET', 'sg:b', 'v', 'XX'],
    ['SET', 'sg:b', 'v', 'NX'],
    ['SET', 'sg:b', 'v', 'NX'],
    ['SET', 'sg:c', '1', 'GET', 'EX', '100'],
    ['SET', 'sg:c', '2', 'GET', 'PXAT', '99999999999999', 'XX'],
  );
  await sameExpire('sg:c');
});

test('SETNX, SETEX and PSETEX replies and errors', async () => {
  await same(
    ['SETNX', 'nx:a', 'v'],
    ['SETNX', 'nx:a', 'w'],
    ['GET', 'nx:a'],
    ['SETEX', 'nx:b', '100', ''],
    ['GET', 'nx:b'],
    ['SETEX', 'nx:b', '100'],
    ['SETEX', 'nx:b', '100', 'v', 'x'],
    ['PSETEX', 'nx:c', '100000', ALL_BYTES],
    ['GET', 'nx:c'],
    ['SETNX', 'nx:d'],
  );
  await sameExpire('nx:b', 2000);
  await sameExpire('nx:c', 2000);
});

test('MSET, MSETNX and MGET, including repeated keys and odd argument counts', async () => {
  await same(
    ['MSET', 'm:a', '1', 'm:b', '', 'm:c', ALL_BYTES],
    ['MGET', 'm:a', 'm:b', 'm:c', 'm:missing', 'm:a'],
    ['MSET', 'm:a', 'x', 'm:a', 'y'],
    ['GET', 'm:a'],
    ['MSET', 'm:a'],
    ['MSET', 'm:a', '1', 'm:b'],
    ['MSETNX', 'm:a', '1', 'm:b'],
    ['MSETNX', 'm:n1', '1', 'm:a', '2'],
    ['MGET', 'm:n1'],
    ['MSETNX', 'm:n1x', '1', 'm:n2', '2', 'm:n1x', '3'],
    ['MGET', 'm:n1x', 'm:n2'],
    ['MGET'],
    ['SET', 'm:ttl', 'v', 'PXAT', '99999999999999'],
    ['MSET', 'm:ttl', 'w'],
  );
  await sameExpire('m:ttl');
});

test('GETEX sets, replaces and removes expire times, and deletes on a past EXAT/PXAT', async () => {
  await same(
    ['SET', 'gx:a', 'v'],
    ['GETEX', 'gx:a'],
    ['GETEX', 'gx:a', 'PXAT', '99999999999999'],
    ['GETEX', 'gx:a', 'EXAT', '99999999998'],
    ['GETEX', 'gx:a', 'persist'],
    ['GETEX', 'gx:a', 'PERSIST', 'PERSIST'],
    ['GETEX', 'gx:a', 'PERSIST', 'EX', '10'],
    ['GETEX', 'gx:a', 'EX', '10', 'PERSIST'],
    ['GETEX', 'gx:a', 'EX', '10', 'EX', '20'],
    ['GETEX', 'gx:a', 'EX'],
    ['GETEX', 'gx:a', 'KEEPTTL'],
    ['GETEX', 'gx:a', 'NX'],
    ['GETEX', 'gx:a', 'GET'],
    ['GETEX', 'gx:missing', 'FOO'],
    ['GETEX', 'gx:missing', 'EX', 'x'],
    ['GETEX', 'gx:missing'],
  );
  await sameExpire('gx:a', 2000);
  await same(['GETEX', 'gx:a', 'PXAT', '99999999999999']);
  await sameExpire('gx:a');
  await same(['GETEX', 'gx:a', 'PERSIST']);
  await sameExpire('gx:a');
  await same(['GETEX', 'gx:a', 'EXAT', '1'], ['GET', 'gx:a'], ['GETEX', 'gx:a']);
  await same(['SET', 'gx:b', 'v'], ['GETEX', 'gx:b', 'PXAT', '1000'], ['GET', 'gx:b']);
});

test('GETDEL and GETSET return the old value; GETSET clears the TTL', async () => {
  await same(
    ['SET', 'gd:a', 'v', 'PXAT', '99999999999999'],
    ['GETDEL', 'gd:a'],
    ['GETDEL', 'gd:a'],
    ['GET', 'gd:a'],
    ['GETSET', 'gd:b', 'one'],
    ['SET', 'gd:b', 'two', 'KEEPTTL', 'PXAT', '99999999999999'],
    ['SET', 'gd:b', 'two', 'PXAT', '99999999999999'],
    ['GETSET', 'gd:b', ALL_BYTES],
    ['GET', 'gd:b'],
    ['GETDEL', 'gd:b', 'x'],
    ['GETSET', 'gd:b'],
  );
  await sameExpire('gd:b');
});

test('APPEND creates, extends in place and counts bytes, up to proto-max-bulk-len', async () => {
  await same(['APPEND', 'ap:a', ''], ['GET', 'ap:a'], ['APPEND', 'ap:a', 'x'], ['APPEND', 'ap:a', ALL_BYTES]);
  for (let i = 0; i < 300; i++) await same(['APPEND', 'ap:b', `chunk${i}-`.repeat(1 + (i % 7))]);
  await same(['GET', 'ap:b'], ['STRLEN', 'ap:b'], ['GET', 'ap:a']);
  await same(
    ['SET', 'ap:c', 'v', 'PXAT', '99999999999999'],
    ['APPEND', 'ap:c', 'w'],
    ['APPEND', 'ap:big', 'y'.repeat(1024 * 1024 - 10)],
    ['APPEND', 'ap:big', 'y'.repeat(10)],
    ['APPEND', 'ap:big', 'z'],
    ['APPEND', 'ap:big', ''],
    ['STRLEN', 'ap:big'],
    ['APPEND', 'ap:c'],
  );
  await sameExpire('ap:c');
});

test('STRLEN of strings, integers and missing keys', async () => {
  await same(
    ['SET', 'sl:a', 'hello'],
    ['STRLEN', 'sl:a'],
    ['SET', 'sl:n', '-9223372036854775808'],
    ['STRLEN', 'sl:n'],
    ['STRLEN', 'sl:missing'],
    ['STRLEN', ALL_BYTES],
    ['STRLEN'],
  );
});

test('GETRANGE and SUBSTR for every index combination, including int64 extremes', async () => {
  await same(
    ['SET', 'gr:s', 'hello world'],
    ['SET', 'gr:e', ''],
    ['SET', 'gr:i', '1234567890'],
    ['SET', 'gr:1', 'x'],
  );
  const idx = ['0', '1', '2', '5', '10', '11', '12', '-1', '-2', '-5', '-11', '-12', '-100', '100'];
  for (const key of ['gr:s', 'gr:e', 'gr:i', 'gr:1', 'gr:missing']) {
    for (const s of idx) for (const e of idx) await same(['GETRANGE', key, s, e]);
  }
  const extremes = [
    '9223372036854775807',
    '-9223372036854775808',
    '9007199254740993',
    '-9007199254740995',
    '-9007199254740996',
  ];
  for (const s of [...extremes, '0', '-1']) {
    for (const e of [...extremes, '0', '-1'])
      await same(['GETRANGE', 'gr:s', s, e], ['SUBSTR', 'gr:i', s, e]);
  }
  await same(
    ['GETRANGE', 'gr:s', '9223372036854775808', '1'],
    ['GETRANGE', 'gr:s', '1', 'x'],
    ['GETRANGE', 'gr:missing', 'x', '1'],
    ['GETRANGE', 'gr:s', '01', '1'],
    ['GETRANGE', 'gr:s', '1'],
    ['SUBSTR', 'gr:s', '1', '2', '3'],
  );
});

test('SETRANGE pads with zero bytes, overwrites in place and checks offsets and sizes', async () => {
  await same(
    ['SETRANGE', 'sr:a', '0', ''],
    ['GET', 'sr:a'],
    ['SETRANGE', 'sr:a', '5', ''],
    ['SETRANGE', 'sr:a', '5', 'hello'],
    ['GET', 'sr:a'],
    ['SETRANGE', 'sr:a', '0', 'HE'],
    ['SETRANGE', 'sr:a', '8', 'LOOOOOO'],
    ['GET', 'sr:a'],
    ['SETRANGE', 'sr:a', '3', ''],
    ['SETRANGE', 'sr:a', '-1', 'x'],
    ['SETRANGE', 'sr:a', 'x', 'x'],
    ['SETRANGE', 'sr:a', '1.5', 'x'],
    ['SETRANGE', 'sr:a', '9223372036854775807', 'x'],
    ['SETRANGE', 'sr:a', '9223372036854775808', 'x'],
    ['SETRANGE', 'sr:a', '1048575', 'x'],
    ['STRLEN', 'sr:a'],
    ['SETRANGE', 'sr:a', '1048576', 'x'],
    ['SETRANGE', 'sr:a', '1048575', 'xy'],
    ['SETRANGE', 'sr:b', '1048576', ''],
    ['SETRANGE', 'sr:b', '1048576', 'x'],
    ['SETRANGE', 'sr:b', '-1', ''],
    ['SETRANGE', 'sr:b', '100', ALL_BYTES],
    ['GET', 'sr:b'],
    ['SET', 'sr:c', '12345', 'PXAT', '99999999999999'],
    ['SETRANGE', 'sr:c', '2', 'ab'],
    ['GET', 'sr:c'],
    ['SETRANGE', 'sr:c', '2'],
  );
  await sameExpire('sr:c');
});

test('INCR, DECR, INCRBY and DECRBY: exact int64 arithmetic, overflow and parse errors', async () => {
  await same(
    ['INCR', 'in:a'],
    ['DECR', 'in:a'],
    ['DECR', 'in:a'],
    ['INCRBY', 'in:a', '9223372036854775807'],
    ['INCRBY', 'in:b', '9223372036854775807'],
    ['INCR', 'in:b'],
    ['INCRBY', 'in:b', '-9223372036854775807'],
    ['INCRBY', 'in:b', '-9223372036854775807'],
    ['DECR', 'in:b'],
    ['DECR', 'in:b'],
    ['DECRBY', 'in:b', '1'],
    ['DECRBY', 'in:b', '-9223372036854775808'],
    ['DECRBY', 'in:c', '-9223372036854775807'],
    ['DECRBY', 'in:c', '9223372036854775807'],
    ['SET', 'in:d', '9007199254740991'],
    ['INCR', 'in:d'],
    ['INCR', 'in:d'],
    ['INCRBY', 'in:d', '9007199254740993'],
    ['DECRBY', 'in:d', '18014398509481985'],
    ['DECRBY', 'in:d', '18014398509481985'],
    ['INCRBY', 'in:d', '-9223372036854775808'],
    ['INCRBY', 'in:d', '-9223372036854775808'],
    ['INCRBY', 'in:e', '9223372036854775808'],
    ['INCRBY', 'in:e', '1.0'],
    ['INCRBY', 'in:e', '+1'],
    ['INCRBY', 'in:e', '01'],
    ['INCRBY', 'in:e', ' 1'],
    ['INCRBY', 'in:e', ''],
    ['INCRBY', 'in:e', '-0'],
    ['DECRBY', 'in:e', 'abc'],
    ['INCRBY', 'in:e', '0'],
    ['INCR', 'in:e', 'x'],
    ['INCRBY', 'in:e'],
  );
  const stored = [
    '01',
    ' 1',
    '1 ',
    '+1',
    '-0',
    '1.0',
    '',
    '1e3',
    '9223372036854775807',
    '9223372036854775808',
    '-9223372036854775808',
    '-9223372036854775809',
    '00000000000000000001',
    '123456789012345678901',
    'abc',
    '\x001',
  ];
  for (const v of stored) {
    await same(['SET', 'in:v', v], ['INCR', 'in:v'], ['GET', 'in:v']);
    await same(['SET', 'in:v', v], ['DECR', 'in:v'], ['DECRBY', 'in:v', '-5'], ['GET', 'in:v']);
  }
  await same(['SET', 'in:t', '10', 'PXAT', '99999999999999'], ['INCRBY', 'in:t', '5'], ['DECR', 'in:t']);
  await sameExpire('in:t');
});

test('INCRBYFLOAT edge values: long double results, inf, nan, overflow, underflow, hex, -0', async () => {
  const steps = [
    '10.5',
    '0.1',
    '3.0e3',
    '5.0e3',
    '1e308',
    '1e308',
    '-1e308',
    '-1e308',
    'inf',
    '-inf',
    'INF',
    '+Infinity',
    'nan',
    'NaN',
    '1e5000',
    '-1e5000',
    '1e-5000',
    '4e-4940',
    '-0',
    '0x10',
    '0x1.8p1',
    '0X.8P-1',
    '0x1p',
    ' 1',
    '1 ',
    '+1',
    '.5',
    '5.',
    '.',
    '1e',
    '1e+',
    '0x',
    '--1',
    '',
    '1\x002',
    '3.0000000000000004',
    '1.5e-7',
    '-1.5e-7',
    '1e-17',
    '5e-18',
    '-30.60000000000000000',
    '123456789012345678901234567890',
    '-123456789012345678901234567890',
    '0.00000000000000001',
    '1e4931',
    '1.18e4932',
    '-1e4931',
    '9999999999999999999999',
    '1' + '0'.repeat(5000),
    '1' + '0'.repeat(5200),
  ];
  for (const s of steps) await same(['INCRBYFLOAT', 'ibf:a', s], ['GET', 'ibf:a']);
  await sameEncoding('ibf:a');
  const stored = [
    '1e308',
    '0x1p3',
    'inf',
    '-inf',
    ' 1',
    '1.5 ',
    '',
    '1e-5000',
    '12',
    '1'.repeat(5119),
    '1'.repeat(5120),
  ];
  for (const v of stored) await same(['SET', 'ibf:b', v], ['INCRBYFLOAT', 'ibf:b', '1'], ['GET', 'ibf:b']);
  await same(
    ['SET', 'ibf:c', '1.5', 'PXAT', '99999999999999'],
    ['INCRBYFLOAT', 'ibf:c', '1'],
    ['INCRBYFLOAT', 'ibf:c'],
    ['INCRBYFLOAT', 'ibf:c', '1', '2'],
  );
  await sameExpire('ibf:c');
  await sameEncoding('ibf:c');
});

/** A random float literal in one of the syntaxes strtold accepts (and a few it rejects). */
function randomFloatLiteral(r: () => number): string {
  const digits = (n: number): string => {
    let s = '';
    for (let i = 0; i < n; i++) s += Math.floor(r() * 10);
    return s;
  };
  const sign = r() < 0.4 ? '-' : r() < 0.1 ? '+' : '';
  const k = r();
  if (k < 0.05)
    return (
      sign +
      '0x' +
      Math.floor(r() * 1e6).toString(16) +
      '.' +
      'a8'.slice(0, 1 + Math.floor(r() * 2)) +
      'p' +
      (Math.floor(r() * 80) - 40)
    );
  if (k < 0.08) return ['inf', '1e', '.', 'x', '1.2.3', '5e-99999', '1e99999'][Math.floor(r() * 7)];
  let s = sign + digits(1 + Math.floor(r() * (r() < 0.2 ? 25 : 6)));
  if (r() < 0.7) s += '.' + digits(Math.floor(r() * (r() < 0.3 ? 25 : 4)));
  if (r() < 0.35) {
    const range = r() < 0.1 ? 4000 : r() < 0.3 ? 300 : 25;
    s += 'e' + (Math.floor(r() * 2 * range) - range);
  }
  return s;
}

test('INCRBYFLOAT matches the oracle over a long random walk (x87 long double arithmetic)', async () => {
  const r = rng(20240601);
  for (let i = 0; i < 600; i++) {
    if (i % 8 === 0)
      await same(['SET', 'ibfw:k', r() < 0.5 ? String(Math.floor(r() * 1e6)) : randomFloatLiteral(r)]);
    await same(['INCRBYFLOAT', 'ibfw:k', randomFloatLiteral(r)]);
  }
  await same(['GET', 'ibfw:k']);
});

test('LCS: string, LEN and IDX replies with MINMATCHLEN and WITHMATCHLEN, in RESP2 and RESP3', async () => {
  await same(['MSET', 'lcs:a', 'ohmytext', 'lcs:b', 'mynewtext', 'lcs:e', '', 'lcs:bin', ALL_BYTES]);
  const variants: string[][] = [
    [],
    ['LEN'],
    ['IDX'],
    ['IDX', 'WITHMATCHLEN'],
    ['IDX', 'MINMATCHLEN', '4'],
    ['IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'],
    ['idx', 'minmatchlen', '-5', 'withmatchlen'],
    ['LEN', 'MINMATCHLEN', '2'],
    ['WITHMATCHLEN'],
    ['MINMATCHLEN', '3'],
    ['LEN', 'IDX'],
    ['IDX', 'LEN'],
    ['MINMATCHLEN'],
    ['MINMATCHLEN', 'x'],
    ['MINMATCHLEN', '1.5'],
    ['FOO'],
    ['IDX', 'IDX', 'LEN\0x'],
  ];
  const pairs = [
    ['lcs:a', 'lcs:b'],
    ['lcs:b', 'lcs:a'],
    ['lcs:a', 'lcs:a'],
    ['lcs:a', 'lcs:e'],
    ['lcs:missing', 'lcs:b'],
    ['lcs:missing', 'lcs:missing2'],
    ['lcs:bin', 'lcs:a'],
    ['lcs:bin', 'lcs:bin'],
  ];
  const run = async (): Promise<void> => {
    for (const [x, y] of pairs) for (const v of variants) await same(['LCS', x, y, ...v]);
  };
  await run();
  await inResp3(run);
  await same(['LCS', 'lcs:a'], ['LCS']);
});

test('LCS matches the oracle on random strings', async () => {
  const r = rng(7);
  const word = (alphabet: string, n: number): string => {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(r() * alphabet.length)];
    return s;
  };
  const opts: string[][] = [
    [],
    ['LEN'],
    ['IDX'],
    ['IDX', 'WITHMATCHLEN'],
    ['IDX', 'MINMATCHLEN', '2', 'WITHMATCHLEN'],
  ];
  for (let i = 0; i < 60; i++) {
    const alphabet = ['ab', 'abc', 'acgt', 'abcdefghij'][i % 4];
    await same([
      'MSET',
      'lcsr:a',
      word(alphabet, Math.floor(r() * 40)),
      'lcsr:b',
      word(alphabet, Math.floor(r() * 40)),
    ]);
    for (const o of opts) await same(['LCS', 'lcsr:a', 'lcsr:b', ...o]);
  }
  await inResp3(async () => {
    await same(['MSET', 'lcsr:a', word('acgt', 60), 'lcsr:b', word('acgt', 60)]);
    for (const o of opts) await same(['LCS', 'lcsr:a', 'lcsr:b', ...o]);
  });
});

test('LCS refuses a table larger than proto-max-bulk-len', async () => {
  await same(
    ['MSET', 'lcsm:a', 'a'.repeat(600), 'lcsm:b', 'a'.repeat(600)],
    ['LCS', 'lcsm:a', 'lcsm:b', 'LEN'],
    ['SET', 'lcsm:b', 'a'.repeat(400)],
    ['LCS', 'lcsm:a', 'lcsm:b', 'LEN'],
    ['LCS', 'lcsm:a', 'lcsm:b', 'LEN', 'IDX'],
  );
});

test('RESP3 replies: null for missing keys and aborted SETs, bulk strings otherwise', async () => {
  await inResp3(async () => {
    await same(
      ['GET', 'r3:missing'],
      ['SET', 'r3:a', 'v'],
      ['SET', 'r3:a', 'v', 'NX'],
      ['SET', 'r3:b', 'v', 'XX', 'GET'],
      ['SET', 'r3:a', 'w', 'GET'],
      ['MGET', 'r3:a', 'r3:missing'],
      ['GETEX', 'r3:missing'],
      ['GETDEL', 'r3:missing'],
      ['GETSET', 'r3:c', 'x'],
      ['GETRANGE', 'r3:missing', '0', '-1'],
      ['INCRBYFLOAT', 'r3:f', '1.5'],
      ['INCR', 'r3:n'],
      ['SETNX', 'r3:n', '1'],
    );
  });
});

test('OBJECT ENCODING after every kind of write matches the oracle', async () => {
  const values = [
    '0',
    '1',
    '9999',
    '10000',
    '-1',
    '-0',
    '01',
    '+1',
    ' 1',
    '9223372036854775807',
    '9223372036854775808',
    '-9223372036854775808',
    '12345678901234567890',
    '1.5',
    '',
    'x'.repeat(44),
    'x'.repeat(45),
    'x'.repeat(100),
  ];
  for (const [i, v] of values.entries()) {
    const k = `enc:${i}`;
    await same(
      ['SET', `${k}:set`, v],
      ['SET', `${k}:setex`, v, 'EX', '100'],
      ['SETNX', `${k}:setnx`, v],
      ['SETEX', `${k}:setex2`, '100', v],
      ['GETSET', `${k}:getset`, v],
      ['MSET', `${k}:mset`, v],
      ['APPEND', `${k}:append-new`, v],
      ['SET', `${k}:append-old`, v],
      ['APPEND', `${k}:append-old`, ''],
      ['SET', `${k}:setrange`, v],
      ['SETRANGE', `${k}:setrange`, '0', 'a'],
      ['SET', `${k}:setrange0`, v],
      ['SETRANGE', `${k}:setrange0`, '0', ''],
      ['SETRANGE', `${k}:setrange-new`, '2', v],
      ['SET', `${k}:incr`, v],
      ['INCR', `${k}:incr`],
      ['SET', `${k}:ibf`, v],
      ['INCRBYFLOAT', `${k}:ibf`, '0'],
      ['SET', `${k}:ow`, 'x'.repeat(100)],
      ['SET', `${k}:ow`, v],
    );
    await sameEncoding(
      `${k}:set`,
      `${k}:setex`,
      `${k}:setnx`,
      `${k}:setex2`,
      `${k}:getset`,
      `${k}:mset`,
      `${k}:append-new`,
      `${k}:append-old`,
      `${k}:setrange`,
      `${k}:setrange0`,
      `${k}:setrange-new`,
      `${k}:incr`,
      `${k}:ibf`,
      `${k}:ow`,
    );
  }
  await same(
    ['INCR', 'enc:fresh'],
    ['INCRBYFLOAT', 'enc:fresh-f', '1'],
    ['INCRBYFLOAT', 'enc:fresh-g', '1e40'],
  );
  await sameEncoding('enc:fresh', 'enc:fresh-f', 'enc:fresh-g');
});

test('wrong number of arguments for every string command', async () => {
  const cmds: Cmd[] = [
    ['GET'],
    ['GET', 'a', 'b'],
    ['SET', 'a'],
    ['SETNX', 'a'],
    ['SETEX', 'a', '1'],
    ['PSETEX', 'a', '1'],
    ['GETEX'],
    ['GETDEL'],
    ['GETDEL', 'a', 'b'],
    ['GETSET', 'a'],
    ['MGET'],
    ['MSET'],
    ['MSET', 'a'],
    ['MSETNX', 'a'],
    ['APPEND', 'a'],
    ['STRLEN', 'a', 'b'],
    ['GETRANGE', 'a', '1'],
    ['SUBSTR', 'a'],
    ['SETRANGE', 'a', '1'],
    ['INCR'],
    ['DECR', 'a', 'b'],
    ['INCRBY', 'a'],
    ['DECRBY', 'a', '1', '2'],
    ['INCRBYFLOAT', 'a'],
    ['LCS', 'a'],
    ['get'],
    ['gEtRaNgE'],
  ];
  await same(...cmds);
});

/**
 * A key of another type: a real list on the oracle, a stand-in object on Respite (no other
 * type exists yet; string commands only look at the value's type).
 */
async function makeList(key: string): Promise<void> {
  await pair.o.call('LPUSH', key, 'x');
  const fake: RObject = {
    type: 'list',
    lru: 0,
    encoding: () => 'quicklist',
    clone: () => fake,
    memoryUsage: () => 0,
  };
  pair.respite.server.dbs[0].add(key, fake);
}

test('WRONGTYPE from every string command on a key of another type; SET and MSET replace it', async () => {
  const cmds: Cmd[] = [
    ['GET', 'K'],
    ['SET', 'K', 'v', 'GET'],
    ['SET', 'K', 'v', 'GET', 'NX'],
    ['SET', 'K', 'v', 'EX', 'x', 'GET'],
    ['SET', 'K', 'v', 'NX'],
    ['SET', 'K', 'v', 'XX', 'KEEPTTL'],
    ['SETNX', 'K', 'v'],
    ['GETEX', 'K'],
    ['GETEX', 'K', 'EX', 'x'],
    ['GETEX', 'K', 'BAD'],
    ['GETDEL', 'K'],
    ['GETSET', 'K', 'v'],
    ['MGET', 'K', 'K'],
    ['MSETNX', 'K', 'v', 'other', 'v'],
    ['APPEND', 'K', 'v'],
    ['APPEND', 'K', ''],
    ['STRLEN', 'K'],
    ['GETRANGE', 'K', '0', '-1'],
    ['GETRANGE', 'K', 'x', '-1'],
    ['SUBSTR', 'K', '0', '-1'],
    ['SETRANGE', 'K', '0', 'v'],
    ['SETRANGE', 'K', '0', ''],
    ['SETRANGE', 'K', '-1', 'v'],
    ['INCR', 'K'],
    ['DECR', 'K'],
    ['INCRBY', 'K', '1'],
    ['INCRBY', 'K', 'x'],
    ['DECRBY', 'K', '-9223372036854775808'],
    ['INCRBYFLOAT', 'K', '1'],
    ['INCRBYFLOAT', 'K', 'x'],
    ['LCS', 'K', 'wt:missing'],
    ['LCS', 'wt:missing', 'K', 'BAD'],
  ];
  for (const [i, cmd] of cmds.entries()) {
    const key = `wt:${i}`;
    await makeList(key);
    await same(cmd.map((a) => (a === 'K' ? key : a)));
  }
  for (const cmd of [
    ['SET', 'K', 'v'],
    ['SET', 'K', 'v', 'XX', 'EX', '100'],
    ['MSET', 'K', 'v'],
    ['SETEX', 'K', '100', 'v'],
  ]) {
    const key = `wt:replace:${cmd.length}:${cmd[0]}`;
    await makeList(key);
    await same(
      cmd.map((a) => (a === 'K' ? key : a)),
      ['GET', key],
      ['APPEND', key, 'w'],
    );
    await sameExpire(key, 2000);
  }
});
