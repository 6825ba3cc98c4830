/**
 * Side effects of the hash and set commands against the oracle: what each write propagates
 * to AOF/replicas (read back from the oracle's AOF, compared with Respite's `propagate` hook),
 * which keyspace events it fires (the oracle's `__keyevent@0__:*` messages, compared with
 * Respite's `notifyKeyspaceEvent` hook), and how much it moves the dirty counter.
 *
 * Respite only calls `propagate` for rewritten commands (SPOP -> SREM/DEL, HINCRBYFLOAT ->
 * HSET); a write that changed the dirty counter without calling it is expected to be
 * propagated verbatim by the dispatcher. MULTI/EXEC wrapping is the AOF layer's business.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startPair, fmt, type Cmd, type Pair } from '../helpers/compat.js';
import { RawClient } from '../helpers/raw-client.js';
import { AofTail, oracleEvents } from '../helpers/oracle-effects.js';
import { NOTIFY_KEY_MISS, NOTIFY_NEW } from '../../src/server/notify.js';

let pair: Pair;
let sub: RawClient;
let aof: AofTail;
const propagated: string[][] = [];
const events: string[] = [];

let oracleDirty = 0;

/** The oracle's rdb_changes_since_last_save (its dirty counter). */
async function oracleDirtyNow(): Promise<number> {
  const info = await pair.o.call('INFO', 'persistence');
  return Number(/rdb_changes_since_last_save:(\d+)/.exec(info)![1]);
}

