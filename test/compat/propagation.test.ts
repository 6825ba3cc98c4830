/**
 * What Respite propagates to the AOF and replicas, compared with the oracle's own AOF: the
 * oracle runs with `appendonly yes` / `appendfsync always`, and after each scenario the
 * commands it appended to its incremental AOF file (SELECT, MULTI and EXEC included) must
 * equal what Respite's propagation recorder saw. Covers verbatim writes, the deterministic
 * rewrites (relative TTLs, INCRBYFLOAT, SPOP, blocking pops...), expiry deletions (lazy and
 * active), served blocked clients, MULTI/EXEC wrapping and SELECT placement.
 *
 * Absolute times derived from the clock are compared within 2 s; SPOP's random members are
 * compared by count only.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startPair, fmt, type Cmd, type Pair } from '../helpers/compat.js';
import { RawClient } from '../helpers/raw-client.js';
import { AofTail } from '../helpers/oracle-effects.js';
import { recordPropagation, type PropagationRecorder } from '../../src/index.js';

let pair: Pair;
let aof: AofTail;
let rec: PropagationRecorder;
const o: RawClient[] = [];
const r: RawClient[] = [];

before(async () => {
  pair = await startPair(['--appendonly', 'yes', '--appendfsync', 'always', '--enable-debug-command', 'yes']);
  // Both streams start before the first write, with no database selected.
  rec = recordPropagation(pair.respite.server);
  aof = new AofTail(join(pair.oracle.dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'));
  o.push(pair.o);
  r.push(pair.r);
  for (let i = 1; i < 4; i++) {
    o.push(await RawClient.connect(pair.oracle.port));
    r.push(await RawClient.connect(pair.respite.port));
  }
  // Only lazy expiry, so which command meets an expired key is deterministic.
  await o[0].call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
  pair.respite.server.activeExpireEnabled = false;
});

after(async () => {
  for (let i = 1; i < o.length; i++) {
    o[i].close();
    r[i].close();
  }
  await pair.close();
});

/** A command sent by connection `who`; `random` replies (SPOP) are not compared. */
type Step = [who: number, ...cmd: Cmd];

const SPOP_RANDOM = new Set<string>();

function normalize(stream: string[][]): string[][] {
  return stream.map((argv) => {
    const name = argv[0].toUpperCase();
    // SPOP's members are random: keep the shape (SREM key <n members>).
    if (name === 'SREM' && SPOP_RANDOM.has(argv[1])) return ['SREM', argv[1], `<${argv.length - 2}>`];
    return argv.map((a) => {
      const n = Number(a);
      // Absolute times computed from the clock (PXAT, PEXPIREAT ...): round to 10 s.
      return /^\d{13}$/.test(a) && n > 1e12 ? `<t:${Math.round(n / 10000)}>` : a;
    });
  });
}

function sameTime(a: string, b: string): boolean {
  return /^\d{13}$/.test(a) && /^\d{13}$/.test(b) && Math.abs(Number(a) - Number(b)) <= 2000;
}

/** Compares two streams, with clock-derived times within 2 s. */
function assertSameStream(respite: string[][], oracle: string[][], what: string): void {
  const a = normalize(oracle);
  const b = normalize(respite);
  const ok =
    a.length === b.length &&
    a.every(
      (x, i) =>
        x.length === b[i].length &&
        x.every((y, j) => y === b[i][j] || sameTime(oracle[i][j] ?? '', respite[i][j] ?? '')),
    );
  assert.ok(
    ok,
    `propagation of ${what}:\n  redis:   ${JSON.stringify(oracle)}\n  respite: ${JSON.stringify(respite)}`,
  );
}

/** Runs the steps on both servers (replies compared unless random), then compares the streams. */
async function sameProp(steps: Step[], opts: { random?: boolean } = {}): Promise<void> {
  aof.readAll();
  rec.take();
  for (const [who, ...cmd] of steps) {
    o[who].send(...cmd);
    r[who].send(...cmd);
    const [a, b] = [await o[who].read(), await r[who].read()];
    if (!opts.random) assert.equal(b, a, `reply to ${fmt(cmd)} (client ${who})`);
  }
  assertSameStream(rec.take(), aof.readAll(), steps.map(([, ...c]) => fmt(c)).join(' | '));
}

