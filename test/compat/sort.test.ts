/**
 * SORT and SORT_RO against the oracle, byte for byte: every option and error, each source
 * type and encoding, BY/GET patterns (keys, hash fields, `#`, missing keys), STORE with its
 * keyspace events and dirty count, RESP3. Hashtable sets iterate in hash order, so with them
 * only fully determined sorts are compared exactly (BY nosort replies as multisets).
 */
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startPair, fmt, type Cmd, type Pair } from '../helpers/compat.js';
import { RawClient } from '../helpers/raw-client.js';
import { configBoth, resetBoth, sameEncoding, sameUnordered } from '../helpers/unordered.js';
import { NOTIFY_KEY_MISS, NOTIFY_NEW } from '../../src/server/notify.js';

let pair: Pair;
let sub: RawClient;
const events: string[] = [];

before(async () => {
  pair = await startPair(['--notify-keyspace-events', 'KEA']);
  sub = await RawClient.connect(pair.oracle.port);
  await sub.call('PSUBSCRIBE', '__keyevent@0__:*');
  pair.respite.server.notifyKeyspaceEvent = (type: number, event: string, key: string): void => {
    if (type !== NOTIFY_NEW && type !== NOTIFY_KEY_MISS) events.push(`${event} ${key}`);
  };
});

after(async () => {
  sub.close();
  await pair.close();
});

beforeEach(async () => {
  await resetBoth(pair);
  await oracleEvents();
  events.length = 0;
});

/** Oracle keyevent messages up to a marker: "event key" strings. */
async function oracleEvents(): Promise<string[]> {
  await pair.o.call('PUBLISH', '__keyevent@0__:__marker__', 'x');
  const out: string[] = [];
  for (;;) {
    const raw = await sub.read();
    // *4 $8 pmessage $pattern $channel $key: take the last two bulks.
    const parts = raw.split('\r\n');
    const channel = parts[6];
    const key = parts[8];
    const event = channel.slice('__keyevent@0__:'.length);
    if (event === '__marker__') return out;
    out.push(`${event} ${key}`);
  }
}

async function oracleDirty(): Promise<number> {
  const info = await pair.o.call('INFO', 'persistence');
  return Number(/rdb_changes_since_last_save:(\d+)/.exec(info)![1]);
}

/** Runs cmd on both, comparing the reply, the keyspace events and the dirty increment. */
async function sameEffects(...cmds: Cmd[]): Promise<void> {
  const server = pair.respite.server;
  for (const cmd of cmds) {
    events.length = 0;
    const od = await oracleDirty();
    const rd = server.dirty;
    const [a, b] = await pair.both(...cmd);
    assert.equal(b, a, `reply to ${fmt(cmd)}`);
    assert.deepEqual(events, await oracleEvents(), `events of ${fmt(cmd)}`);
    assert.equal(server.dirty - rd, (await oracleDirty()) - od, `dirty of ${fmt(cmd)}`);
  }
}

const NUMS = ['3', '-1', '10', '2.5', '-inf', '+inf', '0x10', '  7', '1e3', '', '0', '-0', '3', '10'];

test('numeric sort of a list: floats, infinities, hex, leading spaces, empty, duplicates, ASC/DESC', async () => {
  await pair.same(['RPUSH', 'l', ...NUMS]);
  await pair.same(
    ['SORT', 'l'],
    ['SORT', 'l', 'ASC'],
    ['SORT', 'l', 'DESC'],
    ['sort', 'l', 'desc', 'asc'],
    ['SORT_RO', 'l'],
    ['SORT_RO', 'l', 'DESC'],
  );
});

test('numeric sort errors on values strtod rejects, after parsing the options', async () => {
  for (const bad of ['abc', 'nan', '1e500', '-1e500', '1e-400', ' ', '1 ', '1x', '--1']) {
    await resetBoth(pair);
    await pair.same(['RPUSH', 'l', '1', bad, '2'], ['SORT', 'l'], ['SORT', 'l', 'LIMIT', '0', '1']);
    await pair.same(['SORT', 'l', 'STORE', 'dst'], ['EXISTS', 'dst'], ['SORT', 'l', 'ALPHA']);
  }
  await pair.same(['RPUSH', 'e', '1', 'a\x002', '\x00x'], ['SORT', 'e']);
  // Redis never clears errno before strtod, so its ERANGE from 1e500 would make every later
  // non-integer weight fail until some syscall resets it: accepting a connection does.
  const fresh = await RawClient.connect(pair.oracle.port);
  assert.equal(await fresh.call('PING'), '+PONG\r\n');
  fresh.close();
});

