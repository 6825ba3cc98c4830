/**
 * Set commands against the oracle, byte for byte, on both encodings (intset and hashtable).
 * Replies in Redis's hash-table order are compared as multisets (test/helpers/unordered.ts);
 * intset order (ascending) and everything else is compared exactly. OBJECT ENCODING is
 * compared with the oracle through the store until the keyspace commands are merged.
 */
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startPair, type Cmd, type Pair } from '../helpers/compat.js';
import {
  configBoth,
  resetBoth,
  sameEncoding,
  sameUnordered,
  sortedGroups,
  splitAggregate,
} from '../helpers/unordered.js';

let pair: Pair;

before(async () => {
  pair = await startPair();
});

after(async () => {
  await pair.close();
});

beforeEach(async () => {
  await resetBoth(pair);
  await configBoth(pair, 'set-max-intset-entries', 512);
});

type Enc = 'intset' | 'hashtable';
const ENCODINGS: Enc[] = ['intset', 'hashtable'];

/** n members that make an intset (integers) or a hashtable set (strings). */
function members(enc: Enc, n: number, offset = 0): string[] {
  const out: string[] = [];
  for (let i = offset; i < offset + n; i++) out.push(enc === 'intset' ? String(i * 7 - 20) : `m:${i}`);
  return out;
}

async function same(...cmds: Cmd[]): Promise<void> {
  await pair.same(...cmds);
}

async function unordered(...cmds: Cmd[]): Promise<void> {
  for (const cmd of cmds) await sameUnordered(pair, cmd);
}

test('SADD, SREM, SCARD, SISMEMBER and SMISMEMBER reply like redis on intset and hashtable sets', async () => {
  for (const enc of ENCODINGS) {
    const m = members(enc, 20);
    const k = `s:${enc}`;
    await same(
      ['SADD', k, ...m.slice(0, 10)],
      ['SADD', k, ...m.slice(5, 15), m[0]],
      ['SADD', k, m[1]],
      ['SCARD', k],
      ['SCARD', 'nokey'],
      ['SISMEMBER', k, m[3]],
      ['SISMEMBER', k, m[19]],
      ['SISMEMBER', 'nokey', m[3]],
      ['SMISMEMBER', k, m[0], m[19], 'x', m[14]],
      ['SMISMEMBER', 'nokey', 'a', 'b'],
      ['SREM', k, m[0], m[0], m[19], 'x'],
      ['SREM', 'nokey', 'a'],
      ['SCARD', k],
    );
    await sameEncoding(pair, k);
    await same(['SREM', k, ...m], ['SCARD', k], ['SMEMBERS', k], ['GET', k]);
  }
});

test('only canonical int64 strings are intset members: -0, 01, +1, spaces and 2^63 are not', async () => {
  const ok = [
    '0',
    '-1',
    '9223372036854775807',
    '-9223372036854775808',
    '9007199254740993',
    '-9007199254740993',
  ];
  const notInts = [
    '-0',
    '01',
    '+1',
    ' 1',
    '1 ',
    '',
    '9223372036854775808',
    '-9223372036854775809',
    '1e3',
    '0x10',
  ];
  await same(['SADD', 'i', ...ok], ['SMEMBERS', 'i']);
  await sameEncoding(pair, 'i');
  for (const m of notInts) await same(['SISMEMBER', 'i', m], ['SREM', 'i', m]);
  for (const m of ok) await same(['SISMEMBER', 'i', m]);
  for (const m of notInts) {
    const k = `n:${m}`;
    await same(['SADD', k, '5', m], ['SISMEMBER', k, m], ['SCARD', k]);
    await sameEncoding(pair, k);
    await unordered(['SMEMBERS', k]);
  }
  // The first member decides the encoding of a new set.
  await same(['SADD', 'f1', '-0'], ['SADD', 'f2', '7']);
  await sameEncoding(pair, 'f1', 'f2');
});