/** Each command from client 0. */
function cmds(...list: Cmd[]): Step[] {
  return list.map((c): Step => [0, ...c]);
}

const sleep = (ms: number): Promise<void> => new Promise((res) => setTimeout(res, ms));

/** Waits until both servers have `n` clients blocked. */
async function blocked(n: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const [a, b] = await Promise.all([o[3].call('INFO', 'clients'), r[3].call('INFO', 'clients')]);
    const re = new RegExp(`blocked_clients:${n}\\r\\n`);
    if (re.test(a) && re.test(b)) return;
    await sleep(5);
  }
  throw new Error(`clients did not block`);
}

describe('verbatim and rewritten writes', () => {
  test('SELECT is emitted before the first write and when the database changes', async () => {
    await sameProp(
      cmds(['SET', 'a', '1'], ['SELECT', '2'], ['GET', 'a'], ['SET', 'a', '2'], ['SELECT', '0']),
    );
    await sameProp(cmds(['SET', 'a', '3'], ['set', 'a', '4']));
  });

  test('string commands', async () => {
    await sameProp(
      cmds(
        ['SET', 's', 'v'],
        ['SET', 's', 'v', 'NX'],
        ['SET', 's', 'w', 'XX', 'GET'],
        ['SET', 's', 'v', 'EX', '100'],
        ['SET', 's', 'v', 'PX', '100000', 'GET'],
        ['SET', 's', 'v', 'EXAT', '99999999999'],
        ['SET', 's', 'v', 'PXAT', '99999999999999', 'XX'],
        ['SET', 's', 'v', 'KEEPTTL'],
        ['SET', 'nx', 'v', 'EX', '100', 'NX'],
        ['SET', 'nx', 'v', 'EX', '100', 'NX'],
        ['SETEX', 's', '100', 'v'],
        ['PSETEX', 's', '100000', 'v'],
        ['SETNX', 's', 'x'],
        ['SETNX', 's2', 'x'],
        ['MSET', 'm1', '1', 'm2', '2'],
        ['MSETNX', 'm1', '1', 'm3', '3'],
        ['MSETNX', 'm4', '1', 'm5', '3'],
        ['GETSET', 's', 'g'],
        ['APPEND', 's', 'xx'],
        ['SETRANGE', 's', '1', 'yy'],
        ['INCR', 'n'],
        ['DECR', 'n'],
        ['INCRBY', 'n', '10'],
        ['DECRBY', 'n', '3'],
        ['INCRBYFLOAT', 'n', '1.5'],
        ['INCRBYFLOAT', 'f', '3.0e3'],
        ['INCR', 's'],
        ['GETDEL', 's'],
        ['GETDEL', 's'],
        ['SET', 'gx', '1'],
        ['GETEX', 'gx'],
        ['GETEX', 'gx', 'EX', '100'],
        ['GETEX', 'gx', 'PX', '100000'],
        ['GETEX', 'gx', 'EXAT', '99999999999'],
        ['GETEX', 'gx', 'PXAT', '99999999999999'],
        ['GETEX', 'gx', 'PERSIST'],
        ['GETEX', 'gx', 'EX', '-1'],
        ['GETEX', 'gx', 'PXAT', '1'],
        ['SET', 'gx', 'v'],
        ['GETEX', 'gx', 'EXAT', '1'],
      ),
    );
  });

  test('keyspace commands', async () => {
    await sameProp(
      cmds(
        ['SET', 'k', '1'],
        ['SET', 'k2', '2'],
        ['EXPIRE', 'k', '100'],
        ['PEXPIRE', 'k', '100001', 'GT'],
        ['EXPIRE', 'k', '50', 'NX'],
        ['EXPIREAT', 'k', '99999999999'],
        ['PEXPIREAT', 'k', '99999999999999', 'LT'],
        ['PERSIST', 'k'],
        ['PERSIST', 'k'],
        ['EXPIRE', 'nosuch', '100'],
        ['RENAME', 'k', 'k3'],
        ['RENAMENX', 'k3', 'k2'],
        ['RENAMENX', 'k3', 'k4'],
        ['COPY', 'k4', 'k5'],
        ['COPY', 'k4', 'k5', 'DB', '3', 'REPLACE'],
        ['MOVE', 'k5', '4'],
        ['DEL', 'k4', 'nosuch'],
        ['DEL', 'nosuch'],
        ['UNLINK', 'k2'],
        ['EXPIRE', 'k5', '-1'],
        ['SET', 'k6', '1'],
        ['PEXPIREAT', 'k6', '1'],
        ['SWAPDB', '0', '4'],
        ['SWAPDB', '0', '4'],
        ['FLUSHDB'],
        ['FLUSHDB', 'ASYNC'],
        ['SELECT', '4'],
        ['FLUSHALL'],
        ['SELECT', '0'],
      ),
    );
  });

  test('list commands', async () => {
    await sameProp(
      cmds(
        ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e', 'f'],
        ['LPUSH', 'l', 'z'],
        ['LPUSHX', 'l', 'y'],
        ['RPUSHX', 'nol', 'y'],
        ['LPOP', 'l'],
        ['RPOP', 'l', '2'],
        ['LPOP', 'nol'],
        ['LSET', 'l', '0', 'q'],
        ['LINSERT', 'l', 'BEFORE', 'b', 'bb'],
        ['LINSERT', 'l', 'BEFORE', 'nosuch', 'bb'],
        ['LREM', 'l', '0', 'bb'],
        ['LTRIM', 'l', '0', '2'],
        ['LMOVE', 'l', 'l2', 'LEFT', 'RIGHT'],
        ['RPOPLPUSH', 'l', 'l2'],
        ['LMPOP', '2', 'nol', 'l2', 'RIGHT', 'COUNT', '5'],
        ['RPUSH', 'l', 'a', 'b', 'c'],
        ['BLPOP', 'nol', 'l', '1'],
        ['BRPOP', 'l', '1'],
        ['BLMOVE', 'l', 'l3', 'RIGHT', 'LEFT', '1'],
        ['RPUSH', 'l', 'a', 'b', 'c'],
        ['BRPOPLPUSH', 'l', 'l3', '1'],
        ['BLMPOP', '1', '1', 'l', 'LEFT', 'COUNT', '10'],
      ),
    );
  });

  test('hash, set, sorted set and SORT commands', async () => {
    await sameProp(
      cmds(
        ['HSET', 'h', 'a', '1', 'b', '2'],
        ['HSETNX', 'h', 'a', '1'],
        ['HSETNX', 'h', 'c', '1'],
        ['HMSET', 'h', 'd', '4'],
        ['HDEL', 'h', 'd', 'nosuch'],
        ['HINCRBY', 'h', 'a', '5'],
        ['HINCRBYFLOAT', 'h', 'b', '0.25'],
        ['SADD', 's1', 'a', 'b', 'c'],
        ['SADD', 's1', 'a'],
        ['SREM', 's1', 'c', 'x'],
        ['SMOVE', 's1', 's2', 'a'],
        ['SADD', 's3', 'a', 'b'],
        ['SINTERSTORE', 'd1', 's1', 's3'],
        ['SUNIONSTORE', 'd2', 's1', 's2'],
        ['SDIFFSTORE', 'd3', 's3', 's1'],
        ['SDIFFSTORE', 'd3', 'nosuch'],
        ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'],
        ['ZADD', 'z', 'INCR', '5', 'a'],
        ['ZADD', 'z', 'NX', '5', 'a'],
        ['ZINCRBY', 'z', '1.5', 'b'],
        ['ZREM', 'z', 'c', 'x'],
        ['ZPOPMIN', 'z'],
        ['ZPOPMAX', 'z', '1'],
        ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'],
        ['ZMPOP', '1', 'z', 'MIN', 'COUNT', '2'],
        ['BZPOPMIN', 'z', '1'],
        ['BZPOPMAX', 'z', '1'],
        ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'],
        ['BZMPOP', '1', '1', 'z', 'MAX', 'COUNT', '2'],
        ['ZRANGESTORE', 'z2', 'z', '0', '-1'],
        ['ZUNIONSTORE', 'z3', '2', 'z', 'z2'],
        ['ZINTERSTORE', 'z4', '1', 'z'],
        ['ZREMRANGEBYRANK', 'z3', '0', '0'],
        ['ZREMRANGEBYSCORE', 'z3', '-inf', '+inf'],
        ['ZADD', 'zl', '0', 'a', '0', 'b'],
        ['ZREMRANGEBYLEX', 'zl', '-', '+'],
        ['RPUSH', 'sl', '3', '1', '2'],
        ['SORT', 'sl', 'STORE', 'sorted'],
        ['SORT', 'nosuch', 'STORE', 'sorted'],
      ),
    );
  });

  test('SPOP propagates as SREM of the members it popped, DEL when it takes all', async () => {
    SPOP_RANDOM.add('sp');
    await sameProp(
      cmds(
        ['SADD', 'sp', 'a', 'b', 'c', 'd', 'e', 'f', 'g'],
        ['SPOP', 'sp'],
        ['SPOP', 'sp', '2'],
        ['SPOP', 'sp', '0'],
        ['SPOP', 'sp', '10'],
        ['SADD', 'sp', '1', '2', '3', '4', '5', '6', '7', '8'],
        ['SPOP', 'sp', '5'],
      ),
      { random: true },
    );
  });
});