test('ALPHA sorts by bytes, with and without STORE', async () => {
  const els = ['b', 'a', 'ab', 'B', '\xff', '\x01', 'A0', 'a\x00z', '10', '9', 'ä'];
  await pair.same(['RPUSH', 'l', ...els]);
  await pair.same(
    ['SORT', 'l', 'ALPHA'],
    ['SORT', 'l', 'ALPHA', 'DESC'],
    ['SORT', 'l', 'alpha', 'LIMIT', '2', '3'],
    ['SORT', 'l', 'ALPHA', 'STORE', 'dst'],
    ['LRANGE', 'dst', '0', '-1'],
    ['SORT', 'l', 'ALPHA', 'DESC', 'STORE', 'dst'],
    ['LRANGE', 'dst', '0', '-1'],
  );
});

test('LIMIT edge values: zero, negative offset and count, past the end, huge', async () => {
  await pair.same(['RPUSH', 'l', '5', '3', '9', '1', '7']);
  const limits: [string, string][] = [
    ['0', '0'],
    ['0', '1'],
    ['0', '-1'],
    ['0', '-5'],
    ['-1', '2'],
    ['-10', '-10'],
    ['2', '-1'],
    ['2', '2'],
    ['4', '10'],
    ['5', '1'],
    ['10', '5'],
    ['1', '9223372036854775807'],
    ['9223372036854775807', '9223372036854775807'],
    ['-9223372036854775808', '3'],
  ];
  for (const [o, n] of limits) {
    await pair.same(
      ['SORT', 'l', 'LIMIT', o, n],
      ['SORT', 'l', 'LIMIT', o, n, 'DESC'],
      ['SORT', 'l', 'BY', 'nosort', 'LIMIT', o, n],
      ['SORT', 'l', 'BY', 'nosort', 'LIMIT', o, n, 'DESC'],
      ['SORT', 'l', 'LIMIT', o, n, 'GET', '#', 'GET', 'x'],
      ['SORT', 'missing', 'LIMIT', o, n],
    );
  }
  await pair.same(
    ['SORT', 'l', 'LIMIT', '0', 'x'],
    ['SORT', 'l', 'LIMIT', '1.5', '1'],
    ['SORT', 'l', 'LIMIT', '0', '99999999999999999999'],
    ['SORT', 'l', 'LIMIT', '0'],
    ['SORT', 'l', 'LIMIT'],
    ['SORT', 'l', 'LIMIT', '0', '1', 'LIMIT', '1', '2'],
  );
});

test('syntax errors, WRONGTYPE, missing keys and arity', async () => {
  await pair.same(
    ['SET', 'str', '1'],
    ['HSET', 'h', 'f', 'v'],
    ['RPUSH', 'l', '2', '1'],
    ['SORT', 'str'],
    ['SORT', 'h'],
    ['SORT_RO', 'str'],
    ['SORT', 'str', 'BADOPT'],
    ['SORT', 'l', 'BADOPT'],
    ['SORT', 'l', 'BY'],
    ['SORT', 'l', 'GET'],
    ['SORT', 'l', 'STORE'],
    ['SORT', 'l', 'ALPHA', 'x'],
    ['SORT_RO', 'l', 'STORE', 'dst'],
    ['EXISTS', 'dst'],
    ['SORT', 'missing'],
    ['SORT', 'missing', 'STORE', 'dst'],
    ['SORT', 'missing', 'BY', 'nosort', 'DESC', 'GET', '#'],
    ['SORT'],
    ['SORT_RO'],
  );
});

