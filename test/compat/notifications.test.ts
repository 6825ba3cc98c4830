/**
 * Keyspace notifications against the oracle: a subscriber PSUBSCRIBEd to `__key*@*__:*` on
 * each server, a corpus of write (and missing-key read) commands of every implemented group,
 * and the seeded random command sequence of random-sequence.test.ts; after each command a
 * marker message ends the batch, and the event streams (exact pmessage frames: channel,
 * event and key, in order) must be identical. Also: the class letters (K, E, g, $, l, s, h,
 * z, x, e, m, n, A) select exactly the events Redis selects, and expiry by the active expire
 * cycle publishes `expired`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPair, fmt, type Cmd, type Pair } from '../helpers/compat.js';
import { RawClient } from '../helpers/raw-client.js';

let pair: Pair;
let osub: RawClient;
let rsub: RawClient;
const MARKER = '__marker__';

before(async () => {
  // DEBUG SET-ACTIVE-EXPIRE is used below: both servers refuse DEBUG by default.
  pair = await startPair(['--enable-debug-command', 'yes'], { 'enable-debug-command': 'yes' });
  osub = await RawClient.connect(pair.oracle.port);
  rsub = await RawClient.connect(pair.respite.port);
  for (const s of [osub, rsub]) {
    await s.call('PSUBSCRIBE', '__key*@*__:*');
    await s.call('SUBSCRIBE', MARKER);
  }
});

after(async () => {
  osub.close();
  rsub.close();
  await pair.close();
});

/** Frames received by sub up to the marker message. */
async function eventsUntilMarker(main: RawClient, sub: RawClient): Promise<string[]> {
  await main.call('PUBLISH', MARKER, 'x');
  const out: string[] = [];
  for (;;) {
    const f = await sub.read();
    if (f.includes(`$${MARKER.length}\r\n${MARKER}\r\n`)) return out;
    out.push(f);
  }
}

/** Runs cmd on both servers; replies and the keyspace events it caused must be identical. */
async function sameEvents(cmd: Cmd, compareReply = true): Promise<void> {
  const [a, b] = await pair.both(...cmd);
  if (compareReply) assert.equal(b, a, `reply to ${fmt(cmd)} differs`);
  const [ea, eb] = await Promise.all([eventsUntilMarker(pair.o, osub), eventsUntilMarker(pair.r, rsub)]);
  assert.deepEqual(eb, ea, `keyspace events of ${fmt(cmd)} differ`);
}

async function setClasses(classes: string): Promise<void> {
  await pair.same(
    ['CONFIG', 'SET', 'notify-keyspace-events', classes],
    ['CONFIG', 'GET', 'notify-keyspace-events'],
  );
}