test('a set becomes a hashtable past set-max-intset-entries or on a non-integer member, and never goes back', async () => {
  await same(['SADD', 'big', ...members('intset', 512)], ['SCARD', 'big']);
  await sameEncoding(pair, 'big');
  await same(['SADD', 'big', '100000']);
  await sameEncoding(pair, 'big');
  await same(['SREM', 'big', '100000', ...members('intset', 500)], ['SCARD', 'big']);
  await sameEncoding(pair, 'big');
  await configBoth(pair, 'set-max-intset-entries', 4);
  await same(['SADD', 'a', '1', '2', '3', '4']);
  await sameEncoding(pair, 'a');
  await same(['SADD', 'a', '4'], ['SADD', 'a', '5']);
  await sameEncoding(pair, 'a');
  await same(['SADD', 'b', '1', 'x']);
  await sameEncoding(pair, 'b');
  await same(['SREM', 'b', 'x']);
  await sameEncoding(pair, 'b');
  await configBoth(pair, 'set-max-intset-entries', 0);
  await same(['SADD', 'c', '1']);
  await sameEncoding(pair, 'c');
});

test('SMEMBERS lists an intset in ascending order and a hashtable set with the same members', async () => {
  await same(['SADD', 'i', '5', '-3', '100', '0', '-100', '7'], ['SMEMBERS', 'i'], ['SMEMBERS', 'nokey']);
  await same(['SADD', 'i2', ...members('intset', 300).reverse()], ['SMEMBERS', 'i2']);
  await same(['SADD', 'h', ...members('hashtable', 300)]);
  await unordered(['SMEMBERS', 'h']);
  await same(['SADD', 'h2', ...members('intset', 600)]);
  await unordered(['SMEMBERS', 'h2']);
  await sameEncoding(pair, 'i', 'i2', 'h', 'h2');
});

test('SMOVE moves members between sets of either encoding and handles same key, missing keys and wrong types', async () => {
  await same(
    ['SADD', 'src', '1', '2', '3'],
    ['SADD', 'dst', 'a'],
    ['SMOVE', 'src', 'dst', '1'],
    ['SMOVE', 'src', 'dst', '1'],
    ['SMOVE', 'src', 'new', '2'],
    ['SMOVE', 'src', 'src', '3'],
    ['SMOVE', 'src', 'src', '9'],
    ['SMOVE', 'nokey', 'dst', 'a'],
    ['SMOVE', 'src', 'new2', 'x'],
    ['SMOVE', 'dst', 'src', 'a'],
    ['SMOVE', 'src', 'dst', '3'],
    ['SMOVE', 'src', 'dst', 'a'],
    ['SCARD', 'src'],
    ['GET', 'src'],
  );
  await sameEncoding(pair, 'new', 'dst');
  await unordered(['SMEMBERS', 'dst'], ['SMEMBERS', 'new']);
  await same(
    ['SET', 'str', 'v'],
    ['SADD', 's', '1', 'x'],
    ['SMOVE', 's', 'str', '1'],
    ['SMOVE', 'str', 's', '1'],
    ['SMOVE', 'nokey', 'str', '1'],
    ['SMOVE', 's', 'str', 'nomember'],
    ['SMOVE', 's', 'd', 'x'],
  );
  await sameEncoding(pair, 'd');
  // A member that is already in the destination still leaves the source.
  await same(
    ['SADD', 'p', '1', '2'],
    ['SADD', 'q', '1'],
    ['SMOVE', 'p', 'q', '1'],
    ['SMEMBERS', 'p'],
    ['SMEMBERS', 'q'],
  );
});

/** Sets used by the multi-key tests: intsets, hashtables, a large one, an empty key. */
async function loadSets(): Promise<void> {
  await same(
    ['SADD', 'i1', '1', '2', '3', '4', '5', '6', '10'],
    ['SADD', 'i2', '2', '4', '6', '8', '10', '12'],
    ['SADD', 'i3', '6', '4', '100'],
    ['SADD', 'h1', 'a', 'b', 'c', '1', '2', '3'],
    ['SADD', 'h2', 'b', 'c', 'd', '2', '4'],
    ['SADD', 'big', ...members('intset', 700)],
    ['SET', 'str', 'x'],
  );
}