test('BY weight keys: missing weights count as 0, ties broken by element bytes', async () => {
  await pair.same(
    ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e', 'f'],
    ['MSET', 'w_a', '3', 'w_b', '1', 'w_c', '3', 'w_d', '-2', 'w_f', '1.5'],
    ['SORT', 'l', 'BY', 'w_*'],
    ['SORT', 'l', 'BY', 'w_*', 'DESC'],
    ['SORT', 'l', 'BY', 'w_*', 'LIMIT', '1', '3'],
    ['SORT', 'l', 'BY', 'w_*', 'LIMIT', '1', '3', 'DESC'],
    ['SORT', 'l', 'BY', '*'],
    ['SET', 'w_e', 'bad'],
    ['SORT', 'l', 'BY', 'w_*'],
    ['SORT', 'l', 'BY', 'w_*', 'ALPHA'],
    ['SORT', 'l', 'BY', 'w_*', 'ALPHA', 'DESC'],
    ['SORT', 'l', 'BY', 'w_*', 'ALPHA', 'STORE', 'dst'],
    ['LRANGE', 'dst', '0', '-1'],
    // Only the first '*' is substituted.
    ['SET', 'x_a_*', '9'],
    ['SORT', 'l', 'BY', 'x_*_*', 'DESC'],
  );
});

test('BY hash fields with ->, and patterns where -> is not a field', async () => {
  await pair.same(
    ['RPUSH', 'l', '1', '2', '3', '4'],
    ['HSET', 'h_1', 'w', '30', 'n', 'one'],
    ['HSET', 'h_2', 'w', '10', 'n', 'two'],
    ['HSET', 'h_3', 'w', '20'],
    ['SET', 'h_4', '5'],
    ['SORT', 'l', 'BY', 'h_*->w'],
    ['SORT', 'l', 'BY', 'h_*->w', 'DESC', 'GET', '#', 'GET', 'h_*->n'],
    ['SORT', 'l', 'BY', 'h_*->n', 'ALPHA'],
    ['SORT', 'l', 'BY', 'h_*->missing'],
    ['SORT', 'l', 'BY', 'h_*->', 'DESC'],
    ['SET', 'k_1->', '8'],
    ['SORT', 'l', 'BY', 'k_*->', 'DESC'],
    ['SORT', 'l', 'GET', 'k_*->'],
    ['SORT', 'l', 'BY', 'h->*', 'DESC'],
  );
});

test('GET patterns: #, string keys, hash fields, missing keys and wrong types are nil', async () => {
  await pair.same(
    ['RPUSH', 'l', '3', '1', '2'],
    ['MSET', 'o_1', 'one', 'o_3', 'three', 'o_2', '\x00bin\xff'],
    ['RPUSH', 'o_x', 'list'],
    ['HSET', 'hh_1', 'f', 'F1'],
    ['RPUSH', 'o_4', 'x'],
    ['SORT', 'l', 'GET', 'o_*'],
    ['SORT', 'l', 'GET', '#', 'GET', 'o_*', 'GET', 'hh_*->f', 'GET', 'nostar', 'GET', '#'],
    ['SORT', 'l', 'GET', 'o_*->f'],
    ['SORT', 'l', 'GET', 'hh_*'],
    ['SORT', 'l', 'GET', '##'],
    ['SORT', 'l', 'DESC', 'LIMIT', '0', '2', 'GET', 'o_*', 'GET', '#'],
    ['SORT', 'l', 'BY', 'nosort', 'GET', 'o_*'],
    ['SORT', 'l', 'GET', '#', 'STORE', 'dst'],
    ['LRANGE', 'dst', '0', '-1'],
    ['SORT', 'l', 'GET', 'o_*', 'GET', 'hh_*->f', 'STORE', 'dst'],
    ['LRANGE', 'dst', '0', '-1'],
  );
});

test('patterns are scanned as C strings: a NUL byte hides later * and ->', async () => {
  await pair.same(
    ['RPUSH', 'l', '2', '3', '1'],
    ['MSET', 'w_\x001', '9', 'w_1', '5', 'w_2', '1', 'w_3', '3', 'o_1\x00x', 'hidden', 'o_1', 'one'],
    ['HSET', 'h_1', 'f\x00', 'nulfield', 'f', 'plain'],
    ['SORT', 'l', 'BY', 'w_\x00*'],
    ['SORT', 'l', 'BY', 'w_\x00*', 'DESC'],
    ['SORT', 'l', 'BY', 'w_*\x00'],
    ['SORT', 'l', 'GET', 'o_*\x00x', 'GET', '#\x00', 'GET', '#\x00x', 'GET', 'h_*->f\x00'],
    ['SORT', 'l', 'GET', 'h_*-\x00>f', 'GET', 'h_*->\x00', 'GET', '\x00*'],
  );
});

