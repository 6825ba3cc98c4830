/**
 * Side effects of the string commands against the oracle: what each write propagates to
 * AOF/replicas (read back from the oracle's AOF, compared with Respite's `propagate` hook)
 * and which keyspace events it fires (the oracle's `__keyevent@0__:*` messages, compared with
 * Respite's `notifyKeyspaceEvent` hook).
 *
 * Respite only calls `propagate` for rewritten commands (SET ... EX -> SET ... PXAT, GETDEL ->
 * DEL, ...); a write that changed the dirty counter without calling it is expected to be
 * propagated verbatim by the dispatcher. MULTI/EXEC wrapping is the AOF layer's business and
 * is ignored here; relative expire times are compared within 2 s.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startPair, fmt, type Cmd, type Pair } from '../helpers/compat.js';
import { RawClient } from '../helpers/raw-client.js';
import { AofTail, oracleEvents } from '../helpers/oracle-effects.js';
import { NOTIFY_NEW } from '../../src/server/notify.js';
import type { Database } from '../../src/store/database.js';

let pair: Pair;
let sub: RawClient;
let aof: AofTail;
const propagated: string[][] = [];
const events: string[] = [];

/** Two argument lists are the same command, timestamps of relative TTLs within 2 s. */
function sameCommand(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    if (i === 0 && a[i].toUpperCase() === b[i].toUpperCase()) continue;
    const x = Number(a[i]);
    const y = Number(b[i]);
    if (x > 1e12 && y > 1e12 && Math.abs(x - y) <= 2000) continue;
    return false;
  }
  return true;
}