test('SINTER, SUNION and SDIFF reply in ascending order when the result is an intset', async () => {
  await loadSets();
  await same(
    ['SINTER', 'i1', 'i2'],
    ['SINTER', 'i2', 'i1', 'i3'],
    ['SINTER', 'i1', 'i1'],
    ['SINTER', 'i1', 'nokey'],
    ['SINTER', 'nokey', 'i1'],
    ['SUNION', 'i1', 'i2', 'i3'],
    ['SUNION', 'i3', 'nokey', 'i1'],
    ['SUNION', 'nokey'],
    ['SDIFF', 'i1', 'i2'],
    ['SDIFF', 'i2', 'i1', 'i3'],
    ['SDIFF', 'i1', 'nokey'],
    ['SDIFF', 'nokey', 'i1'],
    ['SDIFF', 'i1', 'i1'],
    ['SDIFF', 'i1', 'i2', 'i1'],
    ['SINTER', 'i3', 'big'],
  );
});

test('SINTER, SUNION and SDIFF with hashtable sets return the same members as redis', async () => {
  await loadSets();
  await unordered(
    ['SINTER', 'h1', 'h2'],
    ['SINTER', 'h1', 'i1'],
    ['SINTER', 'big', 'h1', 'i1'],
    ['SDIFF', 'h1', 'h2'],
    ['SDIFF', 'big', 'i1', 'i2', 'i3', 'h1'],
    ['SUNION', 'h1', 'h2'],
    ['SUNION', 'h1', 'i1'],
    ['SUNION', 'big', 'i1'],
    ['SUNION', 'h1', 'h2', 'i1', 'i2', 'nokey'],
    ['SDIFF', 'h1', 'i1'],
    ['SDIFF', 'h2', 'h1', 'i2'],
    ['SDIFF', 'big', 'i1'],
    ['SMEMBERS', 'big'],
  );
});

test('multi-key set commands reply WRONGTYPE for a string key anywhere, even after a missing key', async () => {
  await loadSets();
  await same(
    ['SINTER', 'i1', 'str'],
    ['SINTER', 'nokey', 'str'],
    ['SINTER', 'str', 'nokey'],
    ['SUNION', 'nokey', 'str'],
    ['SDIFF', 'i1', 'str'],
    ['SDIFF', 'nokey', 'str'],
    ['SINTERSTORE', 'd', 'i1', 'str'],
    ['SINTERSTORE', 'd', 'nokey', 'str'],
    ['SUNIONSTORE', 'd', 'str'],
    ['SDIFFSTORE', 'd', 'i1', 'str'],
    ['SINTERCARD', '2', 'i1', 'str'],
    ['SINTERCARD', '2', 'nokey', 'str'],
    ['GET', 'd'],
  );
});

test('*STORE commands overwrite any destination, pick its encoding, and delete it when the result is empty', async () => {
  await loadSets();
  await same(['SINTERSTORE', 'str', 'i1', 'i2'], ['SMEMBERS', 'str']);
  await sameEncoding(pair, 'str');
  await same(['SET', 'd1', 'x'], ['SUNIONSTORE', 'd1', 'h1', 'i1'], ['SCARD', 'd1']);
  await sameEncoding(pair, 'd1');
  await unordered(['SMEMBERS', 'd1']);
  await same(['SDIFFSTORE', 'd2', 'i1', 'i2'], ['SMEMBERS', 'd2'], ['SDIFFSTORE', 'd3', 'h1', 'i1']);
  await sameEncoding(pair, 'd2', 'd3');
  await same(['SUNIONSTORE', 'd4', 'big'], ['SCARD', 'd4'], ['SINTERSTORE', 'd5', 'big', 'big']);
  await sameEncoding(pair, 'd4', 'd5');
  // Empty results delete the destination, whatever it held.
  await same(
    ['SET', 'e1', 'x'],
    ['SINTERSTORE', 'e1', 'i1', 'nokey'],
    ['GET', 'e1'],
    ['SADD', 'e2', 'a'],
    ['SDIFFSTORE', 'e2', 'i1', 'i1'],
    ['SCARD', 'e2'],
    ['SADD', 'e3', 'a'],
    ['SINTERSTORE', 'e3', 'i3', 'h2'],
    ['SCARD', 'e3'],
    ['SUNIONSTORE', 'e4', 'nokey'],
    ['SDIFFSTORE', 'e5', 'nokey', 'i1'],
    ['SINTERSTORE', 'i1', 'i1', 'i2'],
    ['SMEMBERS', 'i1'],
    ['SUNIONSTORE', 'i2', 'i2', 'i3'],
    ['SMEMBERS', 'i2'],
  );
  await configBoth(pair, 'set-max-intset-entries', 3);
  await same(['SUNIONSTORE', 'small', 'i3'], ['SUNIONSTORE', 'over', 'i1']);
  await sameEncoding(pair, 'small', 'over');
});

