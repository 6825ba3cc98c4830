/**
 * BZPOPMIN, BZPOPMAX and BZMPOP against the oracle: the same scenario runs on both servers
 * with extra connections that block, and every connection's replies must be identical bytes
 * (served in arrival order, timeouts 0 and fractional, RESP2/RESP3, CLIENT UNBLOCK).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPair, type Pair, type Cmd } from '../helpers/compat.js';
import { RawClient } from '../helpers/raw-client.js';

let pair: Pair;

before(async () => {
  pair = await startPair();
});

after(async () => {
  await pair.close();
});

async function reset(): Promise<void> {
  for (const db of pair.respite.server.dbs) db.flush();
  assert.equal(await pair.o.call('FLUSHALL'), '+OK\r\n');
}

/** One extra connection to each server. */
interface Both {
  o: RawClient;
  r: RawClient;
}

async function connectBoth(): Promise<Both> {
  return { o: await RawClient.connect(pair.oracle.port), r: await RawClient.connect(pair.respite.port) };
}

function closeBoth(...cs: Both[]): void {
  for (const c of cs) {
    c.o.close();
    c.r.close();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Number of blocked clients on each server (INFO blocked_clients on the oracle). */
async function blocked(): Promise<[number, number]> {
  const info = await pair.o.call('INFO', 'clients');
  const m = /blocked_clients:(\d+)/.exec(info);
  return [Number(m![1]), pair.respite.server.blocking.blockedClients];
}

/** Waits until both servers have n blocked clients. */
async function waitBlocked(n: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const [a, b] = await blocked();
    if (a === n && b === n) return;
    await sleep(5);
  }
  assert.deepEqual(await blocked(), [n, n], 'blocked clients');
}

/** Sends a command on one extra connection of each server (the reply comes later). */
function sendBoth(c: Both, ...cmd: Cmd[number][]): void {
  c.o.send(...cmd);
  c.r.send(...cmd);
}

/** Reads the next reply on both and asserts they are identical; returns it. */
async function readSame(c: Both, what: string): Promise<string> {
  const a = await c.o.read();
  const b = await c.r.read();
  assert.equal(b, a, `${what}:\n  redis:   ${JSON.stringify(a)}\n  respite: ${JSON.stringify(b)}`);
  return a;
}

test('BZPOPMIN/BZPOPMAX/BZMPOP pop at once from the first non-empty key, with errors as Redis', async () => {
  await reset();
  for (const proto of ['2', '3']) {
    await pair.both('HELLO', proto);
    await pair.same(
      ['ZADD', 'z2', '1', 'a', '2', 'b', '3', 'c'],
      ['BZPOPMIN', 'nokey', 'z2', '0'],
      ['BZPOPMAX', 'z2', 'nokey', '1.5'],
      ['BZMPOP', '0', '2', 'nokey', 'z2', 'MIN', 'COUNT', '5'],
      ['BZPOPMIN', 'z2', '-1'],
      ['BZPOPMIN', 'z2', 'abc'],
      ['BZPOPMIN', 'z2', ' 1'],
      ['BZMPOP', 'abc', '1', 'z2', 'MIN'],
      ['BZMPOP', '-1', '0', 'z2', 'MIN'],
      ['BZMPOP', '0', '1', 'z2', 'MID'],
      ['BZMPOP', '0', '1', 'z2', 'MIN', 'COUNT', '0'],
      ['BZMPOP', '0', '2', 'z2', 'MIN'],
      ['SET', 's', 'v'],
      ['BZPOPMIN', 'nokey', 's', '0'],
      ['BZMPOP', '0', '1', 's', 'MAX'],
      ['BZPOPMIN', 'k'],
      ['BZMPOP', '0', '1', 'k'],
      ['BZPOPMIN', 'nokey', '0.01'],
      ['BZPOPMAX', 'nokey', '0.01'],
      ['BZMPOP', '0.01', '1', 'nokey', 'MIN'],
    );
  }
  await pair.both('HELLO', '2');
});

test('a blocked BZPOPMIN is served when ZADD creates one of its keys, with the key in the reply', async () => {
  await reset();
  for (const proto of ['2', '3']) {
    const c = await connectBoth();
    try {
      if (proto === '3') {
        sendBoth(c, 'HELLO', '3');
        await c.o.read();
        await c.r.read();
      }
      sendBoth(c, 'BZPOPMIN', 'k1', 'k2', '0');
      await waitBlocked(1);
      await pair.same(['ZADD', 'k2', '5', 'x', '7', 'y']);
      await readSame(c, 'BZPOPMIN served');
      await waitBlocked(0);
      sendBoth(c, 'BZPOPMAX', 'k1', 'k2', '0');
      await readSame(c, 'BZPOPMAX at once');
      sendBoth(c, 'BZMPOP', '0', '2', 'k1', 'k2', 'MAX', 'COUNT', '10');
      await waitBlocked(1);
      await pair.same(['ZADD', 'k1', '1', 'a', '2', 'b', '3', 'c']);
      await readSame(c, 'BZMPOP served');
      await pair.same(['ZCARD', 'k1']);
    } finally {
      closeBoth(c);
    }
  }
});

test('several blocked clients are served in arrival order, one member each', async () => {
  await reset();
  const cs = [await connectBoth(), await connectBoth(), await connectBoth()];
  try {
    for (let i = 0; i < cs.length; i++) {
      sendBoth(cs[i], i === 1 ? 'BZPOPMAX' : 'BZPOPMIN', 'q', '0');
      await waitBlocked(i + 1);
    }
    await pair.same(['ZADD', 'q', '1', 'a', '2', 'b']);
    await readSame(cs[0], 'first waiter');
    await readSame(cs[1], 'second waiter');
    await waitBlocked(1);
    await pair.same(['ZADD', 'q', '3', 'c']);
    await readSame(cs[2], 'third waiter');
    await pair.same(['ZCARD', 'q']);
  } finally {
    closeBoth(...cs);
  }
});

test('timeouts: fractional seconds end with a null array (RESP2 and RESP3), 0 waits until served', async () => {
  await reset();
  const c = await connectBoth();
  try {
    sendBoth(c, 'BZPOPMIN', 't', '0.05');
    await readSame(c, 'BZPOPMIN timeout');
    sendBoth(c, 'BZMPOP', '0.05', '1', 't', 'MIN', 'COUNT', '2');
    await readSame(c, 'BZMPOP timeout');
    sendBoth(c, 'HELLO', '3');
    await c.o.read();
    await c.r.read();
    sendBoth(c, 'BZPOPMAX', 't', '0.05');
    await readSame(c, 'BZPOPMAX timeout RESP3');
    sendBoth(c, 'BZPOPMIN', 't', '0');
    await waitBlocked(1);
    await sleep(100);
    await waitBlocked(1);
    await pair.same(['ZADD', 't', '1', 'a']);
    await readSame(c, 'served after waiting');
  } finally {
    closeBoth(c);
  }
});

test('keys of another type do not wake a waiter; STORE commands and pipelined commands do', async () => {
  await reset();
  const c = await connectBoth();
  try {
    sendBoth(c, 'BZPOPMIN', 'w1', 'w2', '0');
    await waitBlocked(1);
    await pair.same(['SET', 'w1', 'v']);
    await sleep(20);
    await waitBlocked(1);
    await pair.same(['ZADD', 'src', '1', 'a', '2', 'b'], ['ZUNIONSTORE', 'w2', '1', 'src']);
    await readSame(c, 'woken by ZUNIONSTORE');
    // A command pipelined behind a blocking one runs after it is served.
    const pipe = ['BZPOPMIN', 'w3', '0', 'PING'];
    c.o.send(pipe[0], pipe[1], pipe[2]);
    c.o.send(pipe[3]);
    c.r.send(pipe[0], pipe[1], pipe[2]);
    c.r.send(pipe[3]);
    await waitBlocked(1);
    await pair.same(['ZRANGESTORE', 'w3', 'src', '0', '0']);
    await readSame(c, 'woken by ZRANGESTORE');
    await readSame(c, 'pipelined PING');
  } finally {
    closeBoth(c);
  }
});

test('CLIENT UNBLOCK ends the wait with a null array (TIMEOUT) or the UNBLOCKED error', async () => {
  await reset();
  const c = await connectBoth();
  try {
    const ids: [string, string] = [await c.o.call('CLIENT', 'ID'), await c.r.call('CLIENT', 'ID')];
    const id = (s: string) => s.slice(1, -2);
    for (const how of ['TIMEOUT', 'ERROR']) {
      sendBoth(c, 'BZMPOP', '0', '1', 'u', 'MIN');
      await waitBlocked(1);
      assert.equal(await pair.o.call('CLIENT', 'UNBLOCK', id(ids[0]), how), ':1\r\n');
      assert.equal(await pair.r.call('CLIENT', 'UNBLOCK', id(ids[1]), how), ':1\r\n');
      await readSame(c, `CLIENT UNBLOCK ${how}`);
    }
  } finally {
    closeBoth(c);
  }
});

test('a served blocking pop is propagated as ZPOPMIN/ZPOPMAX (with the popped count for BZMPOP)', async () => {
  await reset();
  const server = pair.respite.server;
  const seen: string[][] = [];
  const orig = server.propagate;
  server.propagate = (_db: number, argv: string[]) => {
    seen.push(argv);
  };
  const c = await connectBoth();
  try {
    sendBoth(c, 'BZMPOP', '0', '1', 'p', 'MAX', 'COUNT', '5');
    await waitBlocked(1);
    await pair.same(['ZADD', 'p', '1', 'a', '2', 'b']);
    await readSame(c, 'BZMPOP');
    await pair.same(['ZADD', 'p', '1', 'a'], ['BZPOPMIN', 'p', '0']);
    assert.deepEqual(seen, [
      ['ZPOPMAX', 'p', '2'],
      ['ZPOPMIN', 'p'],
    ]);
  } finally {
    server.propagate = orig;
    closeBoth(c);
  }
});