describe('writes that change nothing, and writes meeting expired keys', () => {
  test('no-op writes propagate nothing', async () => {
    await sameProp(
      cmds(
        ['SET', 'base', '1'],
        ['RPUSH', 'nl', 'a'],
        ['HSET', 'nh', 'f', 'v'],
        ['SADD', 'ns', 'a'],
        ['ZADD', 'nz', '1', 'a'],
        ['LREM', 'nl', '0', 'x'],
        ['LREM', 'missing', '0', 'x'],
        ['LTRIM', 'missing', '0', '1'],
        ['LTRIM', 'nl', '0', '-1'],
        ['HDEL', 'nh', 'x'],
        ['SREM', 'ns', 'x'],
        ['ZREM', 'nz', 'x'],
        ['ZADD', 'nz', 'XX', '1', 'b'],
        ['ZADD', 'nz', '1', 'a'],
        ['SMOVE', 'ns', 'ns2', 'x'],
        ['EXPIRE', 'base', '100', 'XX'],
        ['PERSIST', 'base'],
        ['SETRANGE', 'missing', '0', ''],
        ['APPEND', 'base', ''],
        ['LPOP', 'missing'],
        ['RPOPLPUSH', 'missing', 'nl'],
        ['ZPOPMIN', 'missing'],
        ['GETDEL', 'missing'],
        ['RENAMENX', 'base', 'nl'],
        ['SINTERSTORE', 'gone', 'missing'],
        ['ZUNIONSTORE', 'gone', '1', 'missing'],
        ['LSET', 'missing', '0', 'x'],
        ['INCR', 'nl'],
      ),
    );
  });

  test('store commands with an empty result delete the destination', async () => {
    await sameProp(
      cmds(
        ['SET', 'dst', 'x'],
        ['SINTERSTORE', 'dst', 'missing', 'ns'],
        ['SET', 'dst', 'x'],
        ['ZINTERSTORE', 'dst', '2', 'missing', 'nz'],
        ['SET', 'dst', 'x'],
        ['SORT', 'missing', 'STORE', 'dst'],
        ['SET', 'dst', 'x'],
        ['ZRANGESTORE', 'dst', 'missing', '0', '-1'],
      ),
    );
  });

  test('each write meeting an expired key propagates its DEL first', async () => {
    const writes: Cmd[] = [
      ['SET', 'x0', 'v'],
      ['SET', 'x1', 'v', 'NX'],
      ['SET', 'x2', 'v', 'GET'],
      ['INCR', 'x3'],
      ['APPEND', 'x4', 'z'],
      ['GETDEL', 'x5'],
      ['GETEX', 'x6', 'EX', '100'],
      ['EXPIRE', 'x7', '100'],
      ['DEL', 'x8'],
      ['RENAME', 'x9', 'y'],
      ['LPUSH', 'x10', 'a'],
      ['SADD', 'x11', 'a'],
      ['HSET', 'x12', 'f', 'v'],
      ['ZADD', 'x13', '1', 'a'],
      ['COPY', 'base', 'x14'],
      ['MSET', 'x15', '1', 'x16', '2'],
      ['INCRBYFLOAT', 'x17', '1.5'],
      ['PERSIST', 'x18'],
      ['SETNX', 'x19', '1'],
    ];
    const setup: Cmd[] = [];
    for (let i = 0; i < 20; i++) setup.push(['SET', `x${i}`, String(i), 'PX', '1']);
    await sameProp(cmds(...setup));
    await sleep(20);
    for (const w of writes) await sameProp(cmds(w));
  });
});