test('SINTERCARD counts the intersection, stops at LIMIT, and checks numkeys and LIMIT like redis', async () => {
  await loadSets();
  await same(
    ['SINTERCARD', '2', 'i1', 'i2'],
    ['SINTERCARD', '3', 'i1', 'i2', 'i3'],
    ['SINTERCARD', '2', 'i1', 'i2', 'LIMIT', '0'],
    ['SINTERCARD', '2', 'i1', 'i2', 'LIMIT', '2'],
    ['SINTERCARD', '2', 'i1', 'i2', 'limit', '100'],
    ['SINTERCARD', '1', 'big', 'LIMIT', '10'],
    ['SINTERCARD', '2', 'h1', 'h2'],
    ['SINTERCARD', '2', 'i1', 'nokey'],
    ['SINTERCARD', '1', 'nokey'],
    ['SINTERCARD', '0', 'i1'],
    ['SINTERCARD', '-1', 'i1'],
    ['SINTERCARD', 'x', 'i1'],
    ['SINTERCARD', '3', 'i1', 'i2'],
    ['SINTERCARD', '2', 'i1', 'i2', 'LIMIT'],
    ['SINTERCARD', '2', 'i1', 'i2', 'LIMIT', '-1'],
    ['SINTERCARD', '2', 'i1', 'i2', 'LIMIT', 'x'],
    ['SINTERCARD', '2', 'i1', 'i2', 'FOO', '1'],
    ['SINTERCARD', '1', 'i1', 'i2'],
    ['SINTERCARD', '99999999999999999999', 'i1'],
  );
});

test('SRANDMEMBER and SPOP validate counts and reply with the shapes redis uses', async () => {
  await same(['SADD', 'i', '1', '2', '3'], ['SADD', 'h', 'a', 'b', 'c'], ['SET', 'str', 'x']);
  await same(
    ['SRANDMEMBER', 'nokey'],
    ['SRANDMEMBER', 'nokey', '5'],
    ['SRANDMEMBER', 'nokey', '-5'],
    ['SRANDMEMBER', 'i', '0'],
    ['SRANDMEMBER', 'i', 'x'],
    ['SRANDMEMBER', 'i', '1', '2'],
    ['SRANDMEMBER', 'i', '-9223372036854775808'],
    ['SRANDMEMBER', 'i', '9223372036854775808'],
    ['SRANDMEMBER', 'str'],
    ['SRANDMEMBER', 'str', '1'],
    ['SRANDMEMBER', 'str', 'x'],
    ['SPOP', 'nokey'],
    ['SPOP', 'nokey', '3'],
    ['SPOP', 'nokey', '0'],
    ['SPOP', 'i', '0'],
    ['SPOP', 'i', '-1'],
    ['SPOP', 'i', 'x'],
    ['SPOP', 'i', '1', '2'],
    ['SPOP', 'str'],
    ['SPOP', 'str', '1'],
    ['SPOP', 'str', '0'],
    ['SPOP', 'str', 'x'],
    ['SCARD', 'i'],
  );
  // Counts not smaller than the set give the whole set, in iteration order for an intset.
  await same(
    ['SRANDMEMBER', 'i', '3'],
    ['SRANDMEMBER', 'i', '100'],
    ['SRANDMEMBER', 'i', '9223372036854775807'],
  );
  await unordered(['SRANDMEMBER', 'h', '3'], ['SRANDMEMBER', 'h', '1000']);
  // Random picks: compare the shape, and check they are members.
  for (const k of ['i', 'h']) {
    for (const count of ['1', '2', '-1', '-10']) {
      const [a, b] = await pair.both('SRANDMEMBER', k, count);
      assert.equal(splitAggregate(b).head, splitAggregate(a).head);
      const all = await pair.r.call('SMEMBERS', k);
      for (const item of splitAggregate(b).items) assert.ok(all.includes(item), `${item} not in ${k}`);
    }
    const [a, b] = await pair.both('SRANDMEMBER', k);
    assert.equal(a[0], b[0]);
  }
  const [a, b] = await pair.both('SPOP', 'h', '2');
  assert.equal(splitAggregate(b).head, splitAggregate(a).head);
  await same(['SCARD', 'h']);
  const [c, d] = await pair.both('SPOP', 'h');
  assert.equal(c[0], d[0]);
  await same(['SCARD', 'h'], ['SPOP', 'h'], ['SPOP', 'h', '1'], ['GET', 'h']);
});

