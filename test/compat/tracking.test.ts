/**
 * Client-side caching against the oracle, byte for byte: CLIENT TRACKING in default mode,
 * with REDIRECT (RESP2 `__redis__:invalidate` messages, RESP3 pushes), BCAST with PREFIX,
 * OPTIN / OPTOUT with CLIENT CACHING, NOLOOP, invalidation on FLUSHDB / FLUSHALL and on
 * expiry, a broken redirection, CLIENT TRACKINGINFO / GETREDIR and every error reply.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPair, type Cmd, type Pair } from '../helpers/compat.js';
import { MultiPair } from '../helpers/multi-pair.js';

let pair: Pair;

before(async () => {
  pair = await startPair();
});

after(async () => {
  await pair.close();
});

async function open(n: number, protos: (2 | 3)[]): Promise<MultiPair> {
  const m = await MultiPair.open(pair, n);
  for (let i = 0; i < n; i++) if (protos[i] === 3) await m.hello(i, 3);
  await m.same(0, 'FLUSHALL');
  return m;
}

/** Sends a command naming connection j's id (CLIENT TRACKING ... REDIRECT id) on connection i. */
async function sameWithId(m: MultiPair, i: number, j: number, cmd: (id: string) => Cmd): Promise<string> {
  const [oid, rid] = await m.ids(j);
  m.o[i].send(...cmd(oid));
  m.r[i].send(...cmd(rid));
  return m.next(i, `reply to ${cmd('<id>').join(' ')}`);
}

test('default mode (RESP3): keys read are invalidated once when anyone modifies them, the modifier itself after its reply', async () => {
  const m = await open(2, [3, 2]);
  try {
    await m.same(0, 'CLIENT', 'TRACKING', 'ON');
    await m.same(1, 'MSET', 'a', '1', 'b', '2', 'c', '3');
    await m.same(0, 'GET', 'a');
    await m.same(0, 'MGET', 'b', 'c', 'nokey');
    await m.same(1, 'SET', 'a', 'x');
    await m.next(0, 'invalidate a');
    await m.same(1, 'SET', 'a', 'y');
    await m.same(1, 'DEL', 'b', 'c', 'nokey');
    await m.next(0, 'invalidate b');
    await m.next(0, 'invalidate c');
    await m.same(0, 'GET', 'a');
    await m.same(0, 'INCR', 'counter');
    await m.same(0, 'GET', 'counter');
    await m.sameFrames(0, 2, 'SET', 'counter', '5');
    await m.same(0, 'HGET', 'h', 'f');
    await m.same(1, 'HSET', 'h', 'f', 'v');
    await m.next(0, 'invalidate h');
    await m.same(0, 'CLIENT', 'TRACKING', 'OFF');
    await m.same(0, 'GET', 'a');
    await m.same(1, 'SET', 'a', 'z');
    await m.nothingPending(0);
  } finally {
    m.close();
  }
});

test('NOLOOP: a client is not told about its own modifications', async () => {
  const m = await open(2, [3, 2]);
  try {
    await m.same(0, 'CLIENT', 'TRACKING', 'ON', 'NOLOOP');
    await m.same(0, 'GET', 'k');
    await m.same(0, 'SET', 'k', '1');
    await m.same(0, 'GET', 'k');
    await m.same(1, 'SET', 'k', '2');
    await m.next(0);
    await m.same(0, 'CLIENT', 'TRACKINGINFO');
  } finally {
    m.close();
  }
});

test('REDIRECT to a RESP2 client subscribed to __redis__:invalidate sends Pub/Sub messages; to a RESP3 client, pushes', async () => {
  const m = await open(3, [2, 2, 3]);
  try {
    const [oid, rid] = await m.ids(1);
    await sameWithId(m, 0, 1, (id) => ['CLIENT', 'TRACKING', 'ON', 'REDIRECT', id]);
    await m.sameFrames(1, 1, 'SUBSCRIBE', '__redis__:invalidate');
    await m.same(0, 'GET', 'x');
    await m.same(0, 'SET', 'x', '1');
    await m.next(1, 'invalidation message');
    const [ogr, rgr] = await Promise.all([
      m.o[0].call('CLIENT', 'GETREDIR'),
      m.r[0].call('CLIENT', 'GETREDIR'),
    ]);
    assert.equal(ogr, `:${oid}\r\n`);
    assert.equal(rgr, `:${rid}\r\n`);
    await m.same(0, 'FLUSHALL');
    await m.next(1, 'flush invalidation message');
    await m.same(0, 'CLIENT', 'TRACKING', 'OFF');
    await sameWithId(m, 0, 2, (id) => ['CLIENT', 'TRACKING', 'ON', 'REDIRECT', id]);
    await m.same(0, 'GET', 'y');
    await m.same(0, 'SET', 'y', '1');
    await m.next(2, 'invalidation push');
    await m.nothingPending(0);
  } finally {
    m.close();
  }
});

