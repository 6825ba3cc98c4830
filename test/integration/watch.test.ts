/**
 * Transactions with real clients: ioredis `multi()` and WATCH-based optimistic locking under
 * contention, node-redis 5 `multi()`, WATCH and WatchError (on a dedicated connection and
 * through a client pool), a watched key expiring in real time, CLIENT PAUSE WRITE holding an
 * EXEC that writes, and clients leaving while watching.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient, createClientPool } from 'redis';
import { WatchError } from '@redis/client';
import { RawClient } from '../helpers/raw-client.js';
import { startRespite } from '../helpers/servers.js';
import type { RespiteServer } from '../../src/index.js';

async function withServer(fn: (srv: RespiteServer) => Promise<void>): Promise<void> {
  const srv = await startRespite();
  try {
    await fn(srv);
  } finally {
    await srv.close();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((res) => setTimeout(res, ms));

test('ioredis multi() returns [error, result] pairs, including runtime errors', async () => {
  await withServer(async (srv) => {
    const r = new Redis({ port: srv.port, host: '127.0.0.1', lazyConnect: true });
    await r.connect();
    try {
      await r.set('s', 'abc');
      const res = await r.multi().set('a', '1').incr('a').incr('s').get('a').hset('h', 'f', 'v').exec();
      assert.equal(res!.length, 5);
      assert.deepEqual(res![0], [null, 'OK']);
      assert.deepEqual(res![1], [null, 2]);
      assert.match(String(res![2][0]), /not an integer/);
      assert.deepEqual(res![3], [null, '2']);
      assert.deepEqual(res![4], [null, 1]);
      // A command refused while queuing aborts the whole transaction.
      await assert.rejects(r.multi().set('b', '1').call('NOSUCH').exec(), /EXECABORT/);
      assert.equal(await r.get('b'), null);
    } finally {
      r.disconnect();
    }
  });
});

test('ioredis WATCH: concurrent optimistic increments all land exactly once', async () => {
  await withServer(async (srv) => {
    const clients = Array.from({ length: 5 }, () => new Redis({ port: srv.port, host: '127.0.0.1' }));
    try {
      const worker = async (r: Redis): Promise<void> => {
        for (let done = 0; done < 30;) {
          await r.watch('counter');
          const v = Number((await r.get('counter')) ?? '0');
          const res = await r
            .multi()
            .set('counter', String(v + 1))
            .exec();
          // null: another client won the race; retry.
          if (res !== null) done++;
        }
      };
      await Promise.all(clients.map(worker));
      assert.equal(await clients[0].get('counter'), '150');
    } finally {
      for (const c of clients) c.disconnect();
    }
  });
});

test('ioredis WATCH: a write from another client makes exec() resolve to null', async () => {
  await withServer(async (srv) => {
    const a = new Redis({ port: srv.port, host: '127.0.0.1' });
    const b = new Redis({ port: srv.port, host: '127.0.0.1' });
    try {
      await a.set('k', '1');
      await a.watch('k');
      await b.set('k', '2');
      assert.equal(await a.multi().set('k', '3').exec(), null);
      assert.equal(await a.get('k'), '2');
      // Watching again after the failed EXEC works normally.
      await a.watch('k');
      assert.deepEqual(await a.multi().set('k', '4').exec(), [[null, 'OK']]);
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });
});

test('node-redis multi() and WATCH: results, WatchError, and a pool for isolation', async () => {
  await withServer(async (srv) => {
    const url = `redis://127.0.0.1:${srv.port}`;
    const a = createClient({ url });
    const b = createClient({ url });
    await a.connect();
    await b.connect();
    const pool = createClientPool({ url }, { minimum: 2, maximum: 2 });
    await pool.connect();
    try {
      assert.deepEqual(await a.multi().set('x', '1').incrBy('x', 5).get('x').exec(), ['OK', 6, '6']);
      await a.watch('x');
      await b.set('x', 'changed');
      await assert.rejects(a.multi().set('x', 'mine').exec(), (e: unknown) => e instanceof WatchError);
      assert.equal(await a.get('x'), 'changed');
      // Pool: each task gets its own connection, so WATCH state does not leak between tasks.
      const results = await Promise.all(
        [1, 2].map((i) =>
          pool.execute(async (c) => {
            await c.watch(`pk${i}`);
            return c.multi().set(`pk${i}`, String(i)).exec();
          }),
        ),
      );
      assert.deepEqual(results, [['OK'], ['OK']]);
      const lost = pool.execute(async (c) => {
        await c.watch('shared');
        await b.set('shared', 'other');
        return c.multi().set('shared', 'pool').exec();
      });
      await assert.rejects(lost, (e: unknown) => e instanceof WatchError);
    } finally {
      await a.close();
      await b.close();
      await pool.close();
    }
  });
});

test('a watched key expiring before EXEC fails the transaction', async () => {
  await withServer(async (srv) => {
    const a = await RawClient.connect(srv.port);
    try {
      assert.equal(await a.call('SET', 'e', '1', 'PX', '100'), '+OK\r\n');
      assert.equal(await a.call('WATCH', 'e'), '+OK\r\n');
      await sleep(200);
      assert.equal(await a.call('MULTI'), '+OK\r\n');
      assert.equal(await a.call('SET', 'e', '2'), '+QUEUED\r\n');
      assert.equal(await a.call('EXEC'), '*-1\r\n');
      assert.equal(await a.call('GET', 'e'), '$-1\r\n');
    } finally {
      a.close();
    }
  });
});

test('CLIENT PAUSE WRITE holds an EXEC that writes, not one that only reads', async () => {
  await withServer(async (srv) => {
    const [admin, w, rd] = await Promise.all([1, 2, 3].map(() => RawClient.connect(srv.port)));
    try {
      assert.equal(await w.call('MULTI'), '+OK\r\n');
      assert.equal(await w.call('SET', 'p', '1'), '+QUEUED\r\n');
      assert.equal(await rd.call('MULTI'), '+OK\r\n');
      assert.equal(await rd.call('GET', 'p'), '+QUEUED\r\n');
      assert.equal(await admin.call('CLIENT', 'PAUSE', '60000', 'WRITE'), '+OK\r\n');
      w.send('EXEC');
      assert.equal(await rd.call('EXEC'), '*1\r\n$-1\r\n');
      await assert.rejects(w.read(150), /timeout/);
      assert.equal(await admin.call('CLIENT', 'UNPAUSE'), '+OK\r\n');
      assert.equal(await w.read(), '*1\r\n+OK\r\n');
      assert.equal(await rd.call('GET', 'p'), '$1\r\n1\r\n');
    } finally {
      admin.close();
      w.close();
      rd.close();
    }
  });
});

test('clients that disconnect while watching or queuing leave nothing behind', async () => {
  await withServer(async (srv) => {
    const keep = await RawClient.connect(srv.port);
    for (let i = 0; i < 20; i++) {
      const c = await RawClient.connect(srv.port);
      await c.call('WATCH', 'gone', `gone${i}`);
      await c.call('MULTI');
      await c.call('SET', 'gone', String(i));
      c.close();
    }
    await sleep(50);
    assert.equal(await keep.call('SET', 'gone', 'x'), '+OK\r\n');
    assert.equal(await keep.call('GET', 'gone'), '$1\r\nx\r\n');
    // The keeper's own transaction is unaffected by the departed watchers.
    assert.equal(await keep.call('WATCH', 'gone'), '+OK\r\n');
    assert.equal(await keep.call('MULTI'), '+OK\r\n');
    assert.equal(await keep.call('INCR', 'n'), '+QUEUED\r\n');
    assert.equal(await keep.call('EXEC'), '*1\r\n:1\r\n');
    for (const c of srv.server.clients.values()) assert.equal(c.watchedKeys, null);
    keep.close();
  });
});
