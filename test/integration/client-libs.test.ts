/**
 * Two libraries built on Lua scripts and transactions, with ioredis, against Respite and (the
 * same steps) against the oracle: rate-limiter-flexible's RateLimiterRedis (consume, penalty,
 * reward, block, get, delete, blockDuration, msBeforeNext when the limit is reached) and
 * redlock 4.2 (acquire, extend, release, contention between two clients, expiry, a quorum of
 * three servers when another holder has the key on one or two of them).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { startOracle, startRespite, hasOracle, type ChildServer } from '../helpers/servers.js';
import type { RespiteServer } from '../../src/index.js';

// redlock 4 is CommonJS without type declarations: the part of its API used here.
interface RedlockLock {
  resource: string[] | string;
  value: string;
  expiration: number;
  unlock(): Promise<void>;
  extend(ttl: number): Promise<RedlockLock>;
}
interface RedlockInstance {
  lock(resource: string | string[], ttl: number): Promise<RedlockLock>;
  quit(): Promise<void>;
  on(event: 'clientError', f: (e: Error) => void): void;
}
type RedlockCtor = new (clients: Redis[], opts?: Record<string, number>) => RedlockInstance;
const Redlock = createRequire(import.meta.url)('redlock') as RedlockCtor & { LockError: new () => Error };

let respite: RespiteServer;
let respite2: RespiteServer;
let respite3: RespiteServer;
let oracle: ChildServer | undefined;
const clients: Redis[] = [];

before(async () => {
  respite = await startRespite();
  respite2 = await startRespite();
  respite3 = await startRespite();
  if (hasOracle()) oracle = await startOracle();
});

after(async () => {
  for (const c of clients) c.disconnect();
  await respite.close();
  await respite2.close();
  await respite3.close();
  await oracle?.stop();
});

function client(port: number): Redis {
  const c = new Redis({ port, host: '127.0.0.1', lazyConnect: false, maxRetriesPerRequest: 1 });
  clients.push(c);
  return c;
}

/** The outcome of a limiter call: its RateLimiterRes (fulfilled or rejected) or an error. */
async function res(p: Promise<RateLimiterRes>): Promise<{ ok: boolean; r: RateLimiterRes }> {
  try {
    return { ok: true, r: await p };
  } catch (e) {
    if (e instanceof RateLimiterRes) return { ok: false, r: e };
    throw e;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A fixed sequence of rate-limiter calls; returns what the caller can observe (with
 * msBeforeNext in 100 ms steps, which the oracle comparison needs) and asserts the semantics.
 */
async function limiterSteps(port: number, prefix: string): Promise<unknown[]> {
  const c = client(port);
  const trace: unknown[] = [];
  const note = (what: string, x: { ok: boolean; r: RateLimiterRes }) => {
    trace.push([
      what,
      x.ok,
      x.r.consumedPoints,
      x.r.remainingPoints,
      x.r.isFirstInDuration,
      Math.ceil(x.r.msBeforeNext / 1000),
    ]);
    return x;
  };
  const rl = new RateLimiterRedis({ storeClient: c, keyPrefix: prefix, points: 5, duration: 10 });

  // Within the limit: points counted down, the window's TTL reported.
  let x = note('consume 1', await res(rl.consume('u1')));
  assert.ok(x.ok);
  assert.equal(x.r.consumedPoints, 1);
  assert.equal(x.r.remainingPoints, 4);
  assert.equal(x.r.isFirstInDuration, true);
  assert.ok(x.r.msBeforeNext > 9000 && x.r.msBeforeNext <= 10000, `msBeforeNext ${x.r.msBeforeNext}`);
  x = note('consume 3', await res(rl.consume('u1', 3)));
  assert.ok(x.ok);
  assert.equal(x.r.remainingPoints, 1);
  assert.equal(x.r.isFirstInDuration, false);

  // Over the limit: rejected with the time left in the window.
  x = note('consume 2 over', await res(rl.consume('u1', 2)));
  assert.ok(!x.ok);
  assert.equal(x.r.consumedPoints, 6);
  assert.equal(x.r.remainingPoints, 0);
  assert.ok(x.r.msBeforeNext > 8000 && x.r.msBeforeNext <= 10000, `msBeforeNext ${x.r.msBeforeNext}`);

  // reward gives points back, penalty takes them.
  x = note('reward 4', await res(rl.reward('u1', 4)));
  assert.equal(x.r.consumedPoints, 2);
  x = note('consume after reward', await res(rl.consume('u1')));
  assert.ok(x.ok);
  assert.equal(x.r.remainingPoints, 2);
  x = note('penalty 2', await res(rl.penalty('u1', 2)));
  assert.equal(x.r.consumedPoints, 5);
  assert.equal(x.r.remainingPoints, 0);
  x = note('consume after penalty', await res(rl.consume('u1')));
  assert.ok(!x.ok);

  // get and delete.
  const got = await rl.get('u1');
  assert.equal(got!.consumedPoints, 6);
  trace.push(['get', got!.consumedPoints]);
  assert.equal(await rl.delete('u1'), true);
  assert.equal(await rl.get('u1'), null);
  assert.equal(await rl.delete('u1'), false);
  x = note('consume after delete', await res(rl.consume('u1')));
  assert.ok(x.ok);
  assert.equal(x.r.isFirstInDuration, true);

  // block(key, seconds): rejected for that long, whatever the points.
  await rl.block('u2', 30);
  x = note('consume blocked', await res(rl.consume('u2')));
  assert.ok(!x.ok);
  assert.ok(x.r.msBeforeNext > 28000 && x.r.msBeforeNext <= 30000, `msBeforeNext ${x.r.msBeforeNext}`);
  assert.ok((await c.pttl(`${prefix}:u2`)) > 28000);

  // blockDuration: going over the limit blocks the key for blockDuration instead of the window.
  const rlb = new RateLimiterRedis({
    storeClient: c,
    keyPrefix: `${prefix}b`,
    points: 2,
    duration: 1,
    blockDuration: 20,
  });
  assert.ok((await res(rlb.consume('k', 2))).ok);
  x = note('consume over with blockDuration', await res(rlb.consume('k')));
  assert.ok(!x.ok);
  assert.ok(x.r.msBeforeNext > 18000 && x.r.msBeforeNext <= 20000, `msBeforeNext ${x.r.msBeforeNext}`);

  // A short window really ends: points are back after it.
  const rls = new RateLimiterRedis({ storeClient: c, keyPrefix: `${prefix}s`, points: 1, duration: 1 });
  assert.ok((await res(rls.consume('k'))).ok);
  const over = await res(rls.consume('k'));
  assert.ok(!over.ok);
  await sleep(over.r.msBeforeNext + 50);
  x = note('consume after the window', await res(rls.consume('k')));
  assert.ok(x.ok);
  assert.equal(x.r.isFirstInDuration, true);
  return trace;
}

test('rate-limiter-flexible RateLimiterRedis: consume, limits with msBeforeNext, penalty, reward, block, get, delete', async () => {
  const trace = await limiterSteps(respite.port, 'rl');
  if (oracle)
    assert.deepEqual(trace, await limiterSteps(oracle.port, 'rl'), 'same observations with the oracle');
});

test('rate-limiter-flexible: concurrent consumers never exceed the points of a window', async () => {
  const rl = new RateLimiterRedis({
    storeClient: client(respite.port),
    keyPrefix: 'rlc',
    points: 50,
    duration: 30,
  });
  const rl2 = new RateLimiterRedis({
    storeClient: client(respite.port),
    keyPrefix: 'rlc',
    points: 50,
    duration: 30,
  });
  const all = await Promise.all(
    Array.from({ length: 120 }, (_, i) => res((i % 2 ? rl : rl2).consume('shared'))),
  );
  assert.equal(all.filter((a) => a.ok).length, 50);
  assert.deepEqual(
    all.map((a) => a.r.consumedPoints).sort((a, b) => a - b),
    Array.from({ length: 120 }, (_, i) => i + 1),
  );
});

async function lockSteps(port: number, prefix: string): Promise<void> {
  const a = new Redlock([client(port)], { retryCount: 0, driftFactor: 0.01 });
  const b = new Redlock([client(port)], { retryCount: 3, retryDelay: 50, retryJitter: 10 });
  const raw = client(port);
  const res1 = `${prefix}:r1`;

  // Acquire: the key holds the lock's value with the TTL.
  const lock = await a.lock(res1, 2000);
  assert.equal(await raw.get(res1), lock.value);
  const pttl = await raw.pttl(res1);
  assert.ok(pttl > 1500 && pttl <= 2000, `pttl ${pttl}`);

  // Contention: the other client cannot take it, even after retries.
  await assert.rejects(b.lock(res1, 1000), (e: Error) => e.name === 'LockError');
  assert.equal(await raw.get(res1), lock.value, 'the failed attempt left the lock alone');

  // Extend: a longer TTL, same value.
  const extended = await lock.extend(10000);
  assert.equal(extended.value, lock.value);
  assert.ok((await raw.pttl(res1)) > 8000);

  // Release: the key is gone, the other client gets the lock.
  await extended.unlock();
  assert.equal(await raw.exists(res1), 0);
  const lockB = await b.lock(res1, 1000);
  // A stale lock's unlock does not remove someone else's lock (the value differs); its extend fails.
  await lock.unlock().catch(() => {});
  assert.equal(await raw.get(res1), lockB.value);
  await assert.rejects(lock.extend(1000));
  await lockB.unlock();

  // Expiry: a lock not extended lapses and can be taken again.
  const short = await a.lock(`${prefix}:r2`, 200);
  await assert.rejects(a.lock(`${prefix}:r2`, 1000)); // no retries: still held
  await sleep(300);
  const after2 = await a.lock(`${prefix}:r2`, 1000);
  assert.notEqual(after2.value, short.value);
  await after2.unlock();

  // Several resources at once: all or nothing.
  const multi = await a.lock([`${prefix}:m1`, `${prefix}:m2`], 1000);
  await assert.rejects(b.lock([`${prefix}:m2`, `${prefix}:m3`], 1000));
  assert.equal(await raw.exists(`${prefix}:m3`), 0, 'no partial lock');
  await multi.unlock();
  assert.equal(await raw.exists(`${prefix}:m1`, `${prefix}:m2`), 0);
}

test('redlock 4.2 on one server: acquire, contention, extend, release, expiry, multi-resource locks', async () => {
  await lockSteps(respite.port, 'lock');
  if (oracle) await lockSteps(oracle.port, 'lock');
});

test('redlock 4.2 across three Respite instances: a quorum of 2 of 3 when another holder has one instance, contention, release', async () => {
  const ports = [respite.port, respite2.port, respite3.port];
  const a = new Redlock(ports.map(client), { retryCount: 0 });
  const b = new Redlock(ports.map(client), { retryCount: 2, retryDelay: 50 });
  const lock = await a.lock('q:res', 3000);
  for (const p of ports) assert.equal(await client(p).get('q:res'), lock.value);
  await assert.rejects(b.lock('q:res', 1000));
  await lock.unlock();
  for (const p of ports) assert.equal(await client(p).exists('q:res'), 0);

  // Another client holds the key on one of three instances only: 2 of 3 is still a quorum.
  await client(respite3.port).set('q:res2', 'someone-else', 'PX', 5000);
  const lock2 = await b.lock('q:res2', 3000);
  assert.equal(await client(respite.port).get('q:res2'), lock2.value);
  assert.equal(await client(respite3.port).get('q:res2'), 'someone-else');
  // ... but held on two of three, nobody gets it.
  await client(respite2.port).set('q:res3', 'x', 'PX', 5000);
  await client(respite3.port).set('q:res3', 'x', 'PX', 5000);
  await assert.rejects(a.lock('q:res3', 1000));
  assert.equal(await client(respite.port).exists('q:res3'), 0, 'the minority vote was rolled back');
  await lock2.unlock();
});