test('a RESP2 client tracking without redirection gets nothing, and a redirection to a client not in Pub/Sub gets nothing', async () => {
  const m = await open(2, [2, 2]);
  try {
    await m.same(0, 'CLIENT', 'TRACKING', 'ON');
    await m.same(0, 'GET', 'k');
    await m.same(0, 'SET', 'k', 'v');
    await m.same(0, 'CLIENT', 'TRACKING', 'OFF');
    await sameWithId(m, 0, 1, (id) => ['CLIENT', 'TRACKING', 'ON', 'REDIRECT', id]);
    await m.same(0, 'GET', 'k');
    await m.same(0, 'SET', 'k', 'w');
    await m.nothingPending(0);
    await m.nothingPending(1);
  } finally {
    m.close();
  }
});

test('a redirection to a client that went away is reported (RESP3 push, TRACKINGINFO broken_redirect)', async () => {
  const m = await open(3, [3, 2, 2]);
  try {
    const [oid, rid] = await m.ids(1);
    m.o[0].send('CLIENT', 'TRACKING', 'ON', 'REDIRECT', oid);
    m.r[0].send('CLIENT', 'TRACKING', 'ON', 'REDIRECT', rid);
    await m.next(0);
    await m.same(0, 'GET', 'k');
    m.o[1].close();
    m.r[1].close();
    await new Promise((r) => setTimeout(r, 100));
    await m.same(2, 'SET', 'k', 'v');
    const [a, b] = await Promise.all([m.o[0].read(), m.r[0].read()]);
    assert.equal(b.replace(`:${rid}\r\n`, ':<id>\r\n'), a.replace(`:${oid}\r\n`, ':<id>\r\n'));
    const [ia, ib] = await Promise.all([
      m.o[0].call('CLIENT', 'TRACKINGINFO'),
      m.r[0].call('CLIENT', 'TRACKINGINFO'),
    ]);
    assert.equal(ib.replace(`:${rid}\r\n`, ':<id>\r\n'), ia.replace(`:${oid}\r\n`, ':<id>\r\n'));
  } finally {
    m.close();
  }
});