describe('MULTI/EXEC', () => {
  test('a transaction with several writes is wrapped in MULTI/EXEC, with one write or none it is not', async () => {
    await sameProp(cmds(['MULTI'], ['SET', 't', '1'], ['GET', 't'], ['EXEC']));
    await sameProp(cmds(['MULTI'], ['GET', 't'], ['EXEC']));
    await sameProp(cmds(['MULTI'], ['SET', 't', '1'], ['INCR', 't'], ['EXEC']));
    await sameProp(cmds(['MULTI'], ['EXEC']));
  });

  test('SELECT inside a transaction is placed between the wrapped commands', async () => {
    await sameProp(
      cmds(['MULTI'], ['SET', 't', '1'], ['SELECT', '5'], ['SET', 't', '2'], ['SELECT', '0'], ['EXEC']),
    );
    await sameProp(
      cmds(['MULTI'], ['SELECT', '6'], ['SET', 't', '1'], ['EXEC'], ['SET', 't', '2'], ['SELECT', '0']),
    );
  });

  test('rewritten commands inside a transaction, failed commands and aborted transactions', async () => {
    await sameProp(
      cmds(
        ['MULTI'],
        ['SET', 't', '1.5', 'EX', '100'],
        ['INCRBYFLOAT', 't', '1'],
        ['EXPIRE', 't', '10'],
        ['LPUSH', 't', 'x'],
        ['EXEC'],
      ),
    );
    await sameProp(
      cmds(['MULTI'], ['SET', 't', '1'], ['NOPE'], ['EXEC'], ['MULTI'], ['SET', 't', '1'], ['DISCARD']),
    );
    SPOP_RANDOM.add('tsp');
    await sameProp(cmds(['SADD', 'tsp', 'a', 'b', 'c'], ['MULTI'], ['SPOP', 'tsp', '2'], ['EXEC']), {
      random: true,
    });
  });

  test('a WATCH-aborted transaction propagates nothing', async () => {
    await sameProp([
      [0, 'WATCH', 'wk'],
      [1, 'SET', 'wk', '1'],
      [0, 'MULTI'],
      [0, 'SET', 'wk', '2'],
      [0, 'EXEC'],
    ]);
  });
});