test('SPOP with a count of the whole set deletes the key; an intset pops in ascending order', async () => {
  await same(['SADD', 'i', '9', '-1', '5', '3'], ['SPOP', 'i', '4'], ['GET', 'i'], ['SCARD', 'i']);
  await same(['SADD', 'i', '9', '-1', '5', '3'], ['SPOP', 'i', '100'], ['GET', 'i']);
  await same(['SADD', 'h', 'a', 'b', 'c']);
  await unordered(['SPOP', 'h', '3']);
  await same(['GET', 'h']);
  // Popping most of a set (Redis's CASE 3) leaves the right number of members.
  await same(['SADD', 'm', ...members('hashtable', 30)]);
  const [a, b] = await pair.both('SPOP', 'm', '28');
  assert.equal(splitAggregate(b).head, splitAggregate(a).head);
  await same(['SCARD', 'm']);
  await same(['SADD', 'n', ...members('intset', 30)]);
  const [e, f] = await pair.both('SPOP', 'n', '28');
  assert.equal(splitAggregate(f).head, splitAggregate(e).head);
  await same(['SCARD', 'n']);
  await sameEncoding(pair, 'n');
});

test('SPOP of most members rebuilds the set with the encoding its first kept member picks', async () => {
  // 600 integers make a hashtable; popping all but 5 rebuilds an intset, as Redis does.
  await same(['SADD', 'h', ...members('intset', 600)]);
  const [a, b] = await pair.both('SPOP', 'h', '595');
  assert.equal(splitAggregate(b).head, splitAggregate(a).head);
  await same(['SCARD', 'h']);
  await sameEncoding(pair, 'h');
});

test('SSCAN returns a small set whole with cursor 0, filters with MATCH, and checks cursor and options', async () => {
  await same(['SADD', 'i', '1', '10', '11', '2', '20', '-1'], ['SET', 'str', 'x']);
  await same(
    ['SSCAN', 'i', '0'],
    ['SSCAN', 'i', '0', 'COUNT', '1'],
    ['SSCAN', 'i', '123'],
    ['SSCAN', 'i', '0', 'MATCH', '1*'],
    ['SSCAN', 'i', '0', 'match', '*', 'count', '2'],
    ['SSCAN', 'i', '0', 'MATCH', 'x*'],
    ['SSCAN', 'i', ''],
    ['SSCAN', 'i', '-1'],
    ['SSCAN', 'i', '+5'],
    ['SSCAN', 'i', '18446744073709551615'],
    ['SSCAN', 'i', '18446744073709551616'],
    ['SSCAN', 'i', ' 1'],
    ['SSCAN', 'i', 'x'],
    ['SSCAN', 'i', '1.5'],
    ['SSCAN', 'i', '0', 'COUNT', '0'],
    ['SSCAN', 'i', '0', 'COUNT', '-1'],
    ['SSCAN', 'i', '0', 'COUNT', 'x'],
    ['SSCAN', 'i', '0', 'COUNT'],
    ['SSCAN', 'i', '0', 'MATCH'],
    ['SSCAN', 'i', '0', 'TYPE', 'set'],
    ['SSCAN', 'i', '0', 'NOVALUES'],
    ['SSCAN', 'nokey', '0'],
    ['SSCAN', 'nokey', '0', 'COUNT', '0'],
    ['SSCAN', 'nokey', 'x'],
    ['SSCAN', 'str', '0'],
    ['SSCAN', 'str', 'x'],
  );
});