const CORPUS: Cmd[] = [
  // strings
  ['SET', 's', 'v'],
  ['SET', 's', 'v2', 'KEEPTTL'],
  ['SET', 's', 'v3', 'NX'],
  ['SET', 's2', 'v', 'XX'],
  ['SET', 's', 'v4', 'GET'],
  ['SET', 's3', 'v', 'EX', '100'],
  ['SETNX', 's', 'x'],
  ['SETNX', 's4', 'x'],
  ['SETEX', 's5', '100', 'x'],
  ['PSETEX', 's6', '100000', 'x'],
  ['MSET', 'm1', 'a', 'm2', 'b'],
  ['MSETNX', 'm3', 'a', 'm4', 'b'],
  ['MSETNX', 'm3', 'a', 'm5', 'b'],
  ['APPEND', 's', 'tail'],
  ['APPEND', 'newapp', 'x'],
  ['SETRANGE', 's', '2', 'zz'],
  ['SETRANGE', 'newrange', '3', 'x'],
  ['SETRANGE', 'nothing', '0', ''],
  ['INCR', 'n'],
  ['INCRBY', 'n', '5'],
  ['DECR', 'n'],
  ['DECRBY', 'n', '2'],
  ['INCRBYFLOAT', 'f', '1.5'],
  ['INCR', 's'],
  ['GETSET', 's', 'gs'],
  ['GETDEL', 's'],
  ['GETDEL', 's'],
  ['GETEX', 'm1', 'EX', '100'],
  ['GETEX', 'm1', 'PERSIST'],
  ['GETEX', 'm1'],
  ['GET', 'missing'],
  ['MGET', 'missing', 'm1', 'missing2'],
  ['STRLEN', 'missing'],
  ['GETRANGE', 'missing', '0', '1'],
  ['LCS', 'm1', 'm2'],
  // keyspace
  ['EXPIRE', 'm1', '100'],
  ['PEXPIRE', 'm1', '100000'],
  ['EXPIREAT', 'm1', '9999999999'],
  ['EXPIRE', 'm1', '100', 'GT'],
  ['PERSIST', 'm1'],
  ['PERSIST', 'm1'],
  ['EXPIRE', 'm2', '0'],
  ['EXPIRE', 'm3', '-5'],
  ['SET', 'r1', 'x'],
  ['RENAME', 'r1', 'r2'],
  ['RENAMENX', 'r2', 'r3'],
  ['SET', 'r4', 'y'],
  ['RENAME', 'r3', 'r4'],
  ['RENAME', 'r4', 'r4'],
  ['COPY', 'r4', 'r5'],
  ['COPY', 'r4', 'r5', 'REPLACE'],
  ['MOVE', 'r5', '1'],
  ['DEL', 'r4', 'nokey', 'm4'],
  ['UNLINK', 'm5', 's4'],
  ['TOUCH', 's5', 'nokey'],
  ['EXISTS', 'nokey'],
  ['TYPE', 'nokey'],
  ['TTL', 'nokey'],
  ['OBJECT', 'ENCODING', 'nokey'],
  ['SWAPDB', '0', '1'],
  ['SWAPDB', '0', '1'],
  // lists
  ['LPUSH', 'l', 'a', 'b', 'c'],
  ['RPUSH', 'l', 'd'],
  ['LPUSHX', 'l', 'e'],
  ['RPUSHX', 'nolist', 'e'],
  ['LINSERT', 'l', 'BEFORE', 'a', 'z'],
  ['LSET', 'l', '0', 'q'],
  ['LREM', 'l', '1', 'z'],
  ['LTRIM', 'l', '0', '3'],
  ['LPOP', 'l'],
  ['RPOP', 'l', '2'],
  ['LMOVE', 'l', 'l2', 'LEFT', 'RIGHT'],
  ['RPOPLPUSH', 'l2', 'l3'],
  ['LMPOP', '2', 'nolist', 'l3', 'LEFT'],
  ['BLPOP', 'l', '0.01'],
  ['RPUSH', 'l4', 'x', 'y'],
  ['LTRIM', 'l4', '5', '10'],
  ['LRANGE', 'nolist', '0', '-1'],
  // hashes
  ['HSET', 'h', 'f1', 'v1', 'f2', 'v2'],
  ['HSETNX', 'h', 'f3', 'v3'],
  ['HSETNX', 'h', 'f3', 'v3'],
  ['HMSET', 'h', 'f4', '1'],
  ['HINCRBY', 'h', 'f4', '2'],
  ['HINCRBYFLOAT', 'h', 'f4', '0.5'],
  ['HDEL', 'h', 'f1', 'nof'],
  ['HDEL', 'h', 'f2', 'f3', 'f4'],
  ['HGET', 'noh', 'f'],
  ['HGETALL', 'noh'],
  // sets
  ['SADD', 'st', 'a', 'b', 'c', '1'],
  ['SADD', 'st', 'a'],
  ['SREM', 'st', 'a'],
  ['SMOVE', 'st', 'st2', 'b'],
  ['SPOP', 'st2'],
  ['SADD', 'st3', 'x', 'y'],
  ['SINTERSTORE', 'dst', 'st', 'st3'],
  ['SUNIONSTORE', 'dst', 'st', 'st3'],
  ['SDIFFSTORE', 'dst', 'st', 'st3'],
  ['SDIFFSTORE', 'dst', 'nos', 'st3'],
  ['SREM', 'st3', 'x', 'y'],
  ['SISMEMBER', 'nos', 'a'],
  // sorted sets
  ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'],
  ['ZADD', 'z', 'XX', '5', 'a'],
  ['ZADD', 'z', 'NX', '5', 'a'],
  ['ZINCRBY', 'z', '1', 'b'],
  ['ZREM', 'z', 'c'],
  ['ZPOPMIN', 'z'],
  ['ZPOPMAX', 'z', '5'],
  ['ZADD', 'z2', '1', 'a', '2', 'b', '3', 'c', '4', 'd'],
  ['ZREMRANGEBYRANK', 'z2', '0', '0'],
  ['ZREMRANGEBYSCORE', 'z2', '3', '3'],
  ['ZREMRANGEBYLEX', 'z2', '[a', '[b'],
  ['ZADD', 'z3', '1', 'x'],
  ['ZUNIONSTORE', 'zd', '2', 'z2', 'z3'],
  ['ZINTERSTORE', 'zd', '2', 'z2', 'z3'],
  ['ZDIFFSTORE', 'zd', '2', 'z2', 'z3'],
  ['ZRANGESTORE', 'zd2', 'z2', '0', '-1'],
  ['ZRANGESTORE', 'zd2', 'noz', '0', '-1'],
  ['ZMPOP', '1', 'z2', 'MIN'],
  ['ZSCORE', 'noz', 'a'],
  // sort
  ['RPUSH', 'sl', '3', '1', '2'],
  ['SORT', 'sl', 'STORE', 'sorted'],
  ['SORT', 'nol', 'STORE', 'sorted'],
  // flushes
  ['SET', 'f1', 'x'],
  ['FLUSHDB'],
  ['SET', 'f2', 'x'],
  ['FLUSHALL'],
];