test('BY nosort keeps list order (DESC reverses it) and sorted-set order with LIMIT', async () => {
  await pair.same(
    ['RPUSH', 'l', 'c', 'a', 'b', '10', '2'],
    ['SORT', 'l', 'BY', 'nosort'],
    ['SORT', 'l', 'BY', 'nosort', 'DESC'],
    ['SORT', 'l', 'BY', 'nosort', 'LIMIT', '1', '2'],
    ['SORT', 'l', 'BY', 'nosort', 'LIMIT', '1', '2', 'DESC'],
    ['SORT', 'l', 'BY', 'nosort', 'STORE', 'dst'],
    ['LRANGE', 'dst', '0', '-1'],
    ['ZADD', 'z', '1', 'x', '2', 'b', '3', 'a', '4', 'zz', '5', 'm'],
    ['SORT', 'z', 'BY', 'nosort'],
    ['SORT', 'z', 'BY', 'nosort', 'DESC'],
    ['SORT', 'z', 'BY', 'nosort', 'LIMIT', '1', '3'],
    ['SORT', 'z', 'BY', 'nosort', 'LIMIT', '1', '3', 'DESC'],
    ['SORT', 'z', 'BY', 'nosort', 'LIMIT', '4', '10', 'DESC'],
    ['SORT', 'z', 'BY', 'nosort', 'LIMIT', '0', '0'],
    ['SORT', 'z', 'BY', 'nosort', 'STORE', 'dst'],
    ['LRANGE', 'dst', '0', '-1'],
  );
});