test('SSCAN over a hashtable set visits every member, and MATCH filters them', async () => {
  const m = members('hashtable', 1000);
  await same(['SADD', 'h', ...m, 'other']);
  for (const [opts, expect] of [
    [[] as string[], [...m, 'other']],
    [['MATCH', 'm:1*'], m.filter((x) => x.startsWith('m:1'))],
    [
      ['COUNT', '100'],
      [...m, 'other'],
    ],
  ] as [string[], string[]][]) {
    const seen = new Set<string>();
    let cursor = '0';
    let calls = 0;
    do {
      const reply = await pair.r.call('SSCAN', 'h', cursor, ...opts);
      const [cur, list] = splitAggregate(reply).items;
      cursor = splitAggregate(cur).head === cur ? cur : cur;
      cursor = cur.split('\r\n')[1];
      for (const item of splitAggregate(list).items) seen.add(item.split('\r\n')[1]);
      calls++;
    } while (cursor !== '0' && calls < 10000);
    assert.deepEqual([...seen].sort(), [...expect].sort());
    assert.ok(calls > 1, 'a big set is scanned in several calls');
  }
});

test('every set command replies WRONGTYPE on a string key', async () => {
  await same(['SET', 'str', 'x'], ['SADD', 'ok', 'a']);
  await same(
    ['SADD', 'str', 'a'],
    ['SREM', 'str', 'a'],
    ['SCARD', 'str'],
    ['SISMEMBER', 'str', 'a'],
    ['SMISMEMBER', 'str', 'a'],
    ['SMEMBERS', 'str'],
    ['SMOVE', 'str', 'ok', 'a'],
    ['SMOVE', 'ok', 'str', 'a'],
    ['SRANDMEMBER', 'str'],
    ['SPOP', 'str'],
    ['SINTER', 'str'],
    ['SINTERCARD', '1', 'str'],
    ['SINTERSTORE', 'd', 'str'],
    ['SUNION', 'str'],
    ['SUNIONSTORE', 'd', 'str'],
    ['SDIFF', 'str'],
    ['SDIFFSTORE', 'd', 'str'],
    ['SSCAN', 'str', '0'],
    ['GET', 'str'],
    ['SMEMBERS', 'ok'],
  );
});

test('set commands report wrong numbers of arguments like redis', async () => {
  await same(
    ['SADD', 'k'],
    ['SREM', 'k'],
    ['SCARD'],
    ['SCARD', 'a', 'b'],
    ['SISMEMBER', 'k'],
    ['SISMEMBER', 'k', 'a', 'b'],
    ['SMISMEMBER', 'k'],
    ['SMEMBERS'],
    ['SMEMBERS', 'a', 'b'],
    ['SMOVE', 'a', 'b'],
    ['SMOVE', 'a', 'b', 'c', 'd'],
    ['SRANDMEMBER'],
    ['SPOP'],
    ['SINTER'],
    ['SINTERCARD', '1'],
    ['SINTERSTORE', 'd'],
    ['SUNION'],
    ['SUNIONSTORE', 'd'],
    ['SDIFF'],
    ['SDIFFSTORE', 'd'],
    ['SSCAN', 'k'],
    ['sadd', 'k'],
  );
});

