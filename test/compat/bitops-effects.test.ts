/**
 * Side effects of the bitmap and HyperLogLog commands against the oracle: what each write
 * propagates to AOF/replicas (read back from the oracle's AOF, compared with Respite's
 * `propagate` hook) and which keyspace events it fires (`setbit`, `set`, `del`, `pfadd`,
 * `keymiss`), including Redis 7.0.15's rules: SETBIT and BITFIELD only when a bit changed or
 * the string was created or grown, PFCOUNT propagates when it caches a cardinality.
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

test('SETBIT notifies and propagates only when a bit changes or the string is created or grows', async () => {
  await sameEffects(
    ['SETBIT', 'b', '7', '1'],
    ['SETBIT', 'b', '7', '1'],
    ['SETBIT', 'b', '7', '0'],
    ['SETBIT', 'b', '100', '0'],
    ['SETBIT', 'b', '-1', '1'],
    ['SETBIT', 'b', '1', '2'],
    ['GETBIT', 'b', '7'],
    ['GETBIT', 'nob', '7'],
    ['BITCOUNT', 'b'],
    ['BITCOUNT', 'nob'],
    ['BITPOS', 'nob', '1'],
    ['RPUSH', 'l', 'x'],
    ['SETBIT', 'l', '1', '1'],
  );
});

test('BITOP fires set on the destination, del when an empty result removes it', async () => {
  await sameEffects(
    ['SET', 'a', 'abc'],
    ['BITOP', 'AND', 'd', 'a', 'nokey'],
    ['BITOP', 'NOT', 'd', 'a'],
    ['BITOP', 'OR', 'd', 'nokey'],
    ['BITOP', 'OR', 'd', 'nokey'],
    ['SET', 'd', 'x', 'EX', '100'],
    ['BITOP', 'XOR', 'd', 'a', 'a'],
    ['BITOP', 'NAND', 'd', 'a'],
  );
});

test('BITFIELD notifies setbit when a value changed or the key was created', async () => {
  await sameEffects(
    ['BITFIELD', 'f', 'SET', 'u8', '0', '0'],
    ['BITFIELD', 'f', 'SET', 'u8', '0', '0'],
    ['BITFIELD', 'f', 'SET', 'u8', '8', '0'],
    ['BITFIELD', 'f', 'SET', 'u8', '8', '1', 'SET', 'u8', '16', '1'],
    ['BITFIELD', 'f', 'INCRBY', 'u8', '0', '0', 'GET', 'u8', '0'],
    ['BITFIELD', 'f', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '9'],
    ['BITFIELD', 'g', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '9'],
    ['BITFIELD', 'nof', 'GET', 'u8', '0'],
    ['BITFIELD_RO', 'f', 'GET', 'u8', '0'],
    ['BITFIELD_RO', 'nof', 'GET', 'u8', '0'],
    ['BITFIELD', 'f', 'GET', 'u8', 'x'],
  );
});

test('PFADD and PFMERGE fire pfadd; PFCOUNT propagates when it caches; PFDEBUG conversions propagate', async () => {
  await sameEffects(
    ['PFADD', 'h', 'a', 'b'],
    ['PFADD', 'h', 'a'],
    ['PFADD', 'h2'],
    ['PFADD', 'h2'],
    ['PFCOUNT', 'h'],
    ['PFCOUNT', 'h'],
    ['PFCOUNT', 'h', 'h2'],
    ['PFCOUNT', 'noh'],
    ['PFMERGE', 'm', 'h', 'h2', 'noh'],
    ['PFMERGE', 'm'],
    ['PFDEBUG', 'ENCODING', 'm'],
    ['PFDEBUG', 'GETREG', 'h'],
    ['PFDEBUG', 'GETREG', 'h'],
    ['PFDEBUG', 'TODENSE', 'm'],
    ['PFDEBUG', 'TODENSE', 'm'],
    ['SET', 's', 'not an hll'],
    ['PFADD', 's', 'a'],
    ['PFCOUNT', 's'],
  );
});