test('sorted sets in both encodings; SORT leaves a listpack sorted set as a skiplist', async () => {
  for (const n of [5, 200]) {
    await resetBoth(pair);
    const args: string[] = [];
    for (let i = 0; i < n; i++) args.push(String((i * 37) % n), String(i * 3 - 50));
    await pair.same(['ZADD', 'z', ...args]);
    await sameEncoding(pair, 'z');
    await pair.same(
      ['SORT_RO', 'z'],
      ['SORT', 'z', 'DESC', 'LIMIT', '3', '4'],
      ['SORT', 'z', 'ALPHA'],
      ['SORT', 'z', 'ALPHA', 'DESC', 'STORE', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['SORT', 'z', 'BY', 'nosort', 'LIMIT', '2', '5', 'DESC'],
    );
    await sameEncoding(pair, 'z');
  }
});

test('sets: intset numeric and nosort order, hashtable sorted exactly, nosort as a multiset', async () => {
  await pair.same(['SADD', 'si', '5', '-3', '100', '0', '42', '7'], ['OBJECT', 'ENCODING', 'si']);
  await pair.same(
    ['SORT', 'si'],
    ['SORT', 'si', 'DESC', 'LIMIT', '1', '3'],
    ['SORT', 'si', 'ALPHA'],
    ['SORT', 'si', 'BY', 'nosort'],
    ['SORT', 'si', 'BY', 'nosort', 'DESC', 'LIMIT', '1', '2'],
    // STORE of a set without a sort order sorts ALPHA for determinism.
    ['SORT', 'si', 'BY', 'nosort', 'STORE', 'dst'],
    ['LRANGE', 'dst', '0', '-1'],
  );
  const members: string[] = [];
  for (let i = 0; i < 150; i++) members.push(i % 3 === 0 ? `m${i}` : String(i * 11 - 700));
  await pair.same(['SADD', 'sh', ...members], ['OBJECT', 'ENCODING', 'sh']);
  for (let i = 0; i < 150; i += 7) await pair.same(['SET', `w_${members[i]}`, String(1000 - i)]);
  await pair.same(
    ['SORT', 'sh', 'ALPHA'],
    ['SORT', 'sh', 'ALPHA', 'DESC', 'LIMIT', '10', '20'],
    ['SORT', 'sh', 'BY', 'w_*', 'LIMIT', '0', '30', 'GET', '#', 'GET', 'w_*'],
    ['SORT', 'sh'],
    ['SORT', 'sh', 'BY', 'nosort', 'STORE', 'dst'],
    ['LRANGE', 'dst', '0', '-1'],
    ['SORT', 'sh', 'BY', 'nosort', 'DESC', 'STORE', 'dst', 'LIMIT', '5', '5'],
    ['LRANGE', 'dst', '0', '-1'],
  );
  await pair.same(['SREM', 'sh', ...members.filter((_, i) => i % 3 === 0)], ['SORT', 'sh', 'DESC']);
  await sameUnordered(pair, ['SORT', 'sh', 'BY', 'nosort']);
  await sameUnordered(pair, ['SORT_RO', 'sh', 'BY', 'nosort', 'GET', '#', 'GET', 'nothing'], 2);
});

test('a big list sorts numerically and by bytes', async () => {
  const els: string[] = [];
  for (let i = 0; i < 1000; i++) els.push(String(((i * 7919) % 1000) - 500) + (i % 5 === 0 ? '.5' : ''));
  await pair.same(['RPUSH', 'big', ...els]);
  await pair.same(
    ['SORT', 'big'],
    ['SORT', 'big', 'ALPHA', 'DESC'],
    ['SORT', 'big', 'LIMIT', '990', '20', 'DESC'],
    ['SORT', 'big', 'BY', 'nosort', 'LIMIT', '500', '3', 'DESC'],
  );
});

test('STORE: replaces any value and TTL, deletes the destination when empty, events and dirty', async () => {
  await sameEffects(
    ['RPUSH', 'l', '3', '1', '2'],
    ['SET', 'dst', 'old', 'EX', '100'],
    ['SORT', 'l', 'STORE', 'dst'],
    ['TTL', 'dst'],
    ['TYPE', 'dst'],
    ['OBJECT', 'ENCODING', 'dst'],
    ['LRANGE', 'dst', '0', '-1'],
    ['SORT', 'l', 'LIMIT', '0', '0', 'STORE', 'dst'],
    ['EXISTS', 'dst'],
    ['SORT', 'l', 'LIMIT', '0', '0', 'STORE', 'dst'],
    ['SORT', 'missing', 'STORE', 'dst'],
    ['SORT', 'l', 'STORE', 'a', 'STORE', 'b'],
    ['EXISTS', 'a', 'b'],
    ['SORT', 'l', 'GET', 'nokey_*', 'GET', '#', 'STORE', 'l'],
    ['LRANGE', 'l', '0', '-1'],
    ['SORT_RO', 'l'],
    ['SORT', 'l', 'BY', 'nosort'],
  );
});

test('RESP3: flat array, GET of missing keys is the RESP3 null', async () => {
  await pair.both('HELLO', '3');
  try {
    await pair.same(
      ['RPUSH', 'l', '2', '1'],
      ['SET', 'v_1', 'one'],
      ['SORT', 'l', 'GET', '#', 'GET', 'v_*'],
      ['SORT', 'missing'],
      ['SORT', 'l', 'STORE', 'dst'],
      ['SORT', 'str-missing', 'BY', 'x', 'GET', 'x'],
    );
  } finally {
    await pair.both('HELLO', '2');
  }
});

test('COMMAND GETKEYS finds the sorted key and the last STORE destination', async () => {
  await pair.same(
    ['COMMAND', 'GETKEYS', 'SORT', 'k'],
    ['COMMAND', 'GETKEYS', 'SORT', 'k', 'STORE', 'a', 'STORE', 'b', 'LIMIT', '1', '2'],
    ['COMMAND', 'GETKEYS', 'SORT', 'k', 'LIMIT', 'store', 'x', 'STORE', 'y'],
    ['COMMAND', 'GETKEYS', 'SORT', 'k', 'GET', 'store', 'BY', 'store'],
    ['COMMAND', 'GETKEYS', 'SORT', 'k', 'STORE'],
    ['COMMAND', 'GETKEYS', 'SORT_RO', 'k', 'BY', 'x', 'GET', 'y'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'SORT', 'k', 'STORE', 'a'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'SORT_RO', 'k'],
    ['COMMAND', 'INFO', 'SORT', 'SORT_RO'],
  );
});

test('the list encoding thresholds do not change replies', async () => {
  await configBoth(pair, 'list-max-listpack-size', 4);
  await pair.same(['RPUSH', 'l', '9', '8', '7', '6', '5', '4', '3', '2', '1']);
  await pair.same(['SORT', 'l', 'LIMIT', '3', '3'], ['SORT', 'l', 'BY', 'nosort', 'DESC', 'LIMIT', '2', '4']);
  await configBoth(pair, 'list-max-listpack-size', -2);
});
