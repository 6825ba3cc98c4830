/**
 * CLIENT PAUSE / UNPAUSE: which commands are held, that held commands run in order once the
 * pause ends (by UNPAUSE or by its timeout), and that keys do not expire meanwhile.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
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

/** Resolves to the next reply, or to null when none arrives within ms. */
async function replyWithin(c: RawClient, ms: number): Promise<string | null> {
  try {
    return await c.read(ms);
  } catch {
    return null;
  }
}

test('CLIENT PAUSE WRITE holds a SET while a GET goes on; UNPAUSE lets the SET complete', async () => {
  await withServer(async (srv) => {
    const [admin, writer, reader] = await Promise.all([1, 2, 3].map(() => RawClient.connect(srv.port)));
    assert.equal(await writer.call('SET', 'k', 'old'), '+OK\r\n');
    assert.equal(await admin.call('CLIENT', 'PAUSE', '60000', 'WRITE'), '+OK\r\n');
    writer.send('SET', 'k', 'new');
    assert.equal(await replyWithin(writer, 150), null, 'SET is held');
    assert.equal(await reader.call('GET', 'k'), '$3\r\nold\r\n');
    assert.equal(await reader.call('PING'), '+PONG\r\n');
    const list = await admin.call('CLIENT', 'LIST');
    assert.match(list, / flags=b .* cmd=set /, 'the held client shows flag b and its command');
    // CLIENT UNBLOCK does not release a client held by a pause.
    const writerId = /id=(\d+) [^\n]* flags=b /.exec(list)![1];
    assert.equal(await admin.call('CLIENT', 'UNBLOCK', writerId), ':0\r\n');
    assert.equal(await admin.call('CLIENT', 'UNPAUSE'), '+OK\r\n');
    assert.equal(await writer.read(), '+OK\r\n');
    assert.equal(await reader.call('GET', 'k'), '$3\r\nnew\r\n');
    for (const c of [admin, writer, reader]) c.close();
  });
});

test('a held client runs its whole pipeline, in order, once UNPAUSE ends the pause', async () => {
  await withServer(async (srv) => {
    const [admin, writer] = await Promise.all([1, 2].map(() => RawClient.connect(srv.port)));
    assert.equal(await admin.call('CLIENT', 'PAUSE', '60000', 'WRITE'), '+OK\r\n');
    writer.send('SET', 'k', 'first');
    writer.send('GET', 'k');
    writer.send('SET', 'k', 'second');
    writer.send('GET', 'k');
    assert.equal(await replyWithin(writer, 100), null);
    assert.equal(await admin.call('GET', 'k'), '$-1\r\n');
    assert.equal(await admin.call('CLIENT', 'UNPAUSE'), '+OK\r\n');
    assert.equal(await writer.read(), '+OK\r\n');
    assert.equal(await writer.read(), '$5\r\nfirst\r\n');
    assert.equal(await writer.read(), '+OK\r\n');
    assert.equal(await writer.read(), '$6\r\nsecond\r\n');
    for (const c of [admin, writer]) c.close();
  });
});

test('CLIENT PAUSE ALL holds every command, including UNPAUSE, until the timeout ends it', async () => {
  await withServer(async (srv) => {
    const [admin, c] = await Promise.all([1, 2].map(() => RawClient.connect(srv.port)));
    const t0 = Date.now();
    assert.equal(await admin.call('CLIENT', 'PAUSE', '300'), '+OK\r\n');
    c.send('PING');
    admin.send('CLIENT', 'UNPAUSE');
    assert.equal(await replyWithin(c, 100), null, 'PING is held');
    assert.equal(await c.read(2000), '+PONG\r\n');
    assert.equal(await admin.read(2000), '+OK\r\n');
    assert.ok(Date.now() - t0 >= 250, 'the pause lasted its timeout');
    assert.equal(srv.server.pauseUntil, 0);
    for (const x of [admin, c]) x.close();
  });
});