test('BCAST with prefixes: every modified key under a prefix, batched per event loop in byte order; NOLOOP filters own keys', async () => {
  const m = await open(3, [3, 3, 2]);
  try {
    await m.same(0, 'CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'user:', 'PREFIX', 'obj:');
    await m.same(1, 'CLIENT', 'TRACKING', 'ON', 'BCAST', 'NOLOOP');
    await m.same(0, 'CLIENT', 'TRACKINGINFO');
    await m.same(1, 'CLIENT', 'TRACKINGINFO');
    await m.same(2, 'SET', 'user:2', 'x');
    await m.next(0);
    await m.next(1);
    await m.same(2, 'MSET', 'user:9', 'a', 'user:1', 'b', 'other', 'c', 'obj:1', 'd');
    // One batch per prefix: the prefixes' order and each one's keys in byte order.
    await m.next(0);
    await m.next(0);
    await m.next(1);
    await m.same(1, 'SET', 'mine', '1');
    await m.same(2, 'SET', 'theirs', '1');
    await m.next(1);
    await m.same(0, 'FLUSHDB');
    await m.next(0);
    await m.next(1);
    await m.same(0, 'CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'extra:');
    await m.same(0, 'CLIENT', 'TRACKINGINFO');
    await m.nothingPending(0);
  } finally {
    m.close();
  }
});

test('OPTIN tracks only after CLIENT CACHING yes, OPTOUT all but after CLIENT CACHING no (for one command)', async () => {
  const m = await open(2, [3, 2]);
  try {
    await m.same(0, 'CLIENT', 'TRACKING', 'ON', 'OPTIN');
    await m.same(0, 'GET', 'untracked');
    await m.same(0, 'CLIENT', 'CACHING', 'YES');
    await m.same(0, 'CLIENT', 'TRACKINGINFO');
    await m.same(0, 'GET', 'tracked');
    await m.same(0, 'CLIENT', 'TRACKINGINFO');
    await m.same(0, 'GET', 'later');
    await m.same(1, 'MSET', 'untracked', '1', 'tracked', '1', 'later', '1');
    await m.next(0);
    await m.nothingPending(0);
    await m.same(0, 'CLIENT', 'TRACKING', 'OFF');
    await m.same(0, 'CLIENT', 'TRACKING', 'ON', 'OPTOUT');
    await m.same(0, 'CLIENT', 'CACHING', 'NO');
    await m.same(0, 'CLIENT', 'TRACKINGINFO');
    await m.same(0, 'GET', 'skipped');
    await m.same(0, 'GET', 'kept');
    await m.same(1, 'MSET', 'skipped', '2', 'kept', '2');
    await m.next(0);
    await m.nothingPending(0);
  } finally {
    m.close();
  }
});

test('FLUSHALL and FLUSHDB invalidate everything for every tracking client; expiry invalidates the key', async () => {
  const m = await open(3, [3, 3, 2]);
  try {
    await m.same(0, 'CLIENT', 'TRACKING', 'ON');
    await m.same(1, 'CLIENT', 'TRACKING', 'ON');
    await m.same(0, 'GET', 'a');
    await m.same(2, 'FLUSHALL');
    await m.next(0);
    await m.next(1);
    await m.sameFrames(0, 2, 'FLUSHDB');
    await m.next(1);
    // Long enough that the GET surely runs before the expiry even on a loaded machine.
    const setAt = Date.now();
    await m.same(2, 'SET', 'e', 'v', 'PX', '500');
    await m.same(0, 'GET', 'e');
    await new Promise((r) => setTimeout(r, Math.max(0, setAt + 600 - Date.now())));
    await m.same(2, 'GET', 'e');
    await m.next(0, 'invalidate on expiry');
    await m.same(1, 'CLIENT', 'TRACKING', 'OFF');
  } finally {
    m.close();
  }
});

test('CLIENT TRACKING / CACHING / TRACKINGINFO / GETREDIR errors and edge cases', async () => {
  const m = await open(2, [3, 2]);
  try {
    const cmds: Cmd[] = [
      ['CLIENT', 'TRACKINGINFO'],
      ['CLIENT', 'GETREDIR'],
      ['CLIENT', 'CACHING', 'YES'],
      ['CLIENT', 'TRACKING'],
      ['CLIENT', 'TRACKING', 'maybe'],
      ['CLIENT', 'TRACKING', 'ON', 'PREFIX', 'a'],
      ['CLIENT', 'TRACKING', 'ON', 'BCAST', 'OPTIN'],
      ['CLIENT', 'TRACKING', 'ON', 'OPTIN', 'OPTOUT'],
      ['CLIENT', 'TRACKING', 'ON', 'REDIRECT', '999999'],
      ['CLIENT', 'TRACKING', 'ON', 'REDIRECT', 'abc'],
      ['CLIENT', 'TRACKING', 'ON', 'REDIRECT'],
      ['CLIENT', 'TRACKING', 'ON', 'NOSUCH'],
      ['CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'ab', 'PREFIX', 'a'],
      ['CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'a', 'PREFIX', 'b'],
      ['CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'bc'],
      ['CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'c'],
      ['CLIENT', 'TRACKINGINFO'],
      ['CLIENT', 'TRACKING', 'ON'],
      ['CLIENT', 'CACHING', 'YES'],
      ['CLIENT', 'CACHING', 'NO'],
      ['CLIENT', 'TRACKING', 'OFF'],
      ['CLIENT', 'TRACKING', 'ON', 'OPTIN'],
      ['CLIENT', 'TRACKING', 'ON', 'OPTOUT'],
      ['CLIENT', 'CACHING', 'NO'],
      ['CLIENT', 'CACHING', 'maybe'],
      ['CLIENT', 'CACHING'],
      ['CLIENT', 'TRACKINGINFO', 'x'],
      ['CLIENT', 'GETREDIR'],
      ['CLIENT', 'TRACKING', 'off'],
      ['CLIENT', 'TRACKINGINFO'],
    ];
    for (const cmd of cmds) await m.same(0, ...cmd);
    const [a, b] = await Promise.all([m.o[1].call('INFO', 'stats'), m.r[1].call('INFO', 'stats')]);
    const pick = (s: string) => s.split('\r\n').filter((l) => l.startsWith('tracking_total'));
    assert.deepEqual(pick(b), pick(a));
  } finally {
    m.close();
  }
});

test('tracking-table-max-keys: over the limit, keys are invalidated until the table is back under it', async () => {
  const m = await open(2, [3, 2]);
  try {
    await m.same(1, 'CONFIG', 'SET', 'tracking-table-max-keys', '2');
    await m.same(0, 'CLIENT', 'TRACKING', 'ON');
    m.send(0, 'GET', 'k1');
    m.send(0, 'GET', 'k2');
    m.send(0, 'GET', 'k3');
    m.send(0, 'GET', 'k4');
    // Which keys go (and when) differs: Redis picks them at random. Count what arrives.
    const frames = async (c: (typeof m.o)[number]) => {
      let nulls = 0;
      let pushes = 0;
      while (nulls < 4 || pushes < 2) {
        const f = await c.read();
        if (f === '_\r\n') nulls++;
        else {
          assert.match(f, /^>2\r\n\$10\r\ninvalidate\r\n\*1\r\n\$2\r\nk\d\r\n$/);
          pushes++;
        }
      }
      return [nulls, pushes];
    };
    const [a, b] = await Promise.all([frames(m.o[0]), frames(m.r[0])]);
    assert.deepEqual(b, a);
    const keys = async (c: (typeof m.o)[number]) =>
      /tracking_total_keys:(\d+)/.exec(await c.call('INFO', 'stats'))![1];
    assert.equal(await keys(m.r[1]), await keys(m.o[1]));
    assert.equal(await keys(m.r[1]), '2');
    await m.same(1, 'CONFIG', 'SET', 'tracking-table-max-keys', '0');
    await m.same(0, 'CLIENT', 'TRACKING', 'OFF');
  } finally {
    m.close();
  }
});
