/**
 * Hash-field expiration (Redis 7.4: HEXPIRE, HPEXPIRE, HEXPIREAT, HPEXPIREAT, HTTL, HPTTL,
 * HEXPIRETIME, HPEXPIRETIME, HPERSIST). The oracle (7.0) has none of it, so these tests hold
 * Respite to Redis 7.4's documented behaviour and reply codes, over a real socket, with an
 * injected clock so that every TTL is exact and expiry happens exactly when the test says.
 */
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient } from '../helpers/raw-client.js';
import { startRespite } from '../helpers/servers.js';
import type { RespiteServer } from '../../src/index.js';
import { HashObject } from '../../src/store/types/hash.js';
import { NOTIFY_KEY_MISS, NOTIFY_NEW } from '../../src/server/notify.js';
import { fieldExpiryRegistrySize } from '../../src/commands/hash.js';

const T0 = 1_700_000_000_000;
let now = T0;
let srv: RespiteServer;
let c: RawClient;
const events: string[] = [];
const propagated: string[][] = [];

before(async () => {
  srv = await startRespite({ clock: () => now });
  c = await RawClient.connect(srv.port);
  const server = srv.server;
  server.notifyKeyspaceEvent = (type: number, event: string, key: string): void => {
    // keymiss (class m) is not enabled on the oracle; NOTIFY_NEW is module-only.
    if (type !== NOTIFY_NEW && type !== NOTIFY_KEY_MISS) events.push(`${event} ${key}`);
  };
  server.propagate = (_db: number, argv: string[]): void => {
    propagated.push(argv);
  };
});

after(async () => {
  c.close();
  await srv.close();
});

beforeEach(() => {
  for (const db of srv.server.dbs) db.flush();
  now = T0;
  srv.server.activeExpireEnabled = false;
  srv.server.config.set('hash-max-listpack-entries', ['128']);
  events.length = 0;
  propagated.length = 0;
});

const call = (...args: (string | number)[]): Promise<string> => c.call(...args);

/** An integer array reply as numbers. */
function ints(raw: string): number[] {
  assert.match(raw, /^\*\d+\r\n(:-?\d+\r\n)*$/, `not an integer array: ${JSON.stringify(raw)}`);
  return raw
    .split('\r\n')
    .slice(1, -1)
    .map((l) => Number(l.slice(1)));
}

/** A flat array of bulk strings as strings. */
function bulks(raw: string): string[] {
  const lines = raw.split('\r\n');
  const out: string[] = [];
  for (let i = 1; i < lines.length - 1; i += 2) out.push(lines[i + 1]);
  return out;
}

function encoding(key: string): string | undefined {
  const v = srv.server.dbs[0].dict.get(key);
  return v === undefined ? undefined : (v as HashObject).encoding();
}

/** Takes the events and propagated commands recorded since the last call. */
function effects(): { events: string[]; propagated: string[][] } {
  const r = { events: [...events], propagated: [...propagated] };
  events.length = 0;
  propagated.length = 0;
  return r;
}