before(async () => {
  pair = await startPair([
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    '--notify-keyspace-events',
    'KEAm',
    '--enable-debug-command',
    'yes',
  ]);
  // Only lazy expiry, so which command meets an expired key is deterministic.
  await pair.o.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
  pair.respite.server.activeExpireEnabled = false;
  aof = new AofTail(join(pair.oracle.dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'));
  sub = await RawClient.connect(pair.oracle.port);
  await sub.call('PSUBSCRIBE', '__keyevent@0__:*');
  const server = pair.respite.server;
  let expiring = false;
  const onExpired = server.onExpired.bind(server);
  server.onExpired = (db: Database, key: string): void => {
    expiring = true;
    onExpired(db, key);
    expiring = false;
  };
  server.propagate = (_dbid: number, argv: string[]): void => {
    propagated.push(expiring ? ['(expired)', ...argv] : argv);
  };
  server.notifyKeyspaceEvent = (type: number, event: string, key: string): void => {
    if (type !== NOTIFY_NEW) events.push(`${event} ${key}`);
  };
  aof.read();
});

after(async () => {
  sub.close();
  await pair.close();
});

/** Runs each command on both servers and compares replies, propagation and events. */
async function sameEffects(...cmds: Cmd[]): Promise<void> {
  const server = pair.respite.server;
  for (const cmd of cmds) {
    const argv = cmd.map((a) => (Buffer.isBuffer(a) ? a.latin1Slice() : String(a)));
    propagated.length = 0;
    events.length = 0;
    const dirty = server.dirty;
    const [a, b] = await pair.both(...cmd);
    assert.equal(b, a, `reply to ${fmt(cmd)}`);
    const expired = propagated.filter((p) => p[0] === '(expired)').map((p) => p.slice(1));
    const own = propagated.filter((p) => p[0] !== '(expired)');
    const respiteProp = [...expired, ...(own.length > 0 ? own : server.dirty !== dirty ? [argv] : [])];
    const oracleProp = aof.read();
    assert.ok(
      respiteProp.length === oracleProp.length && respiteProp.every((p, i) => sameCommand(p, oracleProp[i])),
      `propagation of ${fmt(cmd)}:\n  redis:   ${JSON.stringify(oracleProp)}\n  respite: ${JSON.stringify(respiteProp)}`,
    );
    assert.deepEqual(events, await oracleEvents(pair, sub), `keyspace events of ${fmt(cmd)}`);
  }
}

test('SET and its variants propagate deterministic commands and fire set/expire events', async () => {
  await sameEffects(
    ['SET', 'e:a', 'v'],
    ['SET', 'e:a', 'w'],
    ['SET', 'e:a', 'x', 'NX'],
    ['SET', 'e:a', 'x', 'XX'],
    ['SET', 'e:b', 'x', 'XX'],
    ['SET', 'e:a', 'y', 'GET'],
    ['set', 'e:a', 'y', 'get', 'GET', 'KEEPTTL'],
    ['SET', 'e:a', 'z', 'EX', '100'],
    ['SET', 'e:a', 'z', 'px', '100000', 'NX'],
    ['SET', 'e:a', 'z', 'PX', '100000', 'XX'],
    ['SET', 'e:a', 'z', 'EXAT', '99999999999'],
    ['SET', 'e:a', 'z', 'PXAT', '99999999999999'],
    ['SET', 'e:a', 'z', 'KEEPTTL'],
    ['SET', 'e:a', 'z', 'GET', 'EX', '100'],
    ['SET', 'e:c', 'z', 'EX', '0'],
    ['SETNX', 'e:c', '1'],
    ['SETNX', 'e:c', '2'],
    ['SETEX', 'e:d', '100', 'v'],
    ['PSETEX', 'e:d', '100000', 'v'],
    ['SETEX', 'e:d', '-1', 'v'],
    ['GETSET', 'e:d', 'w'],
    ['GETSET', 'e:new', 'w'],
    ['MSET', 'e:m1', '1', 'e:m2', '2', 'e:m1', '3'],
    ['MSETNX', 'e:m1', '1', 'e:m3', '2'],
    ['MSETNX', 'e:m4', '1', 'e:m5', '2'],
  );
});

test('GETEX, GETDEL and reads propagate and notify like the oracle, including keymiss', async () => {
  await sameEffects(
    ['SET', 'g:a', 'v'],
    ['GETEX', 'g:a'],
    ['GETEX', 'g:a', 'EX', '100'],
    ['GETEX', 'g:a', 'PXAT', '99999999999999'],
    ['GETEX', 'g:a', 'PERSIST'],
    ['GETEX', 'g:a', 'PERSIST'],
    ['GETEX', 'g:a', 'EXAT', '1'],
    ['GETEX', 'g:a', 'EX', '100'],
    ['GETDEL', 'g:missing'],
    ['SET', 'g:b', 'v'],
    ['GETDEL', 'g:b'],
    ['GET', 'g:b'],
    ['MGET', 'g:b', 'g:c', 'e:a'],
    ['STRLEN', 'g:b'],
    ['GETRANGE', 'g:b', '0', '1'],
    ['LCS', 'g:b', 'g:c'],
    ['SET', 'g:b', 'v', 'GET'],
  );
});

test('in-place writes and counters fire append/setrange/incrby/incrbyfloat events', async () => {
  await sameEffects(
    ['APPEND', 'w:a', 'x'],
    ['APPEND', 'w:a', 'y'],
    ['APPEND', 'w:a', ''],
    ['SETRANGE', 'w:a', '5', 'z'],
    ['SETRANGE', 'w:a', '5', ''],
    ['SETRANGE', 'w:b', '5', ''],
    ['SETRANGE', 'w:b', '5', 'q'],
    ['SETRANGE', 'w:b', '-1', 'q'],
    ['INCR', 'w:n'],
    ['DECR', 'w:n'],
    ['INCRBY', 'w:n', '10'],
    ['DECRBY', 'w:n', '3'],
    ['INCRBY', 'w:a', '1'],
    ['INCRBYFLOAT', 'w:f', '1.5'],
    ['INCRBYFLOAT', 'w:f', '0.1'],
    ['INCRBYFLOAT', 'w:f', 'inf'],
    ['SET', 'w:t', '1', 'PXAT', '99999999999999'],
    ['INCRBYFLOAT', 'w:t', '1'],
  );
});

test('a key found expired by a string command is deleted, propagated as DEL and notified', async () => {
  await sameEffects(
    ['SET', 'x:a', 'v', 'PX', '1'],
    ['SET', 'x:b', 'v', 'PX', '1'],
    ['SET', 'x:c', 'v', 'PX', '1'],
    ['SET', 'x:d', '5', 'PX', '1'],
  );
  await new Promise((r) => setTimeout(r, 20));
  await sameEffects(['GET', 'x:a'], ['SET', 'x:b', 'w'], ['APPEND', 'x:c', 'w'], ['INCR', 'x:d']);
});