test('binary members, every byte value 0..255 and empty strings, are kept exactly', async () => {
  const bytes: Buffer[] = [];
  for (let i = 0; i < 256; i++) bytes.push(Buffer.from([i]));
  const mixed = [
    Buffer.from([0, 1, 2, 255]),
    Buffer.from('\r\n$5\r\n'),
    Buffer.alloc(0),
    Buffer.from([0xc3, 0x28]),
  ];
  await same(['SADD', 'b', ...bytes, ...mixed], ['SCARD', 'b']);
  for (const m of [...bytes, ...mixed]) await same(['SISMEMBER', 'b', m]);
  await unordered(['SMEMBERS', 'b'], ['SUNION', 'b'], ['SINTER', 'b', 'b'], ['SDIFF', 'b', 'nokey']);
  await same(
    ['SREM', 'b', ...bytes.slice(0, 128)],
    ['SCARD', 'b'],
    ['SMOVE', 'b', 'c', mixed[0]],
    ['SMEMBERS', 'c'],
  );
  await same(['SADD', 'bi', '1', Buffer.from([0x31, 0])], ['SISMEMBER', 'bi', '1']);
  await sameEncoding(pair, 'bi');
});

test('RESP3: set replies are sets, SRANDMEMBER/SMISMEMBER arrays, missing keys empty sets', async () => {
  await pair.both('HELLO', '3');
  try {
    await same(
      ['SADD', 'i', '3', '1', '2'],
      ['SMEMBERS', 'i'],
      ['SMEMBERS', 'nokey'],
      ['SINTER', 'i', 'i'],
      ['SINTER', 'i', 'nokey'],
      ['SUNION', 'i'],
      ['SDIFF', 'i', 'nokey'],
      ['SMISMEMBER', 'i', '1', '5'],
      ['SRANDMEMBER', 'i', '5'],
      ['SRANDMEMBER', 'i', '0'],
      ['SRANDMEMBER', 'nokey', '5'],
      ['SRANDMEMBER', 'nokey'],
      ['SPOP', 'nokey'],
      ['SPOP', 'nokey', '2'],
      ['SPOP', 'i', '0'],
      ['SSCAN', 'i', '0'],
      ['SSCAN', 'nokey', '0'],
      ['SINTERCARD', '1', 'i'],
      ['SPOP', 'i', '5'],
    );
  } finally {
    await pair.both('HELLO', '2');
  }
});

test('sortedGroups compares pairs as units (helper self-check)', () => {
  assert.deepEqual(sortedGroups('*4\r\n$1\r\nb\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n2\r\n', 2), [
    '$1\r\na\r\n$1\r\n2\r\n',
    '$1\r\nb\r\n$1\r\n1\r\n',
  ]);
});

test('COMMAND GETKEYS finds the keys of SINTERCARD, SMOVE and the *STORE commands like redis', async () => {
  await same(
    ['COMMAND', 'GETKEYS', 'SINTERCARD', '2', 'a', 'b', 'LIMIT', '1'],
    ['COMMAND', 'GETKEYS', 'SINTERCARD', '1', 'a', 'b'],
    ['COMMAND', 'GETKEYS', 'SINTERCARD', '5', 'a'],
    ['COMMAND', 'GETKEYS', 'SINTERCARD', '0', 'a'],
    ['COMMAND', 'GETKEYS', 'SINTERCARD', 'x', 'a'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'SINTERCARD', '2', 'a', 'b'],
    ['COMMAND', 'GETKEYS', 'SMOVE', 'a', 'b', 'm'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'SINTERSTORE', 'd', 'a', 'b'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'SDIFFSTORE', 'd', 'a'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'SPOP', 's', '2'],
  );
});

test('MEMORY USAGE of an intset is exact; of a hashtable set, close to redis', async () => {
  await same(
    ['SADD', 'a', '1', '2', '3'],
    ['SADD', 'b', '1', '70000'],
    ['SADD', 'c', '-1', '7000000000'],
    ['SADD', 'd', ...members('intset', 300)],
    ['MEMORY', 'USAGE', 'a'],
    ['MEMORY', 'USAGE', 'b'],
    ['MEMORY', 'USAGE', 'c'],
    ['MEMORY', 'USAGE', 'd'],
    ['SADD', 'h', ...members('hashtable', 1000)],
  );
  const [o, r] = await pair.both('MEMORY', 'USAGE', 'h');
  const ratio = Number(r.slice(1, -2)) / Number(o.slice(1, -2));
  assert.ok(ratio > 0.85 && ratio < 1.15, `MEMORY USAGE ${r.trim()} vs redis ${o.trim()}`);
});