describe('expiry', () => {
  test('a write on an expired key propagates the DEL and the write together in MULTI/EXEC', async () => {
    await sameProp(cmds(['SET', 'x', '1', 'PX', '1'], ['SET', 'y', '1', 'PX', '1']));
    await sleep(20);
    await sameProp(cmds(['SET', 'x', '2']));
    await sameProp(cmds(['MGET', 'x', 'y', 'z']));
  });

  test('reads deleting expired keys propagate DELs (wrapped when several)', async () => {
    await sameProp(
      cmds(['SET', 'x', '1', 'PX', '1'], ['SET', 'y', '1', 'PX', '1'], ['SET', 'w', '1', 'PX', '1']),
    );
    await sleep(20);
    await sameProp(cmds(['GET', 'x']));
    await sameProp(cmds(['MGET', 'y', 'w']));
    await sameProp(cmds(['SET', 'x', '1', 'PX', '1'], ['SET', 'y', 'v']));
    await sleep(20);
    await sameProp(cmds(['MULTI'], ['GET', 'x'], ['EXEC']));
    await sameProp(cmds(['SET', 'x', '1', 'PX', '1']));
    await sleep(20);
    await sameProp(cmds(['MULTI'], ['EXISTS', 'x'], ['SET', 'y', '2'], ['EXEC']));
  });

  test('lazyfree-lazy-expire propagates UNLINK', async () => {
    await sameProp(cmds(['CONFIG', 'SET', 'lazyfree-lazy-expire', 'yes'], ['SET', 'x', '1', 'PX', '1']));
    await sleep(20);
    await sameProp(cmds(['GET', 'x'], ['CONFIG', 'SET', 'lazyfree-lazy-expire', 'no']));
  });

  test('active expiry propagates one DEL per key, not wrapped', async () => {
    await sameProp(
      cmds(
        ['SELECT', '7'],
        ['SET', 'a1', '1', 'PX', '1'],
        ['SET', 'a2', '1', 'PX', '1'],
        ['SET', 'a3', '1', 'PX', '1'],
      ),
    );
    await sleep(20);
    aof.readAll();
    rec.take();
    await o[1].call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
    pair.respite.server.activeExpireEnabled = true;
    try {
      for (let i = 0; i < 400; i++) {
        const [a, b] = await Promise.all([o[1].call('INFO', 'keyspace'), r[1].call('INFO', 'keyspace')]);
        if (!a.includes('db7:') && !b.includes('db7:')) break;
        await sleep(10);
      }
    } finally {
      await o[1].call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
      pair.respite.server.activeExpireEnabled = false;
    }
    // The order of deletion is the sampling order: compare as sets.
    const sorted = (s: string[][]): string[] => s.map((a) => a.join(' ')).sort();
    assert.deepEqual(sorted(rec.take()), sorted(aof.readAll()));
    await sameProp(cmds(['SELECT', '0']));
  });
});