test('every command of the corpus publishes the same keyspace events as redis-server (all classes, new and keymiss included)', async () => {
  await setClasses('KEAnm');
  await pair.reset();
  await eventsUntilMarker(pair.o, osub);
  await eventsUntilMarker(pair.r, rsub);
  for (const cmd of CORPUS) await sameEvents(cmd);
});

test('events go to the database the command ran in', async () => {
  await setClasses('KEA');
  await pair.same(['SELECT', '3']);
  await sameEvents(['SET', 'k', 'v']);
  await sameEvents(['MOVE', 'k', '0']);
  await pair.same(['SELECT', '0']);
  await sameEvents(['DEL', 'k']);
});

test('the class letters select the same events as redis-server', async () => {
  const script: Cmd[] = [
    ['SET', 'a', '1'],
    ['GET', 'nokey'],
    ['LPUSH', 'l', 'x'],
    ['SADD', 's', 'x'],
    ['HSET', 'h', 'f', 'v'],
    ['ZADD', 'z', '1', 'x'],
    ['EXPIRE', 'a', '100'],
    ['DEL', 'a', 'l', 's', 'h', 'z'],
  ];
  for (const classes of [
    '',
    'K',
    'E',
    'Kg',
    'E$',
    'Kl',
    'Es',
    'Kh',
    'Ez',
    'Kx',
    'Ee',
    'Km',
    'En',
    'KEA',
    'Am',
    'KEAn',
    'gK$E',
  ]) {
    await setClasses(classes);
    for (const cmd of script) await sameEvents(cmd);
  }
  await pair.same(['CONFIG', 'SET', 'notify-keyspace-events', 'KEQ']);
});

test('keys expired by the active expire cycle publish expired (and lazily expired ones too)', async () => {
  await setClasses('KEA');
  // The active cycle is off while the keys are written, so that neither server can expire e1
  // between the two SETs (which made the per-command event batches differ by timing alone).
  const [offO, offR] = await pair.both('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
  assert.deepEqual([offO, offR], ['+OK\r\n', '+OK\r\n']);
  await sameEvents(['SET', 'e1', 'v', 'PX', '1']);
  await sameEvents(['SET', 'e2', 'v', 'PX', '1']);
  await pair.same(['DEBUG', 'SET-ACTIVE-EXPIRE', '1']);
  // Wait until both servers' active cycles removed them.
  const deadline = Date.now() + 10000;
  for (;;) {
    const [a, b] = await pair.both('DBSIZE');
    if ((a === ':0\r\n' && b === ':0\r\n') || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const [ea, eb] = await Promise.all([eventsUntilMarker(pair.o, osub), eventsUntilMarker(pair.r, rsub)]);
  assert.deepEqual(eb.sort(), ea.sort());
  assert.equal(ea.length, 4);
  // Lazy expiry on access.
  await pair.same(['DEBUG', 'SET-ACTIVE-EXPIRE', '0']);
  await sameEvents(['SET', 'e3', 'v', 'PX', '1']);
  await new Promise((r) => setTimeout(r, 10));
  await sameEvents(['GET', 'e3']);
  await pair.same(['DEBUG', 'SET-ACTIVE-EXPIRE', '1']);
});

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('the seeded random command sequence publishes the same keyspace events as redis-server', async () => {
  // The generator of random-sequence.test.ts, imported without registering its own test.
  process.env.RESPITE_SEQ_IMPORT = '1';
  const { Gen, sortedArray } = await import('./random-sequence.test.js');
  await setClasses('KEAnm');
  const n = Number(process.env.RESPITE_NOTIFY_SEQ_LEN ?? 600);
  for (const seed of [1, 2, 3]) {
    await pair.reset();
    await pair.both('HELLO', seed === 3 ? '3' : '2');
    await eventsUntilMarker(pair.o, osub);
    await eventsUntilMarker(pair.r, rsub);
    const gen = new Gen(mulberry32(seed));
    for (let i = 0; i < n; i++) {
      const cmd = gen.command();
      const [a, b] = await pair.both(...cmd);
      assert.equal(sortedArray(b), sortedArray(a), `seed ${seed} #${i}: reply to ${fmt(cmd)} differs`);
      const [ea, eb] = await Promise.all([eventsUntilMarker(pair.o, osub), eventsUntilMarker(pair.r, rsub)]);
      assert.deepEqual(eb, ea, `seed ${seed} #${i}: keyspace events of ${fmt(cmd)} differ`);
    }
  }
  await pair.both('HELLO', '2');
});