test('a second CLIENT PAUSE keeps the stricter mode and the later end', async () => {
  await withServer(async (srv) => {
    const [admin, c] = await Promise.all([1, 2].map(() => RawClient.connect(srv.port)));
    assert.equal(await admin.call('CLIENT', 'PAUSE', '60000', 'WRITE'), '+OK\r\n');
    const end = srv.server.pauseUntil;
    assert.equal(await admin.call('CLIENT', 'PAUSE', '10', 'WRITE'), '+OK\r\n');
    assert.equal(srv.server.pauseUntil, end, 'a shorter pause does not shorten it');
    assert.equal(await admin.call('CLIENT', 'PAUSE', '0', 'ALL'), '+OK\r\n');
    assert.equal(srv.server.pauseWritesOnly, false, 'ALL wins over WRITE');
    c.send('PING');
    assert.equal(await replyWithin(c, 100), null, 'reads are now held too');
    srv.server.unpause();
    assert.equal(await c.read(), '+PONG\r\n');
    // CLIENT PAUSE 0 without a pause in force pauses nothing.
    assert.equal(await admin.call('CLIENT', 'PAUSE', '0'), '+OK\r\n');
    assert.equal(await c.call('SET', 'k', 'v'), '+OK\r\n');
    for (const x of [admin, c]) x.close();
  });
});

test('a client killed while held is dropped, and the others resume', async () => {
  await withServer(async (srv) => {
    const [admin, a, b] = await Promise.all([1, 2, 3].map(() => RawClient.connect(srv.port)));
    const aid = (await a.call('CLIENT', 'ID')).slice(1, -2);
    assert.equal(await admin.call('CLIENT', 'PAUSE', '60000', 'WRITE'), '+OK\r\n');
    a.send('SET', 'k', 'from-a');
    b.send('SET', 'k', 'from-b');
    assert.equal(await replyWithin(b, 100), null);
    assert.equal(await admin.call('CLIENT', 'KILL', 'ID', aid), ':1\r\n');
    await a.waitClosed();
    assert.equal(await admin.call('CLIENT', 'UNPAUSE'), '+OK\r\n');
    assert.equal(await b.read(), '+OK\r\n');
    assert.equal(await admin.call('GET', 'k'), '$6\r\nfrom-b\r\n');
    for (const x of [admin, b]) x.close();
  });
});

test('keys do not expire during a pause: they read as missing but stay until it ends', async () => {
  await withServer(async (srv) => {
    const c = await RawClient.connect(srv.port);
    assert.equal(await c.call('SET', 'volatile', 'v'), '+OK\r\n');
    const db = srv.server.dbs[0];
    db.setExpire('volatile', Date.now() + 50);
    assert.equal(await c.call('CLIENT', 'PAUSE', '60000', 'WRITE'), '+OK\r\n');
    await new Promise((r) => setTimeout(r, 120));
    srv.server.cron();
    assert.equal(await c.call('GET', 'volatile'), '$-1\r\n');
    assert.ok(db.dict.get('volatile') !== undefined, 'the expired key is still stored');
    assert.equal(await c.call('CLIENT', 'UNPAUSE'), '+OK\r\n');
    assert.equal(await c.call('GET', 'volatile'), '$-1\r\n');
    assert.equal(db.dict.get('volatile'), undefined, 'expired once the pause ended');
    c.close();
  });
});

test('ioredis: a SET issued under CLIENT PAUSE WRITE resolves after UNPAUSE', async () => {
  await withServer(async (srv) => {
    const opts = { port: srv.port, host: '127.0.0.1', lazyConnect: true, enableReadyCheck: false };
    const admin = new Redis(opts);
    const r = new Redis(opts);
    try {
      await Promise.all([admin.connect(), r.connect()]);
      assert.equal(await admin.client('PAUSE', 60000, 'WRITE'), 'OK');
      let done = false;
      const pending = r.set('io', 'v').then((x) => {
        done = true;
        return x;
      });
      assert.equal(await admin.get('io'), null);
      assert.equal(done, false);
      assert.equal(await admin.client('UNPAUSE'), 'OK');
      assert.equal(await pending, 'OK');
      assert.equal(await r.get('io'), 'v');
    } finally {
      admin.disconnect();
      r.disconnect();
    }
  });
});