describe('blocked clients', () => {
  test('a push serving a blocked client propagates the push, then the pop, each on its own', async () => {
    o[1].send('BLPOP', 'bq', '0');
    r[1].send('BLPOP', 'bq', '0');
    await blocked(1);
    await sameProp(cmds(['LPUSH', 'bq', 'a']));
    assert.equal(await r[1].read(), await o[1].read());
  });

  test('several blocked clients, BLMOVE chains, BZPOPMIN and BLMPOP served', async () => {
    o[1].send('BRPOP', 'bq', '0');
    r[1].send('BRPOP', 'bq', '0');
    await blocked(1);
    o[2].send('BLMPOP', '0', '1', 'bq', 'LEFT', 'COUNT', '2');
    r[2].send('BLMPOP', '0', '1', 'bq', 'LEFT', 'COUNT', '2');
    await blocked(2);
    await sameProp(cmds(['RPUSH', 'bq', 'a', 'b', 'c', 'd']));
    assert.equal(await r[1].read(), await o[1].read());
    assert.equal(await r[2].read(), await o[2].read());
    o[1].send('BLMOVE', 'src', 'mid', 'LEFT', 'RIGHT', '0');
    r[1].send('BLMOVE', 'src', 'mid', 'LEFT', 'RIGHT', '0');
    await blocked(1);
    o[2].send('BRPOPLPUSH', 'mid', 'dst', '0');
    r[2].send('BRPOPLPUSH', 'mid', 'dst', '0');
    await blocked(2);
    await sameProp(cmds(['RPUSH', 'src', 'x']));
    assert.equal(await r[1].read(), await o[1].read());
    assert.equal(await r[2].read(), await o[2].read());
    o[1].send('BZPOPMIN', 'bz', '0');
    r[1].send('BZPOPMIN', 'bz', '0');
    await blocked(1);
    o[2].send('BZMPOP', '0', '1', 'bz', 'MAX', 'COUNT', '5');
    r[2].send('BZMPOP', '0', '1', 'bz', 'MAX', 'COUNT', '5');
    await blocked(2);
    await sameProp(cmds(['ZADD', 'bz', '1', 'a', '2', 'b', '3', 'c']));
    assert.equal(await r[1].read(), await o[1].read());
    assert.equal(await r[2].read(), await o[2].read());
  });

  test('a transaction serving a blocked client propagates as a whole, the pop after it', async () => {
    o[1].send('BLPOP', 'bq2', '0');
    r[1].send('BLPOP', 'bq2', '0');
    await blocked(1);
    await sameProp(cmds(['MULTI'], ['LPUSH', 'bq2', 'a'], ['LPUSH', 'bq2', 'b'], ['EXEC']));
    assert.equal(await r[1].read(), await o[1].read());
  });
});

describe('scripts', () => {
  test("EVAL propagates the script's writes (wrapped in MULTI/EXEC when several), not itself", async () => {
    await sameProp(cmds(['EVAL', "redis.call('set','e1','1') return 1", '0']));
    await sameProp(cmds(['EVAL', "redis.call('set','e1','1') redis.call('incr','e1') return 1", '0']));
    await sameProp(cmds(['EVAL', "return redis.call('get','e1')", '0']));
    await sameProp(
      cmds(['EVAL', "redis.call('select','3') redis.call('set','e2','x') redis.call('del','e2')", '0']),
    );
    await sameProp(cmds(['EVAL', "redis.call('expire','e1',100) redis.call('incrbyfloat','f','1.5')", '0']));
  });
});