for (const enc of ['listpack', 'hashtable'] as const) {
  const small = enc === 'listpack';
  const setup = (): void => {
    if (!small) srv.server.config.set('hash-max-listpack-entries', ['0']);
  };

  test(`HEXPIRE family reply codes per field: -2 missing, 1 set, 0 condition not met, 2 deleted (${enc})`, async () => {
    setup();
    await call('HSET', 'h', 'a', '1', 'b', '2', 'c', '3', 'd', '4');
    assert.deepEqual(ints(await call('HEXPIRE', 'h', 100, 'FIELDS', 3, 'a', 'zz', 'b')), [1, -2, 1]);
    assert.deepEqual(ints(await call('HEXPIRE', 'h', 200, 'NX', 'FIELDS', 2, 'a', 'c')), [0, 1]);
    assert.deepEqual(ints(await call('HEXPIRE', 'h', 300, 'XX', 'FIELDS', 2, 'a', 'd')), [1, 0]);
    // GT: a field without a TTL counts as infinite, so GT never sets one; LT always does.
    assert.deepEqual(ints(await call('HEXPIRE', 'h', 50, 'GT', 'FIELDS', 3, 'a', 'b', 'd')), [0, 0, 0]);
    assert.deepEqual(ints(await call('HEXPIRE', 'h', 400, 'GT', 'FIELDS', 2, 'a', 'b')), [1, 1]);
    assert.deepEqual(ints(await call('HEXPIRE', 'h', 400, 'GT', 'FIELDS', 1, 'a')), [0]);
    assert.deepEqual(ints(await call('HEXPIRE', 'h', 500, 'LT', 'FIELDS', 2, 'a', 'd')), [0, 1]);
    assert.deepEqual(ints(await call('HEXPIRE', 'h', 10, 'lt', 'FIELDS', 1, 'a')), [1]);
    assert.deepEqual(ints(await call('HTTL', 'h', 'FIELDS', 4, 'a', 'b', 'c', 'd')), [10, 400, 200, 500]);
    // A time in the past (or now) deletes the field: code 2.
    assert.deepEqual(ints(await call('HPEXPIRE', 'h', 0, 'FIELDS', 2, 'a', 'zz')), [2, -2]);
    assert.deepEqual(ints(await call('HEXPIREAT', 'h', 1, 'FIELDS', 1, 'b')), [2]);
    assert.deepEqual(ints(await call('HPEXPIREAT', 'h', now, 'FIELDS', 1, 'c')), [2]);
    assert.equal(await call('HLEN', 'h'), ':1\r\n');
    // The last field going deletes the key.
    assert.deepEqual(ints(await call('HEXPIRE', 'h', 0, 'FIELDS', 2, 'd', 'd')), [2, -2]);
    assert.equal(await call('HLEN', 'h'), ':0\r\n');
    assert.equal(srv.server.dbs[0].dict.get('h'), undefined);
    // A missing key is an empty hash: every field is -2.
    assert.deepEqual(ints(await call('HEXPIRE', 'nokey', 10, 'FIELDS', 2, 'a', 'b')), [-2, -2]);
    assert.deepEqual(ints(await call('HPERSIST', 'nokey', 'FIELDS', 1, 'a')), [-2]);
    assert.deepEqual(ints(await call('HTTL', 'nokey', 'FIELDS', 1, 'a')), [-2]);
  });

  test(`HTTL, HPTTL, HEXPIRETIME and HPEXPIRETIME report exact times; HPERSIST removes TTLs (${enc})`, async () => {
    setup();
    await call('HSET', 'h', 'a', '1', 'b', '2', 'c', '3');
    effects();
    assert.deepEqual(ints(await call('HPEXPIRE', 'h', 1500, 'FIELDS', 1, 'a')), [1]);
    assert.deepEqual(ints(await call('HEXPIREAT', 'h', T0 / 1000 + 100, 'FIELDS', 1, 'b')), [1]);
    assert.deepEqual(ints(await call('HTTL', 'h', 'FIELDS', 4, 'a', 'b', 'c', 'zz')), [2, 100, -1, -2]);
    assert.deepEqual(ints(await call('HPTTL', 'h', 'FIELDS', 3, 'a', 'b', 'c')), [1500, 100000, -1]);
    assert.deepEqual(ints(await call('HEXPIRETIME', 'h', 'FIELDS', 2, 'a', 'b')), [
      T0 / 1000 + 2,
      T0 / 1000 + 100,
    ]);
    assert.deepEqual(ints(await call('HPEXPIRETIME', 'h', 'FIELDS', 3, 'a', 'b', 'c')), [
      T0 + 1500,
      T0 + 100000,
      -1,
    ]);
    now += 1200;
    assert.deepEqual(ints(await call('HTTL', 'h', 'FIELDS', 1, 'a')), [1]);
    assert.deepEqual(ints(await call('HPTTL', 'h', 'FIELDS', 1, 'a')), [300]);
    assert.deepEqual(ints(await call('HPERSIST', 'h', 'FIELDS', 4, 'a', 'c', 'zz', 'a')), [1, -1, -2, -1]);
    assert.deepEqual(ints(await call('HPTTL', 'h', 'FIELDS', 2, 'a', 'b')), [-1, 98800]);
    assert.deepEqual(effects().events, ['hexpire h', 'hexpire h', 'hpersist h']);
    // A field whose time has passed reads as missing everywhere.
    now += 98801;
    assert.deepEqual(ints(await call('HTTL', 'h', 'FIELDS', 1, 'b')), [-2]);
    assert.deepEqual(ints(await call('HPERSIST', 'h', 'FIELDS', 1, 'b')), [-2]);
    assert.deepEqual(effects().events, []);
  });

  test(`H*EXPIRE* argument errors follow Redis 7.4 (${enc})`, async () => {
    setup();
    await call('HSET', 'h', 'a', '1');
    await call('SET', 'str', 'x');
    const cases: [string[], string][] = [
      [
        ['HEXPIRE', 'h', '10', 'a', '1', 'a'],
        '-ERR Mandatory argument FIELDS is missing or not at the right position',
      ],
      [
        ['HEXPIRE', 'h', '10', 'NX', 'XX', '1', 'a'],
        '-ERR Mandatory argument FIELDS is missing or not at the right position',
      ],
      [['HEXPIRE', 'h', '10', 'FIELDS', '0', 'a'], '-ERR Parameter `numFields` should be greater than 0'],
      [['HEXPIRE', 'h', '10', 'FIELDS', '-1', 'a'], '-ERR Parameter `numFields` should be greater than 0'],
      [['HEXPIRE', 'h', '10', 'FIELDS', 'x', 'a'], '-ERR Parameter `numFields` should be greater than 0'],
      [
        ['HEXPIRE', 'h', '10', 'FIELDS', '2', 'a'],
        '-ERR The `numfields` parameter must match the number of arguments',
      ],
      [
        ['HEXPIRE', 'h', '10', 'FIELDS', '1', 'a', 'b'],
        '-ERR The `numfields` parameter must match the number of arguments',
      ],
      [
        ['HEXPIRE', 'h', '10', 'NX', 'FIELDS', '1'],
        '-ERR The `numfields` parameter must match the number of arguments',
      ],
      [['HEXPIRE', 'h', 'x', 'FIELDS', '1', 'a'], '-ERR value is not an integer or out of range'],
      [['HEXPIRE', 'h', '1.5', 'FIELDS', '1', 'a'], '-ERR value is not an integer or out of range'],
      [['HEXPIRE', 'h', '-1', 'FIELDS', '1', 'a'], '-ERR invalid expire time, must be >= 0'],
      [['HPEXPIREAT', 'h', '-1', 'FIELDS', '1', 'a'], '-ERR invalid expire time, must be >= 0'],
      [
        ['HPEXPIREAT', 'h', String(2 ** 46), 'FIELDS', '1', 'a'],
        "-ERR invalid expire time in 'hpexpireat' command",
      ],
      [
        ['HEXPIREAT', 'h', String(Math.floor(2 ** 46 / 1000) + 1), 'FIELDS', '1', 'a'],
        "-ERR invalid expire time in 'hexpireat' command",
      ],
      [
        ['HPEXPIRE', 'h', String(2 ** 46 - T0), 'FIELDS', '1', 'a'],
        "-ERR invalid expire time in 'hpexpire' command",
      ],
      [
        ['HEXPIRE', 'h', '9223372036854775807', 'FIELDS', '1', 'a'],
        "-ERR invalid expire time in 'hexpire' command",
      ],
      [
        ['HEXPIRE', 'h', '9223372036854775808', 'FIELDS', '1', 'a'],
        '-ERR value is not an integer or out of range',
      ],
      [
        ['HEXPIRE', 'str', '10', 'FIELDS', '1', 'a'],
        '-WRONGTYPE Operation against a key holding the wrong kind of value',
      ],
      [
        ['HEXPIRE', 'str', 'x', 'FIELDS', '0', 'a'],
        '-WRONGTYPE Operation against a key holding the wrong kind of value',
      ],
      [['HEXPIRE', 'nokey', '10', 'FIELDS', '0', 'a'], '-ERR Parameter `numFields` should be greater than 0'],
      [['HEXPIRE', 'h', '10', 'FIELDS', '1'], "-ERR wrong number of arguments for 'hexpire' command"],
      [['HPEXPIRE', 'h'], "-ERR wrong number of arguments for 'hpexpire' command"],
      [
        ['HTTL', 'h', 'FIELD', '1', 'a'],
        '-ERR Mandatory argument FIELDS is missing or not at the right position',
      ],
      [['HTTL', 'h', 'FIELDS', '0', 'a'], '-ERR Number of fields must be a positive integer'],
      [['HPTTL', 'h', 'FIELDS', 'x', 'a'], '-ERR Number of fields must be a positive integer'],
      [
        ['HEXPIRETIME', 'h', 'FIELDS', '2', 'a'],
        '-ERR The `numfields` parameter must match the number of arguments',
      ],
      [
        ['HPEXPIRETIME', 'str', 'FIELDS', '1', 'a'],
        '-WRONGTYPE Operation against a key holding the wrong kind of value',
      ],
      [['HTTL', 'h', 'FIELDS', '1'], "-ERR wrong number of arguments for 'httl' command"],
      [['HPERSIST', 'h', 'FIELDS', '-5', 'a'], '-ERR Number of fields must be a positive integer'],
      [
        ['HPERSIST', 'h', 'fields', '2', 'a'],
        '-ERR The `numfields` parameter must match the number of arguments',
      ],
      [
        ['HPERSIST', 'str', 'FIELDS', '1', 'a'],
        '-WRONGTYPE Operation against a key holding the wrong kind of value',
      ],
      [['HPERSIST', 'h', 'FIELDS'], "-ERR wrong number of arguments for 'hpersist' command"],
    ];
    for (const [cmd, err] of cases) assert.equal(await call(...cmd), err + '\r\n', cmd.join(' '));
    // The largest accepted absolute time.
    assert.deepEqual(ints(await call('HPEXPIREAT', 'h', String(2 ** 46 - 1), 'FIELDS', 1, 'a')), [1]);
    assert.deepEqual(ints(await call('HPEXPIRETIME', 'h', 'FIELDS', 1, 'a')), [2 ** 46 - 1]);
  });

  test(`a field past its TTL is reclaimed lazily by the commands that read it (${enc})`, async () => {
    setup();
    await call('HSET', 'h', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5', 'f', '6');
    await call('HPEXPIRE', 'h', 100, 'FIELDS', 6, 'a', 'b', 'c', 'd', 'e', 'f');
    await call('HPERSIST', 'h', 'FIELDS', 1, 'f');
    effects();
    now += 100;
    // Expiring exactly now is not expired yet.
    assert.equal(await call('HGET', 'h', 'a'), '$1\r\n1\r\n');
    now += 1;
    // HLEN counts fields not reclaimed yet (Redis 7.4); HGETALL/HKEYS/HVALS/HSCAN skip them.
    assert.equal(await call('HLEN', 'h'), ':6\r\n');
    assert.deepEqual(bulks(await call('HGETALL', 'h')), ['f', '6']);
    assert.deepEqual(bulks(await call('HKEYS', 'h')), ['f']);
    assert.deepEqual(bulks(await call('HVALS', 'h')), ['6']);
    assert.equal(await call('HSCAN', 'h', 0), '*2\r\n$1\r\n0\r\n*2\r\n$1\r\nf\r\n$1\r\n6\r\n');
    assert.deepEqual(effects(), { events: [], propagated: [] });
    // Reads of one field reclaim it: an HDEL is propagated and `hexpired` fired.
    assert.equal(await call('HGET', 'h', 'a'), '$-1\r\n');
    assert.deepEqual(effects(), { events: ['hexpired h'], propagated: [['HDEL', 'h', 'a']] });
    assert.equal(await call('HLEN', 'h'), ':5\r\n');
    assert.equal(await call('HEXISTS', 'h', 'b'), ':0\r\n');
    assert.equal(await call('HSTRLEN', 'h', 'c'), ':0\r\n');
    assert.deepEqual(effects().events, ['hexpired h', 'hexpired h']);
    // HMGET fires one `hexpired` for the whole command.
    assert.equal(await call('HMGET', 'h', 'd', 'e', 'f', 'zz'), '*4\r\n$-1\r\n$-1\r\n$1\r\n6\r\n$-1\r\n');
    assert.deepEqual(effects(), {
      events: ['hexpired h'],
      propagated: [
        ['HDEL', 'h', 'd'],
        ['HDEL', 'h', 'e'],
      ],
    });
    assert.equal(await call('HLEN', 'h'), ':1\r\n');
    // The last field going takes the key with it.
    await call('HPEXPIRE', 'h', 10, 'FIELDS', 1, 'f');
    now += 11;
    effects();
    assert.equal(await call('HGET', 'h', 'f'), '$-1\r\n');
    assert.deepEqual(effects(), { events: ['hexpired h', 'del h'], propagated: [['HDEL', 'h', 'f']] });
    assert.equal(srv.server.dbs[0].dict.get('h'), undefined);
  });

  test(`writes meet expired fields like Redis 7.4: HINCRBY restarts, HSETNX sets, HSET clears the TTL (${enc})`, async () => {
    setup();
    await call('HSET', 'h', 'n', '10', 'm', '5', 's', 'x', 'k', 'v');
    await call('HPEXPIRE', 'h', 100, 'FIELDS', 3, 'n', 's', 'k');
    // HINCRBY and HINCRBYFLOAT keep a live field's TTL.
    assert.equal(await call('HINCRBY', 'h', 'n', 1), ':11\r\n');
    assert.deepEqual(ints(await call('HPTTL', 'h', 'FIELDS', 1, 'n')), [100]);
    assert.equal(await call('HINCRBYFLOAT', 'h', 'n', '0.5'), '$4\r\n11.5\r\n');
    assert.deepEqual(ints(await call('HPTTL', 'h', 'FIELDS', 1, 'n')), [100]);
    // HSET of a field replaces its TTL by none.
    assert.equal(await call('HSET', 'h', 'k', 'w'), ':0\r\n');
    assert.deepEqual(ints(await call('HPTTL', 'h', 'FIELDS', 1, 'k')), [-1]);
    now += 101;
    effects();
    assert.equal(await call('HINCRBY', 'h', 'n', 3), ':3\r\n');
    assert.deepEqual(ints(await call('HPTTL', 'h', 'FIELDS', 1, 'n')), [-1]);
    assert.equal(await call('HSETNX', 'h', 's', 'y'), ':1\r\n');
    assert.equal(await call('HGET', 'h', 's'), '$1\r\ny\r\n');
    assert.deepEqual(effects().events, ['hexpired h', 'hincrby h', 'hexpired h', 'hset h']);
    // A hash whose only field expired is replaced by a new one.
    await call('HSET', 'g', 'a', '1');
    await call('HPEXPIRE', 'g', 1, 'FIELDS', 1, 'a');
    now += 2;
    effects();
    assert.equal(await call('HINCRBYFLOAT', 'g', 'a', '2.5'), '$3\r\n2.5\r\n');
    assert.deepEqual(effects().events, ['hexpired g', 'del g', 'hincrbyfloat g']);
    assert.equal(await call('HLEN', 'g'), ':1\r\n');
    await call('HPEXPIRE', 'g', 1, 'FIELDS', 1, 'a');
    now += 2;
    assert.equal(await call('HSETNX', 'g', 'a', 'z'), ':1\r\n');
    assert.equal(await call('HGETALL', 'g'), '*2\r\n$1\r\na\r\n$1\r\nz\r\n');
  });

  test(`HRANDFIELD reclaims every expired field first and never returns one (${enc})`, async () => {
    setup();
    await call('HSET', 'h', 'a', '1', 'b', '2', 'c', '3');
    await call('HPEXPIRE', 'h', 10, 'FIELDS', 2, 'a', 'b');
    now += 11;
    effects();
    for (let i = 0; i < 20; i++) assert.equal(await call('HRANDFIELD', 'h'), '$1\r\nc\r\n');
    assert.deepEqual(effects().events, ['hexpired h']);
    assert.equal(await call('HLEN', 'h'), ':1\r\n');
    await call('HPEXPIRE', 'h', 10, 'FIELDS', 1, 'c');
    now += 11;
    effects();
    assert.equal(await call('HRANDFIELD', 'h', -5, 'WITHVALUES'), '*0\r\n');
    assert.deepEqual(effects(), { events: ['hexpired h', 'del h'], propagated: [['HDEL', 'h', 'c']] });
    assert.equal(await call('HRANDFIELD', 'h'), '$-1\r\n');
  });

  test(`H*EXPIRE* propagate as HPEXPIREAT of the fields set, and notify hexpire or hdel (${enc})`, async () => {
    setup();
    await call('HSET', 'h', 'a', '1', 'b', '2', 'c', '3');
    effects();
    await call('HEXPIRE', 'h', 100, 'NX', 'FIELDS', 3, 'a', 'zz', 'b');
    assert.deepEqual(effects(), {
      events: ['hexpire h'],
      propagated: [['HPEXPIREAT', 'h', String(T0 + 100000), 'NX', 'FIELDS', '2', 'a', 'b']],
    });
    await call('HPEXPIREAT', 'h', T0 + 5000, 'FIELDS', 1, 'c');
    assert.deepEqual(effects(), {
      events: ['hexpire h'],
      propagated: [['HPEXPIREAT', 'h', String(T0 + 5000), 'FIELDS', '1', 'c']],
    });
    // Nothing changed: nothing propagated, no event.
    await call('HEXPIRE', 'h', 100, 'NX', 'FIELDS', 2, 'a', 'zz');
    assert.deepEqual(effects(), { events: [], propagated: [] });
    // A past time deletes: HDEL propagated, `hdel` event.
    await call('HEXPIRE', 'h', 0, 'FIELDS', 2, 'a', 'b');
    assert.deepEqual(effects(), {
      events: ['hdel h'],
      propagated: [
        ['HDEL', 'h', 'a'],
        ['HDEL', 'h', 'b'],
      ],
    });
    await call('HEXPIREAT', 'h', 1, 'FIELDS', 1, 'c');
    assert.deepEqual(effects(), { events: ['hdel h', 'del h'], propagated: [['HDEL', 'h', 'c']] });
    assert.equal(srv.server.dirty > 0, true);
  });

  test(`the active cycle reclaims expired fields, deletes emptied hashes and notifies (${enc})`, async () => {
    setup();
    srv.server.activeExpireEnabled = true;
    await call('HSET', 'h1', 'a', '1', 'b', '2');
    await call('HSET', 'h2', 'a', '1', 'b', '2');
    await call('HPEXPIRE', 'h1', 100, 'FIELDS', 1, 'a');
    await call('HPEXPIRE', 'h2', 100, 'FIELDS', 2, 'a', 'b');
    effects();
    srv.server.cron();
    assert.deepEqual(effects(), { events: [], propagated: [] });
    now += 100;
    srv.server.cron();
    assert.equal(await call('HLEN', 'h1'), ':1\r\n');
    assert.equal(await call('HLEN', 'h2'), ':0\r\n');
    const fx = effects();
    assert.deepEqual(fx.events.sort(), ['del h2', 'hexpired h1', 'hexpired h2']);
    assert.deepEqual(fx.propagated.map((p) => p.join(' ')).sort(), ['HDEL h1 a', 'HDEL h2 a', 'HDEL h2 b']);
    assert.equal(await call('HGETALL', 'h1'), '*2\r\n$1\r\nb\r\n$1\r\n2\r\n');
  });
}

test('the first field TTL makes a listpack a listpackex, ordered by TTL; it never goes back', async () => {
  await call('HSET', 'h', 'a', '1', 'b', '2', 'c', '3', 'd', '4');
  assert.equal(encoding('h'), 'listpack');
  // Even when no field matches, the hash gets the TTL-capable encoding.
  assert.deepEqual(ints(await call('HEXPIRE', 'h', 100, 'FIELDS', 1, 'zz')), [-2]);
  assert.equal(encoding('h'), 'listpackex');
  assert.deepEqual(bulks(await call('HKEYS', 'h')), ['a', 'b', 'c', 'd']);
  // Volatile fields come first, earliest first; persistent ones keep their order after them.
  await call('HEXPIRE', 'h', 300, 'FIELDS', 1, 'c');
  await call('HEXPIRE', 'h', 200, 'FIELDS', 1, 'd');
  await call('HEXPIRE', 'h', 300, 'FIELDS', 1, 'a');
  assert.deepEqual(bulks(await call('HKEYS', 'h')), ['d', 'a', 'c', 'b']);
  // HPERSIST and HSET move a field to the end; HINCRBY keeps its place and TTL.
  await call('HPERSIST', 'h', 'FIELDS', 1, 'd');
  assert.deepEqual(bulks(await call('HKEYS', 'h')), ['a', 'c', 'b', 'd']);
  await call('HSET', 'h', 'a', '9', 'e', '5');
  assert.deepEqual(bulks(await call('HKEYS', 'h')), ['c', 'b', 'd', 'a', 'e']);
  await call('HINCRBY', 'h', 'c', 1);
  assert.deepEqual(bulks(await call('HGETALL', 'h')), ['c', '4', 'b', '2', 'd', '4', 'a', '9', 'e', '5']);
  await call('HPERSIST', 'h', 'FIELDS', 1, 'c');
  assert.equal(encoding('h'), 'listpackex');
  // Past hash-max-listpack-entries it becomes a hashtable and keeps its TTLs.
  srv.server.config.set('hash-max-listpack-entries', ['5']);
  await call('HEXPIRE', 'h', 50, 'FIELDS', 1, 'b');
  await call('HSET', 'h', 'f', '6');
  assert.equal(encoding('h'), 'hashtable');
  assert.deepEqual(ints(await call('HTTL', 'h', 'FIELDS', 3, 'b', 'c', 'f')), [50, -1, -1]);
  assert.equal(await call('HLEN', 'h'), ':6\r\n');
});

test('a long value converts a listpackex to a hashtable that keeps the TTLs', async () => {
  await call('HSET', 'h', 'a', '1', 'b', '2');
  await call('HEXPIRE', 'h', 10, 'FIELDS', 1, 'a');
  await call('HSET', 'h', 'c', 'x'.repeat(65));
  assert.equal(encoding('h'), 'hashtable');
  assert.deepEqual(ints(await call('HTTL', 'h', 'FIELDS', 3, 'a', 'b', 'c')), [10, -1, -1]);
});

test('HTTL on a field expiring right now: -2 from a listpackex, 0 ms left in a hashtable, as Redis', async () => {
  await call('HSET', 'h', 'a', '1');
  await call('HPEXPIRE', 'h', 5, 'FIELDS', 1, 'a');
  srv.server.config.set('hash-max-listpack-entries', ['0']);
  await call('HSET', 'g', 'a', '1');
  await call('HPEXPIRE', 'g', 5, 'FIELDS', 1, 'a');
  now += 5;
  assert.deepEqual(ints(await call('HPTTL', 'h', 'FIELDS', 1, 'a')), [-2]);
  assert.deepEqual(ints(await call('HPTTL', 'g', 'FIELDS', 1, 'a')), [0]);
});

test('the active cycle reclaims at most a bounded number of fields per tick', async () => {
  srv.server.activeExpireEnabled = true;
  srv.server.config.set('hash-max-listpack-entries', ['0']);
  const args: string[] = [];
  for (let i = 0; i < 2500; i++) args.push(`f${i}`, 'v');
  await call('HSET', 'big', ...args, 'keep', 'v');
  await call('HPEXPIRE', 'big', 10, 'FIELDS', 2500, ...args.filter((_, i) => i % 2 === 0));
  now += 20;
  srv.server.cron();
  const after1 = Number((await call('HLEN', 'big')).slice(1, -2));
  assert.ok(after1 > 1 && after1 < 2501, `one tick reclaimed a bounded batch (left ${after1})`);
  for (let i = 0; i < 5; i++) srv.server.cron();
  assert.equal(await call('HLEN', 'big'), ':1\r\n');
  assert.equal(await call('HGETALL', 'big'), '*2\r\n$4\r\nkeep\r\n$1\r\nv\r\n');
});

test('a hash with TTLs that moved to another key or database is still expired actively', async () => {
  srv.server.activeExpireEnabled = true;
  await call('HSET', 'src', 'a', '1', 'b', '2');
  await call('HPEXPIRE', 'src', 100, 'FIELDS', 1, 'a');
  // What RENAME and MOVE do to the keyspace: the same object under another name or db.
  const db0 = srv.server.dbs[0];
  const h = db0.detach('src')!;
  srv.server.dbs[3].add('moved', h);
  // And COPY: a clone, TTLs included.
  db0.add('copy', (h as HashObject).clone());
  now += 200;
  for (let i = 0; i < 20; i++) srv.server.cron();
  assert.equal((srv.server.dbs[3].dict.get('moved') as HashObject).length, 1);
  assert.equal((db0.dict.get('copy') as HashObject).length, 1);
  assert.ok(events.includes('hexpired moved') && events.includes('hexpired copy'));
});

test('hashes without field TTLs cost the active cycle nothing and never expire', async () => {
  srv.server.activeExpireEnabled = true;
  await call('HSET', 'h', 'a', '1');
  now += 10 ** 9;
  srv.server.cron();
  assert.equal(await call('HGET', 'h', 'a'), '$1\r\n1\r\n');
  assert.deepEqual(ints(await call('HTTL', 'h', 'FIELDS', 1, 'a')), [-1]);
  assert.equal(encoding('h'), 'listpack');
});

test('RESP3: the H*EXPIRE* and HTTL family reply with arrays of integers', async () => {
  await call('HELLO', '3');
  try {
    await call('HSET', 'h', 'a', '1');
    assert.equal(await call('HEXPIRE', 'h', 10, 'FIELDS', 2, 'a', 'b'), '*2\r\n:1\r\n:-2\r\n');
    assert.equal(await call('HTTL', 'h', 'FIELDS', 1, 'a'), '*1\r\n:10\r\n');
    assert.equal(await call('HPERSIST', 'h', 'FIELDS', 1, 'a'), '*1\r\n:1\r\n');
  } finally {
    await call('HELLO', '2');
  }
});

test('during CLIENT PAUSE WRITE an expired field reads as missing but is not reclaimed', async () => {
  await call('HSET', 'h', 'a', '1', 'b', '2');
  await call('HPEXPIRE', 'h', 10, 'FIELDS', 1, 'a');
  now += 20;
  effects();
  assert.equal(await call('CLIENT', 'PAUSE', 100000, 'WRITE'), '+OK\r\n');
  try {
    assert.equal(await call('HGET', 'h', 'a'), '$-1\r\n');
    assert.equal(await call('HEXISTS', 'h', 'a'), ':0\r\n');
    assert.equal(await call('HLEN', 'h'), ':2\r\n');
    assert.deepEqual(effects(), { events: [], propagated: [] });
  } finally {
    assert.equal(await call('CLIENT', 'UNPAUSE'), '+OK\r\n');
  }
  assert.equal(await call('HGET', 'h', 'a'), '$-1\r\n');
  assert.equal(await call('HLEN', 'h'), ':1\r\n');
  assert.deepEqual(effects().events, ['hexpired h']);
});

test('stale registrations of deleted hashes are dropped, and live ones still expire actively', async () => {
  srv.server.activeExpireEnabled = true;
  const db = srv.server.dbs[0];
  const load = async (prefix: string, n: number): Promise<void> => {
    const cmds: (string | number)[][] = [];
    for (let i = 0; i < n; i++) {
      cmds.push(['HSET', `${prefix}${i}`, 'a', '1', 'b', '2']);
      cmds.push(['HPEXPIRE', `${prefix}${i}`, 1000 + i, 'FIELDS', 1, 'a']);
    }
    c.write(Buffer.concat(cmds.map((cmd) => Buffer.from(encode(cmd), 'latin1'))));
    for (let i = 0; i < cmds.length; i++) await c.read();
  };
  const before = fieldExpiryRegistrySize(srv.server);
  await load('k', 4500);
  for (let i = 0; i < 4400; i++) db.delete(`k${i}`);
  await load('n', 4500);
  const size = fieldExpiryRegistrySize(srv.server) - before;
  assert.ok(size < 9000 - 4000, `stale entries were dropped (${size} left)`);
  now += 20000;
  for (let i = 0; i < 20; i++) srv.server.cron();
  for (const k of ['k4400', 'k4499', 'n0', 'n4499']) assert.equal(await call('HLEN', k), ':1\r\n', k);
});

function encode(cmd: (string | number)[]): string {
  return `*${cmd.length}\r\n` + cmd.map((a) => `$${String(a).length}\r\n${a}\r\n`).join('');
}