before(async () => {
  pair = await startPair([
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    '--notify-keyspace-events',
    'KEA',
  ]);
  aof = new AofTail(join(pair.oracle.dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'));
  sub = await RawClient.connect(pair.oracle.port);
  await sub.call('PSUBSCRIBE', '__keyevent@0__:*');
  const server = pair.respite.server;
  server.propagate = (_dbid: number, argv: string[]): void => {
    propagated.push(argv);
  };
  server.notifyKeyspaceEvent = (type: number, event: string, key: string): void => {
    // keymiss (class m) is not enabled on the oracle; NOTIFY_NEW is module-only.
    if (type !== NOTIFY_NEW && type !== NOTIFY_KEY_MISS) events.push(`${event} ${key}`);
  };
  aof.read();
  oracleDirty = await oracleDirtyNow();
});

after(async () => {
  sub.close();
  await pair.close();
});

/** Runs each command on both servers and compares replies, propagation, events and dirty. */
async function sameEffects(...cmds: Cmd[]): Promise<void> {
  const server = pair.respite.server;
  for (const cmd of cmds) {
    const argv = cmd.map((a) => (Buffer.isBuffer(a) ? a.latin1Slice() : String(a)));
    propagated.length = 0;
    events.length = 0;
    const dirty = server.dirty;
    const [a, b] = await pair.both(...cmd);
    assert.equal(b, a, `reply to ${fmt(cmd)}`);
    const respiteProp = propagated.length > 0 ? [...propagated] : server.dirty !== dirty ? [argv] : [];
    const oracleProp = aof.read();
    assert.deepEqual(respiteProp, oracleProp, `propagation of ${fmt(cmd)}`);
    assert.deepEqual(events, await oracleEvents(pair, sub), `keyspace events of ${fmt(cmd)}`);
    const od = await oracleDirtyNow();
    assert.equal(server.dirty - dirty, od - oracleDirty, `dirty increment of ${fmt(cmd)}`);
    oracleDirty = od;
  }
}

test('set writes propagate and notify like redis: sadd, srem, smove, del when emptied', async () => {
  await sameEffects(
    ['SADD', 's:a', '1', '2', '3'],
    ['SADD', 's:a', '3', '4'],
    ['SADD', 's:a', '3'],
    ['SREM', 's:a', '1', 'x'],
    ['SREM', 's:a', 'x'],
    ['SREM', 's:none', 'x'],
    ['SMOVE', 's:a', 's:b', '2'],
    ['SMOVE', 's:a', 's:b', '2'],
    ['SMOVE', 's:a', 's:a', '3'],
    ['SADD', 's:c', '3'],
    ['SMOVE', 's:a', 's:c', '3'],
    ['SMOVE', 's:a', 's:b', '4'],
    ['SREM', 's:b', '2', '4'],
    ['SREM', 's:c', '3'],
  );
});

test('*STORE writes propagate verbatim and notify sinterstore/sunionstore/sdiffstore or del', async () => {
  await sameEffects(
    ['SADD', 't:a', '1', '2', '3'],
    ['SADD', 't:b', '2', '3', '4'],
    ['SINTERSTORE', 't:i', 't:a', 't:b'],
    ['SUNIONSTORE', 't:u', 't:a', 't:b'],
    ['SDIFFSTORE', 't:d', 't:a', 't:b'],
    ['SINTERSTORE', 't:i', 't:a', 't:none'],
    ['SINTERSTORE', 't:i', 't:a', 't:none'],
    ['SDIFFSTORE', 't:d', 't:a', 't:a'],
    ['SUNIONSTORE', 't:x', 't:none'],
    ['SET', 't:str', 'v'],
    ['SUNIONSTORE', 't:str', 't:a'],
    ['SINTERCARD', '2', 't:a', 't:b'],
    ['SMEMBERS', 't:u'],
  );
});

test('SPOP propagates the SREM of what it popped, or a DEL when the set goes', async () => {
  await sameEffects(
    ['SADD', 'p:a', 'only'],
    ['SPOP', 'p:a'],
    ['SPOP', 'p:a'],
    ['SADD', 'p:b', '1', '2', '3'],
    ['SPOP', 'p:b', '3'],
    ['SADD', 'p:c', '7', '5'],
    ['SPOP', 'p:c', '10'],
    ['SADD', 'p:d', 'x'],
    ['SPOP', 'p:d', '0'],
    ['SPOP', 'p:d', '1'],
    ['SPOP', 'p:none', '1'],
  );
  // Random pops: each popped member becomes one SREM of the key.
  await pair.both('SADD', 'p:e', ...Array.from({ length: 20 }, (_, i) => `m${i}`));
  aof.read();
  await oracleEvents(pair, sub);
  for (const count of ['3', '15']) {
    propagated.length = 0;
    events.length = 0;
    const [a, b] = await pair.both('SPOP', 'p:e', count);
    assert.equal(b.split('\r\n')[0], a.split('\r\n')[0]);
    const o = aof.read();
    assert.equal(propagated.length, o.length);
    assert.ok(propagated.every((p) => p.length === 3 && p[0] === 'SREM' && p[1] === 'p:e'));
    assert.ok(o.every((p) => p.length === 3 && p[0] === 'SREM' && p[1] === 'p:e'));
    const popped = b
      .split('\r\n')
      .filter((_, i) => i > 0 && i % 2 === 0)
      .sort();
    assert.deepEqual(propagated.map((p) => p[2]).sort(), popped);
    assert.deepEqual(events, await oracleEvents(pair, sub));
  }
  oracleDirty = await oracleDirtyNow();
});

test('hash writes propagate and notify like redis: hset, hdel, hincrby, hincrbyfloat as HSET', async () => {
  await sameEffects(
    ['HSET', 'h:a', 'f', '1', 'g', '2'],
    ['HSET', 'h:a', 'f', '1'],
    ['HMSET', 'h:a', 'f', '3', 'h', '4'],
    ['HSETNX', 'h:a', 'f', '5'],
    ['HSETNX', 'h:a', 'n', '5'],
    ['HSETNX', 'h:new', 'n', '5'],
    ['HINCRBY', 'h:a', 'f', '10'],
    ['HINCRBY', 'h:a', 'g', 'x'],
    ['HINCRBYFLOAT', 'h:a', 'x', '1.5'],
    ['HINCRBYFLOAT', 'h:a', 'x', '0.1'],
    ['HINCRBYFLOAT', 'h:a', 'x', '5.0e3'],
    ['HINCRBYFLOAT', 'h:a', 'x', 'inf'],
    ['HDEL', 'h:a', 'f', 'zz'],
    ['HDEL', 'h:a', 'zz'],
    ['HDEL', 'h:none', 'zz'],
    ['HGET', 'h:a', 'g'],
    ['HGETALL', 'h:a'],
    ['HDEL', 'h:a', 'g', 'h', 'n', 'x'],
    ['HDEL', 'h:new', 'n'],
  );
});

/** keyspace_hits and keyspace_misses of a server's INFO. */
async function hitsAndMisses(c: RawClient): Promise<[number, number]> {
  const info = await c.call('INFO', 'stats');
  return [Number(/keyspace_hits:(\d+)/.exec(info)![1]), Number(/keyspace_misses:(\d+)/.exec(info)![1])];
}

test('hash and set reads count keyspace hits and misses like redis, writes do not', async () => {
  await pair.both('SADD', 'k:s', '1', '2');
  await pair.both('SADD', 'k:t', 'a');
  await pair.both('HSET', 'k:h', 'a', '1');
  await pair.both('SET', 'k:str', 'x');
  const cmds: Cmd[] = [
    ['SISMEMBER', 'k:s', '1'],
    ['SISMEMBER', 'k:no', '1'],
    ['SCARD', 'k:s'],
    ['SMEMBERS', 'k:no'],
    ['SINTER', 'k:s', 'k:t', 'k:no'],
    ['SUNION', 'k:s', 'k:no'],
    ['SDIFF', 'k:no', 'k:s'],
    ['SINTERSTORE', 'k:d', 'k:s', 'k:t'],
    ['SUNIONSTORE', 'k:d', 'k:s', 'k:no'],
    ['SINTERCARD', '2', 'k:s', 'k:no'],
    ['SRANDMEMBER', 'k:s'],
    ['SRANDMEMBER', 'k:no', '3'],
    ['SMISMEMBER', 'k:s', '1'],
    ['SSCAN', 'k:s', '0'],
    ['SSCAN', 'k:no', '0'],
    ['SPOP', 'k:s', '5'],
    ['SPOP', 'k:no'],
    ['SMOVE', 'k:t', 'k:u', 'a'],
    ['SREM', 'k:no', 'a'],
    ['HGET', 'k:h', 'a'],
    ['HGET', 'k:no', 'a'],
    ['HMGET', 'k:no', 'a'],
    ['HLEN', 'k:h'],
    ['HSTRLEN', 'k:h', 'a'],
    ['HEXISTS', 'k:no', 'a'],
    ['HGETALL', 'k:h'],
    ['HKEYS', 'k:no'],
    ['HRANDFIELD', 'k:h'],
    ['HRANDFIELD', 'k:no', '2'],
    ['HSCAN', 'k:h', '0'],
    ['HINCRBY', 'k:h', 'n', '1'],
    ['HDEL', 'k:no', 'a'],
    ['HSETNX', 'k:h', 'a', '2'],
    ['SISMEMBER', 'k:str', '1'],
    ['HGET', 'k:str', 'a'],
  ];
  const [oh, om] = await hitsAndMisses(pair.o);
  const [rh, rm] = await hitsAndMisses(pair.r);
  for (const cmd of cmds) await pair.both(...cmd);
  const [oh2, om2] = await hitsAndMisses(pair.o);
  const [rh2, rm2] = await hitsAndMisses(pair.r);
  assert.deepEqual([rh2 - rh, rm2 - rm], [oh2 - oh, om2 - om]);
  aof.read();
  await oracleEvents(pair, sub);
  events.length = 0;
  propagated.length = 0;
  oracleDirty = await oracleDirtyNow();
});
